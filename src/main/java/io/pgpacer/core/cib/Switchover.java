package io.pgpacer.core.cib;

import io.pgpacer.core.model.Lsn;

/**
 * A planned change of primary, as the CIB records it from the operator's request until the new primary
 * confirms its promotion. Being in the CIB, a scheduled switchover survives agent restarts and controller
 * changes.
 *
 * @param from the primary when the operator asked; the switchover is dropped if another node becomes primary
 * @param to the node to promote; null until the switchover begins when the operator named none (the best
 *     standby is chosen then)
 * @param notBefore the wall-clock time (epoch milliseconds) before which it does not begin; 0 for at once
 * @param requestedAt the operator's wall clock, ISO-8601, for display only
 * @param maxLagBytes how far behind the primary the target may be when the switchover begins
 * @param handoverLsn where {@code from}'s WAL ended when it stopped (its shutdown checkpoint); null before
 */
public record Switchover(String from, String to, long notBefore, String requestedAt, long maxLagBytes,
        Phase phase, Lsn handoverLsn) {

    /** How far a switchover got. */
    public enum Phase {
        /** Accepted, waiting for its time; it can still be cancelled. */
        SCHEDULED,
        /** {@code from} was told to stop writes and hand the lease over. */
        HANDING_OVER,
        /** {@code from} stopped and released the lease; {@code to} must receive all of its WAL, then promote. */
        CATCHING_UP
    }

    public Switchover began(String target) {
        return new Switchover(from, target, notBefore, requestedAt, maxLagBytes, Phase.HANDING_OVER, null);
    }

    public Switchover handedOver(Lsn endOfWal) {
        return new Switchover(from, to, notBefore, requestedAt, maxLagBytes, Phase.CATCHING_UP, endOfWal);
    }

    /**
     * Whether a node's report shows it received all of the old primary's WAL: past the start of its shutdown
     * checkpoint record, so the record itself arrived, and the new timeline forks after everything the old
     * primary wrote (it can then follow without a rewind).
     */
    public boolean receivedAll(NodeReport report) {
        return phase == Phase.CATCHING_UP && report.lsn().isAfter(handoverLsn);
    }

    /** The switchover in operator words, e.g. {@code node1 -> node2 (catching up to 0/5000028)}. */
    public String describe() {
        String target = to == null ? "the best standby" : to;
        String state = switch (phase) {
            case SCHEDULED -> notBefore == 0 ? "starting" : "scheduled for " + java.time.Instant.ofEpochMilli(notBefore);
            case HANDING_OVER -> from + " is stopping writes";
            case CATCHING_UP -> to + " is receiving WAL up to " + handoverLsn;
        };
        return from + " -> " + target + " (" + state + ")";
    }
}
