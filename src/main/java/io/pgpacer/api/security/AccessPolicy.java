package io.pgpacer.api.security;

/**
 * Decides whether one API request may proceed: a pure function of what the request is and what it carries.
 * Commands always need a caller who is authenticated: by the bearer token, by a client certificate the CA
 * signed, or, when no token is configured, by calling from this host. Reads and health checks are open unless
 * switched on.
 *
 * @param token null when no token is configured
 */
public record AccessPolicy(ApiToken token, boolean authReads, boolean authHealthChecks) {

    /**
     * What the request carries: its {@code Authorization} header (or null), where it comes from, its certificate.
     *
     * @param fromAnotherSite a browser sent it for a page of another site (its {@code Origin} is not the API's own)
     */
    public record Caller(String authorization, boolean fromThisHost, boolean verifiedCertificate,
            boolean fromAnotherSite) {

        /** A caller that is no browser on another site's page (the CLI, curl, a load balancer). */
        public Caller(String authorization, boolean fromThisHost, boolean verifiedCertificate) {
            this(authorization, fromThisHost, verifiedCertificate, false);
        }
    }

    /**
     * The answer: {@link #ADMIT}, or the status, message and {@code WWW-Authenticate} challenge (or null) of a
     * refusal. Messages never contain what the caller sent.
     */
    public record Verdict(int status, String message, String challenge) {
        public static final Verdict ADMIT = new Verdict(0, "", null);

        public boolean admitted() {
            return status == 0;
        }
    }

    static final String CHALLENGE = "Bearer realm=\"pgpacer\"";
    private static final String BEARER = "Bearer ";

    public Verdict decide(EndpointKind kind, Caller caller) {
        // why: a page of any site can make a browser on an agent's host POST here, and from this host, without a
        // token, that would be admitted; no page but the agent's own dashboard has a reason to send commands.
        if (kind == EndpointKind.COMMAND && caller.fromAnotherSite()) {
            return new Verdict(403, "a command sent by a web page of another site is refused; use the dashboard at"
                    + " /dashboard on this agent's API port, or the CLI", null);
        }
        boolean needsAuth = switch (kind) {
            case HEALTH_CHECK -> authHealthChecks;
            case READ -> authReads;
            case COMMAND -> true;
        };
        if (!needsAuth || caller.verifiedCertificate()) {
            return Verdict.ADMIT;
        }
        if (token == null) {
            return caller.fromThisHost() ? Verdict.ADMIT : new Verdict(403, "this agent accepts "
                    + (kind == EndpointKind.COMMAND ? "commands" : "this request") + " only from its own host, because"
                    + " no api.token-file is configured; run the command on the agent's host, or set api.token-file"
                    + " on every node and give the CLI the token (PGPACER_API_TOKEN_FILE)", null);
        }
        String authorization = caller.authorization();
        if (authorization == null || authorization.isBlank()) {
            return new Verdict(401, "authentication required: send 'Authorization: Bearer <token>' with the token"
                    + " from api.token-file (the CLI reads it from the configuration or PGPACER_API_TOKEN_FILE)",
                    CHALLENGE);
        }
        if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || !token.matches(authorization.substring(BEARER.length()).strip())) {
            return new Verdict(401, "the bearer token is not this cluster's; use the token from api.token-file",
                    CHALLENGE + ", error=\"invalid_token\"");
        }
        return Verdict.ADMIT;
    }
}
