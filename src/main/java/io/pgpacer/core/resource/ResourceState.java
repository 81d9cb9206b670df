package io.pgpacer.core.resource;

/**
 * What a node's agent observed of one primitive resource on its host, published with its report.
 *
 * @param state {@link #STARTED}, {@link #STOPPED}, {@link #FAILED} (the last operation failed; see the failed
 *     actions) or {@link #BLOCKED} (a failure with {@code on-fail=block}: left alone until cleanup)
 * @param managed false while the resource is unmanaged: the state is observed only
 * @param since the agent's wall clock when the state began, ISO-8601, for operators only
 */
public record ResourceState(String state, boolean managed, String since) {

    public static final String STARTED = "started";
    public static final String STOPPED = "stopped";
    public static final String FAILED = "failed";
    public static final String BLOCKED = "blocked";

    public boolean started() {
        return STARTED.equals(state);
    }
}
