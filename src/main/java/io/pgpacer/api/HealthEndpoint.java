package io.pgpacer.api;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The health-check paths load balancers and orchestrators probe, with Patroni's names and aliases so that
 * HAProxy, pgbouncer and Kubernetes probe configurations written for Patroni work unchanged.
 */
public enum HealthEndpoint {
    /** Writable primary holding a valid lease. {@code /} is here because HAProxy's bare {@code option httpchk} probes it. */
    PRIMARY(false, "/primary", "/master", "/read-write", "/"),
    /** Holds a valid primary lease, whatever PostgreSQL is doing (Patroni's leader lock). */
    LEADER(false, "/leader"),
    /** Running standby streaming from an upstream, optionally within {@code ?lag=}. */
    REPLICA(true, "/replica"),
    /** The primary, or a streaming standby within {@code ?lag=}. */
    READ_ONLY(true, "/read-only"),
    /** PostgreSQL runs and answers, in any role. */
    HEALTH(false, "/health"),
    /** The agent's loop is alive; independent of PostgreSQL. */
    LIVENESS(false, "/liveness"),
    /** Ready for clients: the primary, or a streaming standby within {@code ?lag=}. */
    READINESS(true, "/readiness");

    private final boolean acceptsLag;
    private final List<String> paths;

    HealthEndpoint(boolean acceptsLag, String... paths) {
        this.acceptsLag = acceptsLag;
        this.paths = List.of(paths);
    }

    /** The endpoint served at {@code path}, if any. */
    public static Optional<HealthEndpoint> forPath(String path) {
        return Arrays.stream(values()).filter(e -> e.paths.contains(path)).findFirst();
    }

    /** Whether the endpoint reads the {@code lag} query parameter. */
    public boolean acceptsLag() {
        return acceptsLag;
    }

    /** The main path, as the API's messages name the endpoint. */
    public String path() {
        return paths.get(0);
    }
}
