package io.pgpacer.config;

import java.nio.file.Path;

/**
 * Who may use the agent's API (the {@code api} section). Commands always need authentication; reads and
 * health checks only when switched on.
 *
 * @param tokenFile holds the bearer token commands must carry; null: commands only from this host
 * @param clientAuth whether HTTPS clients are asked for a certificate signed by {@code tls.ca-file}
 * @param authReads whether /status, /cib, /cluster, /history and /events need authentication too
 * @param authHealthChecks whether the load balancers' health checks need authentication too
 */
public record ApiConfig(Path tokenFile, ClientAuth clientAuth, boolean authReads, boolean authHealthChecks) {

    /** No token, no client certificates, reads and health checks open. */
    public static final ApiConfig DEFAULTS = new ApiConfig(null, ClientAuth.NONE, false, false);

    /** Whether the API asks HTTPS clients for a certificate, and whether it insists. */
    public enum ClientAuth {
        /** Not asked: clients authenticate with the token. */
        NONE,
        /** Asked: a certificate signed by the CA authenticates a client as a token does; without one, the token. */
        OPTIONAL,
        /** Required: the TLS handshake fails without a certificate signed by the CA. */
        REQUIRED
    }
}
