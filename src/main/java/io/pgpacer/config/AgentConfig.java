package io.pgpacer.config;

import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.RecoveryPolicy;
import io.pgpacer.core.cib.SyncPolicy;
import io.pgpacer.core.cib.VipAddresses;
import io.pgpacer.core.resource.Resources;
import io.pgpacer.core.model.VipAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * One agent's validated configuration: the cluster it belongs to, which member it is, and where its
 * PostgreSQL and its own state live.
 *
 * @param postgres null for a witness
 * @param stateDir where the agent keeps its Raft log and snapshots
 * @param tls null when the API speaks plain HTTP and the Raft transport plain gRPC
 * @param vips the writer and reader VIPs, each absent when not configured
 * @param recovery the cluster's no-quorum-policy, failsafe and auto-rewind settings
 * @param failureTimeoutMillis the cluster's failure-timeout: a fail-count expires after this long (0: never)
 * @param resources the resources and constraints a new cluster starts with (the file's {@code resources} and
 *     {@code constraints}); once the cluster exists they change by {@code pgpacer resource|constraint|cib replace}
 * @param writeProbeTimeoutMillis the cluster's write-probe-timeout a new cluster starts with
 */
public record AgentConfig(Path file, String clusterName, String nodeName, List<NodeSpec> nodes,
        PostgresConfig postgres, Path stateDir, Timings timings, int migrationThreshold, SyncPolicy replication,
        ApiConfig api, TlsConfig tls, VirtualIps vips, RecoveryPolicy recovery, long failureTimeoutMillis,
        Resources resources, long writeProbeTimeoutMillis) {

    public AgentConfig {
        resources = resources == null ? Resources.EMPTY : resources;
        nodes = List.copyOf(nodes);
        api = api == null ? ApiConfig.DEFAULTS : api;
        recovery = recovery == null ? RecoveryPolicy.DEFAULTS : recovery;
        vips = vips == null ? VirtualIps.NONE : vips;
    }

    /** The address that moves with the primary, or null when none is configured. */
    public VipAddress writerVip() {
        return vips.writer();
    }

    /** The default write-probe-timeout. */
    public AgentConfig(Path file, String clusterName, String nodeName, List<NodeSpec> nodes, PostgresConfig postgres,
            Path stateDir, Timings timings, int migrationThreshold, SyncPolicy replication, ApiConfig api, TlsConfig tls,
            VirtualIps vips, RecoveryPolicy recovery, long failureTimeoutMillis, Resources resources) {
        this(file, clusterName, nodeName, nodes, postgres, stateDir, timings, migrationThreshold, replication, api, tls,
                vips, recovery, failureTimeoutMillis, resources, ClusterSettings.DEFAULT_WRITE_PROBE_TIMEOUT_MILLIS);
    }

    /** No resources besides PostgreSQL and the configured VIPs. */
    public AgentConfig(Path file, String clusterName, String nodeName, List<NodeSpec> nodes, PostgresConfig postgres,
            Path stateDir, Timings timings, int migrationThreshold, SyncPolicy replication, ApiConfig api, TlsConfig tls,
            VirtualIps vips, RecoveryPolicy recovery, long failureTimeoutMillis) {
        this(file, clusterName, nodeName, nodes, postgres, stateDir, timings, migrationThreshold, replication, api, tls,
                vips, recovery, failureTimeoutMillis, Resources.EMPTY);
    }

    /** Fail-counts that never expire. */
    public AgentConfig(Path file, String clusterName, String nodeName, List<NodeSpec> nodes, PostgresConfig postgres,
            Path stateDir, Timings timings, int migrationThreshold, SyncPolicy replication, ApiConfig api, TlsConfig tls,
            VirtualIps vips, RecoveryPolicy recovery) {
        this(file, clusterName, nodeName, nodes, postgres, stateDir, timings, migrationThreshold, replication, api, tls,
                vips, recovery, 0);
    }

    /** A configuration with the API's defaults and no TLS. */
    public AgentConfig(Path file, String clusterName, String nodeName, List<NodeSpec> nodes, PostgresConfig postgres,
            Path stateDir, Timings timings, int migrationThreshold, SyncPolicy replication) {
        this(file, clusterName, nodeName, nodes, postgres, stateDir, timings, migrationThreshold, replication, null,
                null, null, null);
    }

    public NodeSpec self() {
        return nodes.stream().filter(n -> n.name().equals(nodeName)).findFirst().orElseThrow();
    }

    public boolean witness() {
        return self().witness();
    }

    public ClusterSettings clusterSettings() {
        long lease = timings.leaseTime().toMillis();
        return new ClusterSettings(migrationThreshold, lease, lease, timings.bootstrapWait().toMillis(), replication,
                recovery, vips.readerPolicy(), failureTimeoutMillis).withVipAddresses(new VipAddresses(
                        vips.writer() == null ? null : vips.writer().toString(),
                        vips.reader() == null ? null : vips.reader().toString()))
                .withWriteProbeTimeoutMillis(writeProbeTimeoutMillis);
    }
}
