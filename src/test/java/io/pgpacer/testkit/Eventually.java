package io.pgpacer.testkit;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Polls a probe until a condition holds or a deadline passes, so a test waits exactly as long as needed; the
 * failure message shows the last value seen (or the last error the probe threw).
 */
public final class Eventually {

    private static final Duration POLL_INTERVAL = Duration.ofMillis(25);

    private Eventually() {
    }

    public static <T> T await(String expectation, Duration within, Supplier<T> probe, Predicate<T> condition) {
        long deadline = System.nanoTime() + within.toNanos();
        Object last = "nothing yet";
        while (true) {
            try {
                T value = probe.get();
                if (condition.test(value)) {
                    return value;
                }
                last = value;
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("expected " + expectation + " within " + within.toMillis() + " ms; last seen: "
                        + last, last instanceof Throwable t ? t : null);
            }
            LockSupport.parkNanos(POLL_INTERVAL.toNanos());
        }
    }

    /** Waits for {@code probe} to yield a value and returns it. */
    public static <T> T awaitPresent(String expectation, Duration within, Supplier<java.util.Optional<T>> probe) {
        return await(expectation, within, probe, java.util.Optional::isPresent).orElseThrow();
    }

    public static void await(String expectation, Duration within, Supplier<Boolean> condition) {
        await(expectation, within, condition, Boolean.TRUE::equals);
    }

    /**
     * Watches {@code condition} for the whole of {@code period} and fails as soon as it turns false: for
     * asserting that something does NOT happen (a commit that must keep waiting), which needs a window.
     */
    public static void holdsFor(String expectation, Duration period, Supplier<Boolean> condition) {
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() - end < 0) {
            if (!Boolean.TRUE.equals(condition.get())) {
                throw new AssertionError("expected " + expectation + " for " + period.toMillis() + " ms, but it ended");
            }
            LockSupport.parkNanos(POLL_INTERVAL.toNanos());
        }
    }
}
