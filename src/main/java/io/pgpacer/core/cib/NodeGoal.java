package io.pgpacer.core.cib;

/**
 * What the controller wants a node to be, and why ("Promote node2 (standby -> primary): node1 lease
 * expired").
 *
 * @param upstream the node a standby streams from; null for a primary or a stopped node
 * @param repair an operator's pending request to rewind or rebuild this standby, or null
 */
public record NodeGoal(Role role, String upstream, String reason, Repair repair) {

    public NodeGoal(Role role, String upstream, String reason) {
        this(role, upstream, reason, null);
    }

    /** The same goal with this pending repair (null: none). */
    public NodeGoal withRepair(Repair pending) {
        return new NodeGoal(role, upstream, reason, pending);
    }

    public static NodeGoal primary(String reason) {
        return new NodeGoal(Role.PRIMARY, null, reason);
    }

    public static NodeGoal standbyOf(String upstream, String reason) {
        return new NodeGoal(Role.STANDBY, upstream, reason);
    }

    /** The goal in operator words: {@code primary}, {@code standby of node1}, {@code stopped}. */
    public String describe() {
        String described = switch (role) {
            case PRIMARY -> "primary";
            case STANDBY -> "standby of " + upstream;
            case STOPPED -> "stopped";
        };
        return repair == null ? described
                : described + " (" + repair.describe() + " requested " + repair.requestedAt() + ")";
    }

    /** Same role and upstream; the reason is commentary and does not make a goal different. */
    public boolean sameTarget(NodeGoal other) {
        return other != null && role == other.role && java.util.Objects.equals(upstream, other.upstream);
    }
}
