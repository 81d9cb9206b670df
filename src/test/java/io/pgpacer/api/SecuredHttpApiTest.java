package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.agent.Agent;
import io.pgpacer.agent.EventFeed;
import io.pgpacer.api.security.AccessPolicy;
import io.pgpacer.api.security.ApiCredentials;
import io.pgpacer.api.security.ApiSecurity;
import io.pgpacer.api.security.ApiToken;
import io.pgpacer.config.ApiConfig.ClientAuth;
import io.pgpacer.config.TlsConfig;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.os.FreePorts;
import io.pgpacer.store.ratis.RatisClusterStore;
import io.pgpacer.testkit.TestCertificates;
import io.pgpacer.testkit.WitnessOverOneMemberStore;
import io.pgpacer.testkit.TestCertificates.Authority;
import io.pgpacer.testkit.TestCertificates.Issued;
import io.pgpacer.tls.NodeTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real API of a (witness) agent over a real one-member store: commands without the token are refused
 * with 401 and change nothing; HTTPS works with the cluster's CA and fails with another; client certificates.
 */
class SecuredHttpApiTest {

    private static final String TOKEN = "c2VjdXJlZC1odHRwLWFwaS10ZXN0LXRva2Vu";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    private static Authority ca;
    private static Authority otherCa;
    private static NodeTls server;
    private static NodeTls client;
    private static SSLContext stranger;
    private static RatisClusterStore store;
    private static Agent agent;

    private HttpApi api;
    private URI uri;

    @BeforeAll
    static void startStore() throws IOException {
        ca = TestCertificates.authority(dir, "cluster-ca");
        otherCa = TestCertificates.authority(dir, "other-ca");
        server = load(ca, ca.issue("agent"));
        client = load(ca, ca.issue("operator"));
        stranger = mixed(load(otherCa, otherCa.issue("stranger")), NodeTls.trusting(ca.certFile(), "ca"));
        WitnessOverOneMemberStore witness = WitnessOverOneMemberStore.start(dir, "api-it", Map.of("n1", "127.0.0.2"));
        store = witness.store();
        agent = witness.agent();
    }

    private static NodeTls load(Authority trusted, Issued issued) {
        return NodeTls.load(new TlsConfig(null, issued.certFile(), issued.keyFile(), trusted.certFile()));
    }

    // The stranger trusts the cluster's CA, so only its own certificate can be why it is refused.
    private static SSLContext mixed(NodeTls identity, NodeTls trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {identity.keyManager()}, new TrustManager[] {trust.trustManager()}, null);
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stopStore() {
        if (store != null) {
            store.close();
        }
    }

    @AfterEach
    void stopApi() {
        if (api != null) {
            api.close();
        }
    }

    private void serve(ApiSecurity security, String scheme) throws IOException {
        int port = FreePorts.next();
        api = new HttpApi("w1", new InetSocketAddress("127.0.0.1", port), store, agent, new EventFeed(), security);
        api.start();
        uri = URI.create(scheme + "://127.0.0.1:" + port);
    }

    private static ApiSecurity tokenOverHttps(ClientAuth clientAuth) {
        return new ApiSecurity(new AccessPolicy(ApiToken.of(TOKEN, "test"), false, false), server, clientAuth);
    }

    private ApiClient client(String token, NodeTls tls) {
        return client(token, tls == null ? null : tls.sslContext());
    }

    private ApiClient client(String token, SSLContext tls) {
        return new ApiClient(List.of(uri), new ApiCredentials(token == null ? null : ApiToken.of(token, "test"), tls));
    }

    @Test
    void commandsWithoutTheRightTokenAreRefusedAndChangeNothing() throws Exception {
        serve(tokenOverHttps(ClientAuth.NONE), "https");
        Cib before = store.read(TIMEOUT);

        HttpResponse<String> anonymous = post(client.sslContext(), "/resource/cleanup", null);
        assertEquals(401, anonymous.statusCode(), anonymous.body());
        assertEquals("Bearer realm=\"pgpacer\"", anonymous.headers().firstValue("WWW-Authenticate").orElse(""));
        assertTrue(anonymous.body().contains("\"error\" : \"authentication required"), anonymous.body());

        HttpResponse<String> wrong = post(client.sslContext(), "/force-promote?node=n1&accept-data-loss=yes",
                "Bearer not-" + TOKEN);
        assertEquals(401, wrong.statusCode(), wrong.body());
        assertTrue(wrong.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        assertFalse(wrong.body().contains(TOKEN), "the refusal must not echo the token: " + wrong.body());

        ApiClient.ApiException viaClient = assertThrows(ApiClient.ApiException.class,
                () -> client("wrong-token", server).cleanup(null));
        assertEquals(401, viaClient.status());

        Cib after = store.read(TIMEOUT);
        assertEquals(before.epoch(), after.epoch(), "a refused command must not reach the store");
        assertEquals(before.goalsVersion(), after.goalsVersion());
        assertEquals(before.failCounts(), after.failCounts());

        assertEquals(before.epoch() + 1, client(TOKEN, server).cleanup(null).path("epoch").asLong(),
                "the right token is let through, and the command applied");
        assertEquals("api-it", client(null, server).cib().path("clusterName").asText(), "reads stay open");
    }

    @Test
    void readsNeedTheTokenOnlyWhenConfiguredAndHealthChecksStayOpen() throws Exception {
        serve(new ApiSecurity(new AccessPolicy(ApiToken.of(TOKEN, "test"), true, false), null, ClientAuth.NONE),
                "http");
        assertEquals(401, assertThrows(ApiClient.ApiException.class, () -> client(null, (SSLContext) null).status()).status());
        assertEquals("w1", client(TOKEN, (SSLContext) null).status().answeredBy());
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri.resolve("/liveness"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(health.statusCode() != 401, "health checks stay open: " + health.statusCode());
    }

    @Test
    void healthChecksNeedTheTokenOnlyWhenConfigured() throws Exception {
        serve(new ApiSecurity(new AccessPolicy(ApiToken.of(TOKEN, "test"), true, true), null, ClientAuth.NONE),
                "http");
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> head = http.send(HttpRequest.newBuilder(uri.resolve("/liveness"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, head.statusCode());
        assertEquals("", head.body(), "HEAD gets the status alone");
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(uri.resolve("/liveness"))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(get.statusCode() != 401, "with the token the check answers: " + get.statusCode());
    }

    @Test
    void httpsWorksWithTheClusterCaAndFailsForAClientTrustingAnother() throws Exception {
        serve(tokenOverHttps(ClientAuth.NONE), "https");
        assertEquals("api-it", client(null, NodeTls.trusting(ca.certFile(), "ca")).cib().path("clusterName").asText());

        NodeTls otherTrust = NodeTls.trusting(otherCa.certFile(), "other");
        ApiClient.ApiException e = assertThrows(ApiClient.ApiException.class, () -> client(TOKEN, otherTrust).cib());
        assertEquals(0, e.status(), "no answer at all: the handshake failed");
        assertTrue(e.getMessage().contains("PKIX") || e.getMessage().contains("certification path"), e.getMessage());
        assertThrows(ApiClient.ApiException.class, () -> new ApiClient(List.of(URI.create("http" + uri.toString()
                .substring(5)))).cib(), "plain HTTP to the HTTPS port gets nothing");
    }

    @Test
    void requiredClientCertificatesRefuseStrangersAndAuthenticateCommands() throws Exception {
        serve(tokenOverHttps(ClientAuth.REQUIRED), "https");
        Cib before = store.read(TIMEOUT);
        NodeTls caOnly = NodeTls.trusting(ca.certFile(), "ca");
        assertEquals(0, assertThrows(ApiClient.ApiException.class, () -> client(TOKEN, caOnly).cib()).status(),
                "without a certificate the handshake fails, token or not");
        assertEquals(0, assertThrows(ApiClient.ApiException.class, () -> client(TOKEN, stranger).cleanup(null))
                .status(), "a certificate from another CA fails the handshake");
        assertEquals(before.epoch(), store.read(TIMEOUT).epoch());

        assertEquals(before.epoch() + 1, client(null, client).cleanup(null).path("epoch").asLong(),
                "a certificate from the cluster's CA authenticates a command without a token");
    }

    @Test
    void optionalClientCertificatesAuthenticateLikeTheToken() throws Exception {
        serve(tokenOverHttps(ClientAuth.OPTIONAL), "https");
        NodeTls caOnly = NodeTls.trusting(ca.certFile(), "ca");
        assertEquals(401, assertThrows(ApiClient.ApiException.class, () -> client(null, caOnly).cleanup(null))
                .status());
        long epoch = store.read(TIMEOUT).epoch();
        assertEquals(epoch + 1, client(null, client).cleanup(null).path("epoch").asLong());
        assertEquals(epoch + 2, client(TOKEN, caOnly).cleanup(null).path("epoch").asLong());
    }

    private HttpResponse<String> post(SSLContext tls, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri.resolve(path)).timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HttpClient.newBuilder().sslContext(tls).build().send(request.build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
