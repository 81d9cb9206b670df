package io.pgpacer.core.archfixture;

import java.time.Instant;

/** A planted violation for ArchitectureViolationsTest: core code that asks the clock instead of its input. */
public final class ReadsTheClock {

    private ReadsTheClock() {
    }

    public static boolean expired(Instant deadline) {
        return Instant.now().isAfter(deadline);
    }
}
