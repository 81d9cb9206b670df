package io.pgpacer.core.cib;

/**
 * What the controller wants a node to be, and why ("Promote node2 (standby -> primary): node1 lease
 * expired").
 *
 * @param upstream the node a standby streams from; null for a primary or a stopped node
 */
public record NodeGoal(Role role, String upstream, String reason) {

    public static NodeGoal primary(String reason) {
        return new NodeGoal(Role.PRIMARY, null, reason);
    }

    public static NodeGoal standbyOf(String upstream, String reason) {
        return new NodeGoal(Role.STANDBY, upstream, reason);
    }

    /** The goal in operator words: {@code primary}, {@code standby of node1}, {@code stopped}. */
    public String describe() {
        return switch (role) {
            case PRIMARY -> "primary";
            case STANDBY -> "standby of " + upstream;
            case STOPPED -> "stopped";
        };
    }

    /** Same role and upstream; the reason is commentary and does not make a goal different. */
    public boolean sameTarget(NodeGoal other) {
        return other != null && role == other.role && java.util.Objects.equals(upstream, other.upstream);
    }
}
