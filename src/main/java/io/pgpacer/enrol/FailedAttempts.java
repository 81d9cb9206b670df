package io.pgpacer.enrol;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Failed authentications per source address over a sliding minute, so that nobody can try passphrases faster
 * than {@link #ALLOWED} a minute. Time is given, never read: the caller passes its clock's milliseconds.
 */
final class FailedAttempts {

    static final int ALLOWED = 5;
    static final long WINDOW_MILLIS = 60_000;
    // why bounded: each source costs a little memory, and sources are what a flood would vary
    private static final int MAX_SOURCES = 4096;

    private final Map<String, Deque<Long>> failures = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<Long>> eldest) {
            return size() > MAX_SOURCES;
        }
    };

    /** The whole seconds {@code source} must wait before trying again, or 0 when it may try now. */
    synchronized long waitSeconds(String source, long nowMillis) {
        Deque<Long> times = failures.get(source);
        if (times == null) {
            return 0;
        }
        while (!times.isEmpty() && times.peekFirst() <= nowMillis - WINDOW_MILLIS) {
            times.removeFirst();
        }
        if (times.size() < ALLOWED) {
            return 0;
        }
        return Math.max(1, (times.peekFirst() + WINDOW_MILLIS - nowMillis + 999) / 1000);
    }

    synchronized void record(String source, long nowMillis) {
        failures.computeIfAbsent(source, s -> new ArrayDeque<>()).addLast(nowMillis);
    }
}
