package io.pgpacer.core.cib;

/**
 * An operator's request that a standby's agent bring its data back in line with the primary and rejoin it:
 * {@code pgpacer repair NODE} (pg_rewind against the primary) or {@code pgpacer rebuild NODE} (a new copy with
 * pg_basebackup; the old data directory is kept aside, renamed, unless {@code discardOld}). Kept in the node's goal
 * until its agent reports it done, so it survives agent restarts.
 *
 * @param requestedAt the operator's wall clock, ISO-8601; names the request when the agent reports it done
 */
public record Repair(Kind kind, boolean discardOld, String requestedAt) {

    /** How the data is brought back. */
    public enum Kind {
        /** pg_rewind against the primary. */
        REWIND,
        /** A new copy of the primary with pg_basebackup. */
        REBUILD
    }

    /** In operator words: {@code pg_rewind}, {@code rebuild (old data kept)}. */
    public String describe() {
        return kind == Kind.REWIND ? "pg_rewind"
                : "rebuild with pg_basebackup (old data directory " + (discardOld ? "discarded" : "kept") + ")";
    }
}
