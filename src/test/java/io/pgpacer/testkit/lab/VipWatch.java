package io.pgpacer.testkit.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Watches which hosts hold the writer VIP, every {@link #INTERVAL}, on a background thread, and keeps each
 * change and every period in which more than one host held it. One look reads every host's routing table in
 * well under a millisecond, so a look that sees two holders saw them within that time of each other.
 */
public final class VipWatch implements AutoCloseable {
    /** How often the watch looks. */
    public static final Duration INTERVAL = Duration.ofMillis(5);

    /** The holders from {@code atNanos} ({@link System#nanoTime()}) on. */
    public record Change(long atNanos, List<String> holders) {
    }

    /** A period in which several hosts held the VIP: from the first look that saw it to the first that did not. */
    public record Overlap(List<String> holders, long fromNanos, long toNanos) {
        public long millis() {
            return (toNanos - fromNanos) / 1_000_000;
        }

        @Override
        public String toString() {
            return holders + " for " + millis() + " ms";
        }
    }

    private final Supplier<List<String>> holders;
    private final List<Change> changes = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private RuntimeException failure;

    private VipWatch(Supplier<List<String>> holders) {
        this.holders = holders;
        this.thread = new Thread(this::run, "vip-watch");
        thread.setDaemon(true);
    }

    static VipWatch start(Supplier<List<String>> holders) {
        VipWatch watch = new VipWatch(holders);
        watch.record(System.nanoTime(), holders.get());
        watch.thread.start();
        return watch;
    }

    private void run() {
        try {
            while (running) {
                LockSupport.parkNanos(INTERVAL.toNanos());
                List<String> now = holders.get();
                record(System.nanoTime(), now);
            }
        } catch (RuntimeException e) {
            synchronized (this) {
                failure = e;
            }
        }
    }

    private synchronized void record(long atNanos, List<String> now) {
        if (changes.isEmpty() || !changes.get(changes.size() - 1).holders().equals(now)) {
            changes.add(new Change(atNanos, List.copyOf(now)));
        }
    }

    /** Every change seen so far, the holders at the start first. */
    public synchronized List<Change> changes() {
        rethrow();
        return List.copyOf(changes);
    }

    /** The periods in which more than one host held the VIP; one still going ends now. */
    public synchronized List<Overlap> overlaps() {
        rethrow();
        List<Overlap> overlaps = new ArrayList<>();
        for (int i = 0; i < changes.size(); i++) {
            Change change = changes.get(i);
            if (change.holders().size() > 1) {
                long end = i + 1 < changes.size() ? changes.get(i + 1).atNanos() : System.nanoTime();
                overlaps.add(new Overlap(change.holders(), change.atNanos(), end));
            }
        }
        return overlaps;
    }

    /** The changes as text relative to {@code originNanos}, e.g. {@code +0 ms [db1], +812 ms [], +1034 ms [db2]}. */
    public String timeline(long originNanos) {
        List<String> parts = new ArrayList<>();
        for (Change change : changes()) {
            parts.add(String.format("%+d ms %s", (change.atNanos() - originNanos) / 1_000_000, change.holders()));
        }
        return String.join(", ", parts);
    }

    private void rethrow() {
        if (failure != null) {
            throw new IllegalStateException("the VIP watch failed: " + failure.getMessage(), failure);
        }
    }

    /** Stops watching; what was seen stays readable. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
