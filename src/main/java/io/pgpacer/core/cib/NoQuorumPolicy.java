package io.pgpacer.core.cib;

/**
 * What a node does with its resources once it can no longer reach a majority of the cluster store
 * (Pacemaker's {@code no-quorum-policy}). Pacemaker's {@code ignore} and {@code freeze} do not exist here: a
 * primary cut off from the majority must stop writes before its lease expires, because the majority side
 * promotes another node once it has.
 */
public enum NoQuorumPolicy {
    /** Stop PostgreSQL and release the VIPs. */
    STOP,
    /** Restart PostgreSQL read-only: the cut-off primary keeps serving reads, never writes. */
    DEMOTE;

    public String propertyValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
