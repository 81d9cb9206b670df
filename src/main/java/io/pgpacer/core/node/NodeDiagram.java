package io.pgpacer.core.node;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code docs/node-state-machine.md}, written from {@link NodeState} and {@link Edge}: the states, a Mermaid diagram
 * of the edges that change the state, and the whole table with guards and reasons. A test keeps the file equal to it.
 */
public final class NodeDiagram {

    private NodeDiagram() {
    }

    public static String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("# The node state machine\n\n")
                .append("Generated from `core/node` (`NodeState`, `Edge`) by `NodeDiagram`; `NodeDiagramTest` fails"
                        + " when this file and the table differ.\n\n")
                .append("Each pass of an agent reads its node's state from what it observes (PostgreSQL, the data"
                        + " directory, the lease it holds, the long step it runs, the last timeline check), and"
                        + " `NodeMachine.next` takes the first edge whose guard holds for that state and the node's"
                        + " goal. The agent's step runner carries the edge's step out. Edges that only wait, look"
                        + " something up or keep a settled node settled leave the state as it is.\n\n")
                .append("## States\n\n| state | in status | meaning |\n|---|---|---|\n");
        for (NodeState state : NodeState.values()) {
            out.append("| `").append(state.name()).append("` | ").append(state.words()).append(" | ")
                    .append(state.meaning()).append(" |\n");
        }
        out.append("\n## Transitions\n\n```mermaid\nstateDiagram-v2\n");
        for (NodeState state : NodeState.values()) {
            out.append("    state \"").append(state.words()).append("\" as ").append(state.name()).append('\n');
        }
        out.append("    [*] --> NO_DATA\n");
        for (Edge edge : Edge.values()) {
            if (edge.to() == null) {
                continue;
            }
            for (NodeState from : sorted(edge)) {
                if (from != edge.to()) {
                    out.append("    ").append(from.name()).append(" --> ").append(edge.to().name()).append(" : ")
                            .append(label(edge)).append('\n');
                }
            }
        }
        out.append("```\n\n## Edges\n\nIn the order `NodeMachine` considers them within a goal.\n\n")
                .append("| edge | from | goal | to | taken when | why |\n|---|---|---|---|---|---|\n");
        for (Edge edge : Edge.values()) {
            out.append("| `").append(label(edge)).append("` | ")
                    .append(sorted(edge).stream().map(NodeState::words).collect(Collectors.joining(", ")))
                    .append(" | ").append(edge.goals().isEmpty() ? "any" : edge.goals().stream().sorted()
                            .map(role -> role.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")))
                    .append(" | ").append(edge.to() == null ? "(stays)" : edge.to().words())
                    .append(" | ").append(edge.guard()).append(" | ").append(edge.why()).append(" |\n");
        }
        return out.toString();
    }

    private static List<NodeState> sorted(Edge edge) {
        return edge.from().stream().sorted(Comparator.naturalOrder()).toList();
    }

    private static String label(Edge edge) {
        return edge.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
