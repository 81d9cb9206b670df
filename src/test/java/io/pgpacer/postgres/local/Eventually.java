package io.pgpacer.postgres.local;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polls a probe until a condition holds or a deadline passes; the failure shows the last value seen. */
final class Eventually {
    private static final Duration POLL_INTERVAL = Duration.ofMillis(25);

    private Eventually() {
    }

    static <T> T await(String expectation, Duration within, Supplier<T> probe, Predicate<T> condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            T value = probe.get();
            if (condition.test(value)) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                return fail("expected " + expectation + " within " + within.toMillis() + " ms; last seen: " + value);
            }
            LockSupport.parkNanos(POLL_INTERVAL.toNanos());
        }
    }
}
