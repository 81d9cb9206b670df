package io.pgpacer.core.cib;

/**
 * The cluster's replication policy.
 *
 * @param quorum for {@link ReplicationMode#QUORUM}, how many standbys acknowledge each commit ({@code k})
 * @param syncTimeoutMillis how long the sync standby may stop streaming before the primary falls back to
 *     asynchronous replication (only by a compare-and-set that proves it still holds the lease)
 * @param strict never fall back: writes wait until a sync standby is back
 */
public record SyncPolicy(ReplicationMode mode, int quorum, long syncTimeoutMillis, boolean strict) {

    public static final SyncPolicy ASYNC = new SyncPolicy(ReplicationMode.ASYNC, 0, 0, false);
}
