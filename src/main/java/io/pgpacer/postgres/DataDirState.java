package io.pgpacer.postgres;

import io.pgpacer.core.model.Lsn;

/**
 * What a data directory says about itself while PostgreSQL is down: {@code pg_controldata} plus the
 * signal files. {@code clusterState} is pg_controldata's "Database cluster state" ("shut down",
 * "shut down in recovery", "in production", "in archive recovery", ...); it is null when not initialized.
 *
 * @param problem why this directory must not be used as it is, or null: it cannot be read (PostgreSQL's tools' own
 *     words), or it is missing or empty although this node held a cluster there (never to be replaced silently)
 */
public record DataDirState(boolean exists, boolean initialized, boolean standbySignal, String clusterState,
                           long timeline, Lsn checkpointLsn, Lsn minRecoveryEnd, String systemIdentifier,
                           String problem) {

    public DataDirState(boolean exists, boolean initialized, boolean standbySignal, String clusterState,
            long timeline, Lsn checkpointLsn, Lsn minRecoveryEnd, String systemIdentifier) {
        this(exists, initialized, standbySignal, clusterState, timeline, checkpointLsn, minRecoveryEnd,
                systemIdentifier, null);
    }

    /** The state of a data directory that does not exist. */
    public static DataDirState empty() {
        return new DataDirState(false, false, false, null, 0, Lsn.ZERO, Lsn.ZERO, null);
    }

    /** The same state with this problem. */
    public DataDirState withProblem(String text) {
        return new DataDirState(exists, initialized, standbySignal, clusterState, timeline, checkpointLsn,
                minRecoveryEnd, systemIdentifier, text);
    }

    /**
     * True when the last shutdown wrote a shutdown checkpoint, the precondition of pg_rewind and of
     * comparing this node's checkpoint LSN with other nodes.
     */
    public boolean cleanlyShutDown() {
        return "shut down".equals(clusterState) || "shut down in recovery".equals(clusterState);
    }
}
