package io.pgpacer.core.probe;

/**
 * The write probe's latest attempt as its thread left it: against which postmaster, since when, at which stage, and
 * its result once it ended ({@code result} null while it is in flight).
 *
 * @param attempt numbers the attempts of one agent, from 1
 * @param postmasterPid the postmaster the attempt was made against, so that a result about an earlier one is ignored
 * @param startedAtMillis when the attempt began, by the agent's monotonic clock
 * @param stage what the attempt was doing last, in words ({@code opening a new connection}, {@code committing})
 * @param endedAtMillis when the attempt ended, by the same clock; meaningless while {@code result} is null
 */
public record ProbeProgress(long attempt, long postmasterPid, long startedAtMillis, String stage, Result result,
        long endedAtMillis) {

    /** An attempt that has just begun. */
    public static ProbeProgress started(long attempt, long postmasterPid, long startedAtMillis) {
        return new ProbeProgress(attempt, postmasterPid, startedAtMillis, "starting", null, startedAtMillis);
    }

    /** How long the attempt ran, by the agent's clock: until it ended, or until {@code nowMillis} while in flight. */
    public long runningMillis(long nowMillis) {
        return (result == null ? nowMillis : endedAtMillis) - startedAtMillis;
    }

    /** How an attempt ended. */
    public enum Outcome {
        /** The row was committed (locally durable). */
        COMMITTED,
        /** The commit guard refused the commit: this node's lease lapsed. Fencing, not a fault of the disk. */
        REFUSED_BY_GUARD,
        /** PostgreSQL refused the connection or the commit; {@code error} holds its words. */
        FAILED
    }

    /**
     * @param latencyNanos how long the write and its commit took (without the connection), by the monotonic clock
     * @param error PostgreSQL's or the driver's message; null when committed
     */
    public record Result(Outcome outcome, long latencyNanos, String error) {
    }

    /** The same attempt, ended at {@code atMillis}; its stage stays where it was last. */
    public ProbeProgress ended(Result ending, long atMillis) {
        return new ProbeProgress(attempt, postmasterPid, startedAtMillis, stage, ending, atMillis);
    }

    /** The same attempt at a later stage. */
    public ProbeProgress at(String nextStage) {
        return new ProbeProgress(attempt, postmasterPid, startedAtMillis, nextStage, result, endedAtMillis);
    }
}
