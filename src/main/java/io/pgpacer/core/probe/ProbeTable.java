package io.pgpacer.core.probe;

/**
 * pgpacer's own table for the write probe on the primary: one row per node, which the probe updates and commits every
 * monitor interval. Its writes replicate and reach the WAL like a client's, so whatever reads WAL or tables names it.
 */
public final class ProbeTable {

    /** Its own schema: the commit guard's extension owns schema pgpacer, and would drop a table there with it. */
    public static final String SCHEMA = "pgpacer_probe";

    /** The table as {@code schema.table}. */
    public static final String NAME = SCHEMA + ".heartbeat";

    private ProbeTable() {
    }
}
