package io.pgpacer.core.cib;

/**
 * Why a node is made primary, as the timeline history records it. The cause travels at the head of the primary goal's
 * reason ("failover: n1 is offline; ..."), which every site that makes a primary goal begins with {@link #words()}:
 * a goal is a field of the AssignGoals command, which every store member decodes strictly, so a field of its own
 * would stop members of the previous version from applying the log during a rolling upgrade.
 */
public enum PromotionCause {
    INITIAL_START("initial start"),
    SWITCHOVER("switchover"),
    FORCED("forced"),
    RECOVER_MASTER("recover-master"),
    FAILOVER("failover");

    private final String words;

    PromotionCause(String words) {
        this.words = words;
    }

    /** The cause as the history records it, and the head of a primary goal's reason. */
    public String words() {
        return words;
    }

    /** The cause a primary goal's reason begins with; any other reason (a primary kept or resumed) is a failover. */
    public static PromotionCause of(NodeGoal goal) {
        String reason = goal.reason() == null ? "" : goal.reason();
        for (PromotionCause cause : values()) {
            if (reason.startsWith(cause.words)) {
                return cause;
            }
        }
        return FAILOVER;
    }
}
