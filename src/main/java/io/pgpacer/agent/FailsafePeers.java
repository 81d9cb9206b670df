package io.pgpacer.agent;

import java.time.Duration;

/**
 * How a primary that cannot renew its lease asks every other member, directly and not through the store,
 * whether it may keep serving (option {@code failsafe}). The agent's composition root supplies the HTTP
 * implementation; {@link #NONE} never confirms.
 */
@FunctionalInterface
public interface FailsafePeers {

    FailsafePeers NONE = (primary, generation, timeout) -> new Round(false, "no failsafe client configured");

    /**
     * Pings every other member in parallel and waits at most {@code timeout} for all of them.
     *
     * @return confirmed only when every member confirmed within the timeout; the detail names who did not
     */
    Round confirm(String primary, long generation, Duration timeout);

    /**
     * Reaches every member once without asking anything, in the background, so the first real ping does not
     * pay for loading the HTTP client and opening connections (seconds on a busy host, more than a ping may
     * take).
     */
    default void warmUp() {
    }

    /** The outcome of one round of pings; {@code detail} says who refused or did not answer, and why. */
    record Round(boolean confirmed, String detail) {
    }
}
