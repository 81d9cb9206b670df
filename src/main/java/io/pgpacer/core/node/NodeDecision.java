package io.pgpacer.core.node;

/** One decision of the node state machine: the state it read, the edge of the table it took, and the step. */
public record NodeDecision(NodeState state, Edge edge, NodeStep step) {
}
