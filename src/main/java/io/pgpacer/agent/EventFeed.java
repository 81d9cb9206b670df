package io.pgpacer.agent;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** The most recent things this agent decided or did, with their reasons, for the API and status. */
public final class EventFeed {

    /** One event: when, who ("controller", "agent", "lease"), and the sentence that explains it. */
    public record Event(String at, String source, String text) {
    }

    private static final int KEPT = 200;
    private final Deque<Event> events = new ArrayDeque<>();

    public synchronized void add(String source, String text) {
        events.addLast(new Event(Instant.now().toString(), source, text));
        while (events.size() > KEPT) {
            events.removeFirst();
        }
    }

    public synchronized List<Event> recent() {
        return new ArrayList<>(events);
    }
}
