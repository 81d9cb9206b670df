package io.pgpacer.config;

import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.SyncPolicy;
import io.pgpacer.vip.VipAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * One agent's validated configuration: the cluster it belongs to, which member it is, and where its
 * PostgreSQL and its own state live.
 *
 * @param postgres null for a witness
 * @param stateDir where the agent keeps its Raft log and snapshots
 * @param writerVip the address that moves with the primary, or null when none is configured
 */
public record AgentConfig(Path file, String clusterName, String nodeName, List<NodeSpec> nodes,
        PostgresConfig postgres, Path stateDir, Timings timings, int migrationThreshold, SyncPolicy replication,
        VipAddress writerVip) {

    public AgentConfig {
        nodes = List.copyOf(nodes);
    }

    public NodeSpec self() {
        return nodes.stream().filter(n -> n.name().equals(nodeName)).findFirst().orElseThrow();
    }

    public boolean witness() {
        return self().witness();
    }

    public ClusterSettings clusterSettings() {
        long lease = timings.leaseTime().toMillis();
        return new ClusterSettings(migrationThreshold, lease, lease, timings.bootstrapWait().toMillis(), replication);
    }
}
