package io.pgpacer.core.cib;

/**
 * What a primary whose write probe finds its commits hanging or failing does ({@code write-probe-failure}). Either
 * way such a primary is never restarted in place forever: it fails over when a standby that streams may take over.
 */
public enum CommitsHangPolicy {
    /** Fail over at once when a streaming standby may take over; else restart in place, as any monitor failure. */
    FAILOVER,
    /**
     * Restart in place first, as any monitor failure; when its commits hang again before its fail-count is cleaned
     * up or expires, fail over as {@link #FAILOVER} does.
     */
    RESTART;

    public String propertyValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
