package io.pgpacer.core.cib;

/** PostgreSQL as an agent last observed it on its host. */
public enum PgState {
    /** The data directory has never been initialised on this node. */
    NO_DATA,
    /** Data is present; no postmaster is running. */
    STOPPED,
    /** Running, out of recovery, accepting writes. */
    PRIMARY,
    /** Running in recovery (hot standby). */
    STANDBY,
    /** The postmaster runs but does not answer SQL. */
    UNRESPONSIVE,
    /** The last start or the running postmaster failed. */
    FAILED,
    /**
     * Data is present but PostgreSQL is not started: its WAL went past the point where the cluster's timeline
     * history forked its timeline (a diverged old primary). It needs pg_rewind or a new copy first.
     */
    DIVERGED
}
