package io.pgpacer.postgres;

import io.pgpacer.core.model.Lsn;

/** One row of the primary's {@code pg_stat_replication}: a connected WAL receiver. LSNs are ZERO when NULL. */
public record ReplicaRow(String applicationName, String clientAddr, String state, String syncState,
                         Lsn sentLsn, Lsn flushLsn, Lsn replayLsn) {
}
