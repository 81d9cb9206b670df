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
    FAILED
}
