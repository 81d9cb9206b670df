package io.pgpacer.core.cib;

import io.pgpacer.core.resource.Score;

/**
 * Cluster-wide policy, the same for every node, stored in the CIB when the cluster is initialised.
 *
 * @param migrationThreshold failures after which a node may no longer hold the primary role (Pacemaker's
 *     {@code migration-threshold}); it may still run as a standby until its fail-count is cleaned up
 * @param leaseMillis how long a primary lease stays valid after the controller last saw it renewed
 * @param nodeTimeoutMillis how long a node may stay silent before the controller counts it offline
 * @param bootstrapWaitMillis how long the first election waits for every data node to report
 * @param sync how commits wait for standbys
 * @param recovery what nodes do on quorum loss and on diverged data
 * @param readerVip whether a reader VIP exists and where it goes without a standby
 * @param failureTimeoutMillis after how long without a new failure a node's fail-count expires (Pacemaker's
 *     {@code failure-timeout}); 0 for never
 * @param resourceStickiness how strongly a primitive resource stays on its node against higher scores elsewhere
 *     (Pacemaker's {@code resource-stickiness}), 0 to {@link Score#INFINITY}; null (a CIB written before it existed)
 *     takes the default INFINITY. The PostgreSQL primary never moves by score.
 * @param vipAddresses the configured writer and reader VIPs, for status output
 * @param writeProbeTimeoutMillis how long the primary's commit probe may take, and a standby's received WAL may stand
 *     still while the primary's advances, before the node counts a failure ({@code write-probe-timeout}); null (a CIB
 *     written before it existed) takes the default
 */
public record ClusterSettings(
        int migrationThreshold, long leaseMillis, long nodeTimeoutMillis, long bootstrapWaitMillis, SyncPolicy sync,
        RecoveryPolicy recovery, ReaderVipPolicy readerVip, long failureTimeoutMillis, Integer resourceStickiness,
        VipAddresses vipAddresses, Long writeProbeTimeoutMillis) {

    public static final ClusterSettings DEFAULTS = new ClusterSettings(1, 3_000, 3_000, 30_000);

    /** {@code write-probe-timeout}'s default: a commit of one row that takes 5 s is no longer a slow disk. */
    public static final long DEFAULT_WRITE_PROBE_TIMEOUT_MILLIS = 5_000;

    public ClusterSettings {
        sync = sync == null ? SyncPolicy.ASYNC : sync;
        recovery = recovery == null ? RecoveryPolicy.DEFAULTS : recovery;
        readerVip = readerVip == null ? ReaderVipPolicy.NONE : readerVip;
        // why not 0: a CIB written before the property existed decodes a missing number as null here, and the
        // default (the reference's 'resource defaults resource-stickiness=INFINITY') must apply to it
        resourceStickiness = resourceStickiness == null ? Score.INFINITY : resourceStickiness;
        vipAddresses = vipAddresses == null ? VipAddresses.NONE : vipAddresses;
        writeProbeTimeoutMillis = writeProbeTimeoutMillis == null ? DEFAULT_WRITE_PROBE_TIMEOUT_MILLIS
                : writeProbeTimeoutMillis;
    }

    /** The default write-probe-timeout. */
    public ClusterSettings(int migrationThreshold, long leaseMillis, long nodeTimeoutMillis, long bootstrapWaitMillis,
            SyncPolicy sync, RecoveryPolicy recovery, ReaderVipPolicy readerVip, long failureTimeoutMillis,
            Integer resourceStickiness, VipAddresses vipAddresses) {
        this(migrationThreshold, leaseMillis, nodeTimeoutMillis, bootstrapWaitMillis, sync, recovery, readerVip,
                failureTimeoutMillis, resourceStickiness, vipAddresses, null);
    }

    /** No VIP addresses known. */
    public ClusterSettings(int migrationThreshold, long leaseMillis, long nodeTimeoutMillis, long bootstrapWaitMillis,
            SyncPolicy sync, RecoveryPolicy recovery, ReaderVipPolicy readerVip, long failureTimeoutMillis,
            Integer resourceStickiness) {
        this(migrationThreshold, leaseMillis, nodeTimeoutMillis, bootstrapWaitMillis, sync, recovery, readerVip,
                failureTimeoutMillis, resourceStickiness, null);
    }

    /** Resource stickiness INFINITY, the default. */
    public ClusterSettings(int migrationThreshold, long leaseMillis, long nodeTimeoutMillis, long bootstrapWaitMillis,
            SyncPolicy sync, RecoveryPolicy recovery, ReaderVipPolicy readerVip, long failureTimeoutMillis) {
        this(migrationThreshold, leaseMillis, nodeTimeoutMillis, bootstrapWaitMillis, sync, recovery, readerVip,
                failureTimeoutMillis, null);
    }

    /** Fail-counts that never expire. */
    public ClusterSettings(int migrationThreshold, long leaseMillis, long nodeTimeoutMillis, long bootstrapWaitMillis,
            SyncPolicy sync, RecoveryPolicy recovery, ReaderVipPolicy readerVip) {
        this(migrationThreshold, leaseMillis, nodeTimeoutMillis, bootstrapWaitMillis, sync, recovery, readerVip, 0);
    }

    public ClusterSettings(int migrationThreshold, long leaseMillis, long nodeTimeoutMillis, long bootstrapWaitMillis,
            SyncPolicy sync) {
        this(migrationThreshold, leaseMillis, nodeTimeoutMillis, bootstrapWaitMillis, sync, RecoveryPolicy.DEFAULTS,
                ReaderVipPolicy.NONE);
    }

    /** Asynchronous replication. */
    public ClusterSettings(int migrationThreshold, long leaseMillis, long nodeTimeoutMillis, long bootstrapWaitMillis) {
        this(migrationThreshold, leaseMillis, nodeTimeoutMillis, bootstrapWaitMillis, SyncPolicy.ASYNC);
    }

    public ClusterSettings withMigrationThreshold(int threshold) {
        return new ClusterSettings(threshold, leaseMillis, nodeTimeoutMillis, bootstrapWaitMillis, sync, recovery,
                readerVip, failureTimeoutMillis, resourceStickiness, vipAddresses, writeProbeTimeoutMillis);
    }

    public ClusterSettings withRecovery(RecoveryPolicy policy) {
        return new ClusterSettings(migrationThreshold, leaseMillis, nodeTimeoutMillis, bootstrapWaitMillis, sync, policy,
                readerVip, failureTimeoutMillis, resourceStickiness, vipAddresses, writeProbeTimeoutMillis);
    }

    public ClusterSettings withFailureTimeoutMillis(long millis) {
        return new ClusterSettings(migrationThreshold, leaseMillis, nodeTimeoutMillis, bootstrapWaitMillis, sync,
                recovery, readerVip, millis, resourceStickiness, vipAddresses, writeProbeTimeoutMillis);
    }

    public ClusterSettings withVipAddresses(VipAddresses addresses) {
        return new ClusterSettings(migrationThreshold, leaseMillis, nodeTimeoutMillis, bootstrapWaitMillis, sync,
                recovery, readerVip, failureTimeoutMillis, resourceStickiness, addresses, writeProbeTimeoutMillis);
    }

    public ClusterSettings withResourceStickiness(int stickiness) {
        return new ClusterSettings(migrationThreshold, leaseMillis, nodeTimeoutMillis, bootstrapWaitMillis, sync,
                recovery, readerVip, failureTimeoutMillis, stickiness, vipAddresses, writeProbeTimeoutMillis);
    }

    public ClusterSettings withWriteProbeTimeoutMillis(long millis) {
        return new ClusterSettings(migrationThreshold, leaseMillis, nodeTimeoutMillis, bootstrapWaitMillis, sync,
                recovery, readerVip, failureTimeoutMillis, resourceStickiness, vipAddresses, millis);
    }
}
