package io.pgpacer.core.cib;

/** How commits wait for standbys ({@code rep_mode} of the reference). */
public enum ReplicationMode {
    /** Commits return once the primary flushed them; a failover may lose the newest. */
    ASYNC,
    /** Commits also wait for one chosen sync standby; only it may be promoted. */
    SYNC,
    /** Commits wait for any k of the recorded standbys ({@code ANY k (a, b, c)}). */
    QUORUM
}
