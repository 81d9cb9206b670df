package io.pgpacer.api.security;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.pgpacer.api.security.AccessPolicy.Caller;
import io.pgpacer.api.security.AccessPolicy.Verdict;
import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ApiConfig;
import io.pgpacer.config.ApiConfig.ClientAuth;
import io.pgpacer.tls.NodeTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The agent's side of API security: the HTTP or HTTPS server it listens with, and the check every request
 * passes before it is routed ({@link AccessPolicy} decides; this class reads the request).
 */
public final class ApiSecurity {

    private final AccessPolicy policy;
    private final NodeTls tls;
    private final ClientAuth clientAuth;

    public ApiSecurity(AccessPolicy policy, NodeTls tlsOrNull, ClientAuth clientAuth) {
        this.policy = policy;
        this.tls = tlsOrNull;
        this.clientAuth = tlsOrNull == null ? ClientAuth.NONE : clientAuth;
    }

    /** Plain HTTP, no token: commands only from this host, reads and health checks open. */
    public static ApiSecurity defaults() {
        return new ApiSecurity(new AccessPolicy(null, false, false), null, ClientAuth.NONE);
    }

    /**
     * The agent's API security as configured: reads the token file.
     *
     * @param tls this node's loaded TLS identity, or null for plain HTTP
     * @throws io.pgpacer.config.ConfigException when the token file cannot be read or holds no token
     */
    public static ApiSecurity of(AgentConfig config, NodeTls tls) {
        ApiConfig api = config.api();
        ApiToken token = api.tokenFile() == null ? null
                : ApiToken.read(api.tokenFile(), config.file() + ": key 'api.token-file'");
        return new ApiSecurity(new AccessPolicy(token, api.authReads(), api.authHealthChecks()), tls, api.clientAuth());
    }

    /** What the agent should warn about at start, if anything. */
    public Optional<String> warning() {
        if (policy.token() != null || clientAuth == ClientAuth.REQUIRED) {
            return Optional.empty();
        }
        return Optional.of("no api.token-file is configured: the API accepts commands only from this host"
                + (clientAuth == ClientAuth.OPTIONAL ? " or from clients with a certificate signed by tls.ca-file" : "")
                + "; set api.token-file on every node to run the CLI from other hosts (see 'Securing the API')");
    }

    /** An HTTP server on {@code bind}, HTTPS when TLS is configured, not yet started. */
    public HttpServer createServer(InetSocketAddress bind, int backlog) throws IOException {
        if (tls == null) {
            return HttpServer.create(bind, backlog);
        }
        SSLContext context = tls.sslContext();
        HttpsServer server = HttpsServer.create(bind, backlog);
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters ssl = context.getDefaultSSLParameters();
                ssl.setNeedClientAuth(clientAuth == ClientAuth.REQUIRED);
                if (clientAuth == ClientAuth.OPTIONAL) {
                    ssl.setWantClientAuth(true);
                }
                params.setSSLParameters(ssl);
            }
        });
        return server;
    }

    /** Whether {@code exchange} may proceed, and if not, the refusal to send. */
    public Verdict admit(HttpExchange exchange, EndpointKind kind) {
        Caller caller = new Caller(exchange.getRequestHeaders().getFirst("Authorization"),
                ThisHost.owns(exchange.getRemoteAddress().getAddress()), verifiedCertificate(exchange));
        return policy.decide(kind, caller);
    }

    // The trust manager accepts only certificates the CA signed, so one that reached here is verified.
    private boolean verifiedCertificate(HttpExchange exchange) {
        if (clientAuth == ClientAuth.NONE || !(exchange instanceof HttpsExchange https)) {
            return false;
        }
        try {
            return https.getSSLSession().getPeerCertificates().length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }
}
