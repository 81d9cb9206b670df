package io.pgpacer.store;

import java.util.Objects;

/**
 * Whether this host's member of the store can take part in it: a member whose own Raft storage is damaged
 * (a log it cannot append to, a log that contradicts its snapshot, a log device that failed) cannot, and then
 * says what is damaged and the command that repairs it.
 *
 * @param condition healthy or damaged
 * @param damage what is damaged, as one sentence naming the file or directory; null when healthy
 * @param repair the command an operator runs on this host to repair the member; null when healthy
 */
public record MemberHealth(Condition condition, String damage, String repair) {

    /** A member's condition. */
    public enum Condition { HEALTHY, DAMAGED }

    public static final MemberHealth HEALTHY = new MemberHealth(Condition.HEALTHY, null, null);

    public MemberHealth {
        Objects.requireNonNull(condition, "condition");
        if (condition == Condition.DAMAGED && (damage == null || repair == null)) {
            throw new IllegalArgumentException("a damaged member must say what is damaged and how to repair it");
        }
    }

    public static MemberHealth damaged(String damage, String repair) {
        return new MemberHealth(Condition.DAMAGED, damage, repair);
    }

    public boolean damaged() {
        return condition == Condition.DAMAGED;
    }

    /** The damage and its repair in one sentence, for logs, errors and health checks; "healthy" otherwise. */
    public String describe() {
        return damaged() ? damage + "; " + repair : "healthy";
    }
}
