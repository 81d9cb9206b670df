package io.pgpacer.api.security;

/** What a request does, which decides whether it must be authenticated. */
public enum EndpointKind {
    /** A load balancer's probe of this node (GET, HEAD or OPTIONS on a health path). */
    HEALTH_CHECK,
    /** Any other GET: status, CIB, cluster, history, events. */
    READ,
    /** Everything else (every POST, and any future method): it may change the cluster. */
    COMMAND;

    public static EndpointKind of(String method, boolean healthCheck) {
        return healthCheck ? HEALTH_CHECK : method.equals("GET") ? READ : COMMAND;
    }
}
