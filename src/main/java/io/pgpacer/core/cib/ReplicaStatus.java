package io.pgpacer.core.cib;

import io.pgpacer.core.model.Lsn;

/** One row of the primary's {@code pg_stat_replication}, named by the standby's application_name. */
public record ReplicaStatus(String name, String state, String syncState, Lsn flushLsn, Lsn replayLsn) {

    /** Whether the WAL sender streams ({@code state} is PostgreSQL's word for it), rather than starting or catching up. */
    public boolean streaming() {
        return "streaming".equals(state);
    }
}
