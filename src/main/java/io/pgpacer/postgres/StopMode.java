package io.pgpacer.postgres;

/** How {@link PostgresInstance#stop(StopMode)} shuts PostgreSQL down (pg_ctl's {@code -m}). */
public enum StopMode {
    /** Disconnect clients, write a shutdown checkpoint: the data directory is cleanly shut down. */
    FAST("fast"),
    /** Abort at once without a checkpoint; the next start runs crash recovery. For fencing. */
    IMMEDIATE("immediate");

    private final String pgCtlName;

    StopMode(String pgCtlName) {
        this.pgCtlName = pgCtlName;
    }

    /** The value pg_ctl expects after {@code -m}. */
    public String pgCtlName() {
        return pgCtlName;
    }
}
