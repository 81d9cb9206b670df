package io.pgpacer.core.cib;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * The commit guard (the pgpacer_guard extension, which refuses commits once this node's primary lease has run out)
 * in a node's PostgreSQL, as its agent saw it when it built its report.
 *
 * @param state what the guard does for this node now; {@link State#UNKNOWN} in a report of an agent that predates
 *     this field
 * @param epoch the lease generation PostgreSQL was last granted; 0 when none since PostgreSQL started
 * @param remainingMillis when {@link State#GRANTED}, how long PostgreSQL still accepted commits at report time; when
 *     {@link State#EXPIRED}, how long before the report it stopped (negative or 0); else 0
 * @param refusedCommits commits the guard refused since PostgreSQL started
 * @param withheldAcks commits whose acknowledgement the guard withheld (it ended the connection) since PostgreSQL
 *     started
 * @param reason why the guard is {@link State#OFF}, {@link State#UNAVAILABLE} or {@link State#INACTIVE}, in words;
 *     null otherwise
 */
public record CommitGuardReport(State state, long epoch, long remainingMillis, long refusedCommits, long withheldAcks,
        String reason) {

    /** The guard's states, in the order a node goes through them. */
    public enum State {
        /** Not reported: the node's agent predates this report field (agents are upgraded one at a time). */
        UNKNOWN,
        /** Not used: {@code postgresql.commit-guard: off}, or no PostgreSQL on the node (a witness). */
        OFF,
        /** Wanted ({@code auto} or {@code on}) but the extension is not installed for this PostgreSQL. */
        UNAVAILABLE,
        /** Used, but PostgreSQL does not run it now: stopped, not answering, or the extension not created yet. */
        INACTIVE,
        /** Loaded, no lease granted since PostgreSQL started: a standby, or a primary before its first grant. */
        NOT_GRANTED,
        /** PostgreSQL accepts commits under lease generation {@code epoch} until its deadline. */
        GRANTED,
        /** The granted deadline passed, or fencing revoked it: PostgreSQL refuses every commit that writes. */
        EXPIRED
    }

    /** What a report of an agent without this field decodes to. */
    public static final CommitGuardReport UNKNOWN = new CommitGuardReport(State.UNKNOWN, 0, 0, 0, 0, null);

    public CommitGuardReport {
        state = state == null ? State.UNKNOWN : state;
    }

    /** The guard is not used, for {@code reason}. */
    public static CommitGuardReport off(String reason) {
        return new CommitGuardReport(State.OFF, 0, 0, 0, 0, reason);
    }

    /** The guard is wanted but cannot be used, for {@code reason}. */
    public static CommitGuardReport unavailable(String reason) {
        return new CommitGuardReport(State.UNAVAILABLE, 0, 0, 0, 0, reason);
    }

    /** The guard is used but PostgreSQL does not run it now, for {@code reason}. */
    public static CommitGuardReport inactive(String reason) {
        return new CommitGuardReport(State.INACTIVE, 0, 0, 0, 0, reason);
    }

    /**
     * What the extension holds: the generation last granted (0: none since PostgreSQL started) and the time left
     * (empty while none was granted; not positive once the deadline passed).
     */
    public static CommitGuardReport held(long epoch, OptionalLong remainingMillis, long refusedCommits,
            long withheldAcks) {
        if (epoch == 0 || remainingMillis.isEmpty()) {
            return new CommitGuardReport(State.NOT_GRANTED, epoch, 0, refusedCommits, withheldAcks, null);
        }
        long remaining = remainingMillis.getAsLong();
        return new CommitGuardReport(remaining > 0 ? State.GRANTED : State.EXPIRED, epoch, remaining, refusedCommits,
                withheldAcks, null);
    }

    /**
     * Whether {@code other} says the same about the guard, apart from the time left and the counters: a change worth
     * a report of its own, where the time left changes with every look.
     */
    public boolean sameStateAs(CommitGuardReport other) {
        return state == other.state && epoch == other.epoch && Objects.equals(reason, other.reason);
    }

    /**
     * The guard in an operator's words, as {@code pgpacer status --full} shows it: {@code granted epoch 7 (2350 ms
     * left at report time)}, {@code not granted}, {@code off (postgresql.commit-guard: off)}.
     */
    public String describe() {
        String described = switch (state) {
            case UNKNOWN -> "unknown (from an agent of an earlier version)";
            case OFF -> "off" + because();
            case UNAVAILABLE -> "unavailable" + because();
            case INACTIVE -> "inactive" + because();
            case NOT_GRANTED -> "not granted";
            case GRANTED -> "granted epoch " + epoch + " (" + remainingMillis + " ms left at report time)";
            case EXPIRED -> "expired epoch " + epoch + " (commits that write refused since " + -remainingMillis
                    + " ms before the report)";
        };
        return described + counters();
    }

    private String because() {
        return reason == null ? "" : " (" + reason + ")";
    }

    // why only when non-zero: a refusal or a withheld acknowledgement is rare and worth a look; zeros are noise.
    private String counters() {
        if (refusedCommits == 0 && withheldAcks == 0) {
            return "";
        }
        return "; since PostgreSQL started: " + refusedCommits + (refusedCommits == 1 ? " commit" : " commits")
                + " refused, " + withheldAcks + (withheldAcks == 1 ? " acknowledgement" : " acknowledgements")
                + " withheld";
    }
}
