package io.pgpacer.postgres;

import io.pgpacer.core.model.Lsn;
import java.time.Duration;

/**
 * One row of the primary's {@code pg_stat_replication}: a connected WAL receiver. LSNs are ZERO when NULL.
 *
 * @param flushLag how long the standby last took to flush WAL the primary had flushed; null when PostgreSQL
 *     shows NULL (no recent measurement: the standby caught up and no WAL flows, or it has not reported yet)
 * @param replayLag the same for replaying it
 */
public record ReplicaRow(String applicationName, String clientAddr, String state, String syncState,
                         Lsn sentLsn, Lsn flushLsn, Lsn replayLsn, Duration flushLag, Duration replayLag) {
}
