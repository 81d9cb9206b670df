package io.pgpacer.core.cib;

import java.util.List;
import java.util.TreeSet;

/**
 * What pgpacer must leave alone: the whole cluster (Pacemaker's {@code maintenance-mode}, Patroni's pause)
 * or single nodes ({@code pcs node maintenance}). Agents there observe and report but do not act: no start,
 * stop or promotion; the controller changes nothing that concerns them. Fencing stays on: a primary that
 * cannot renew its lease still stops writes, since another node may be promoted once maintenance ends.
 *
 * @param nodes the nodes in maintenance, sorted
 */
public record Maintenance(boolean cluster, List<String> nodes) {

    public static final Maintenance NONE = new Maintenance(false, List.of());

    public Maintenance {
        nodes = nodes == null ? List.of() : List.copyOf(new TreeSet<>(nodes));
    }

    /** Whether pgpacer must not act on {@code node}. */
    public boolean covers(String node) {
        return cluster || nodes.contains(node);
    }

    public Maintenance withCluster(boolean paused) {
        return new Maintenance(paused, nodes);
    }

    public Maintenance withNode(String node, boolean on) {
        TreeSet<String> next = new TreeSet<>(nodes);
        if (on) {
            next.add(node);
        } else {
            next.remove(node);
        }
        return new Maintenance(cluster, List.copyOf(next));
    }

    public boolean isEmpty() {
        return !cluster && nodes.isEmpty();
    }
}
