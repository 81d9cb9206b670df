package io.pgpacer.api.security;

import io.pgpacer.api.security.AccessPolicy.Caller;
import io.pgpacer.api.security.AccessPolicy.Verdict;
import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ApiConfig;
import io.pgpacer.config.ApiConfig.ClientAuth;
import io.pgpacer.tls.NodeTls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The agent's side of API security: the HTTP or HTTPS connector it listens with, and the check every request
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

    /**
     * The connector the API listens with on {@code bind}, HTTPS when TLS is configured (asking for or requiring a
     * client certificate as {@code api.client-auth} says), speaking HTTP/1.1 as {@code http} configures it.
     */
    public ServerConnector connector(Server server, InetSocketAddress bind, HttpConfiguration http) {
        ServerConnector connector;
        if (tls == null) {
            connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        } else {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setSslContext(tls.sslContext());
            ssl.setNeedClientAuth(clientAuth == ClientAuth.REQUIRED);
            ssl.setWantClientAuth(clientAuth == ClientAuth.OPTIONAL);
            HttpConfiguration https = new HttpConfiguration(http);
            // why no SNI host check: clients reach agents by address, which the certificate need not name as a host.
            https.addCustomizer(new SecureRequestCustomizer(false));
            connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, HttpVersion.HTTP_1_1.asString()),
                    new HttpConnectionFactory(https));
        }
        connector.setHost(bind.getAddress().getHostAddress());
        connector.setPort(bind.getPort());
        return connector;
    }

    /** Whether {@code request} may proceed, and if not, the refusal to send. */
    public Verdict admit(Request request, EndpointKind kind) {
        InetAddress remote = request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress a
                ? a.getAddress() : null;
        Caller caller = new Caller(request.getHeaders().get(HttpHeader.AUTHORIZATION), ThisHost.owns(remote),
                verifiedCertificate(request), fromAnotherSite(request));
        return policy.decide(kind, caller);
    }

    // Browsers send Origin with every POST (same-origin ones too) and with cross-site requests; the CLI sends none.
    // Host and port are compared, not the scheme, so that the page also works behind a proxy that terminates TLS.
    private static boolean fromAnotherSite(Request request) {
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        if (origin == null) {
            return false;
        }
        String host = request.getHeaders().get(HttpHeader.HOST);
        int authority = origin.indexOf("://");
        return host == null || authority < 0 || !origin.substring(authority + 3).equalsIgnoreCase(host);
    }

    // The trust manager accepts only certificates the CA signed, so one that reached here is verified.
    private boolean verifiedCertificate(Request request) {
        if (clientAuth == ClientAuth.NONE
                || !(request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE) instanceof EndPoint.SslSessionData ssl)) {
            return false;
        }
        X509Certificate[] certificates = ssl.peerCertificates();
        return certificates != null && certificates.length > 0;
    }
}
