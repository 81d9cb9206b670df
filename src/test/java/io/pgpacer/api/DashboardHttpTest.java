package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpacer.agent.EventFeed;
import io.pgpacer.api.security.AccessPolicy;
import io.pgpacer.api.security.ApiSecurity;
import io.pgpacer.api.security.ApiToken;
import io.pgpacer.config.ApiConfig.ClientAuth;
import io.pgpacer.os.FreePorts;
import io.pgpacer.testkit.WitnessOverOneMemberStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's routes on the real API of a (witness) agent over a real one-member store: its files are served to
 * anyone, with headers that keep other sites from framing or feeding it; {@code /} stays Patroni's health check; its
 * access read tells the page what the API would do with a command; reads keep their own authentication.
 */
class DashboardHttpTest {

    private static final String TOKEN = "ZGFzaGJvYXJkLWh0dHAtdGVzdC10b2tlbg";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static WitnessOverOneMemberStore witness;

    private final HttpClient http = HttpClient.newHttpClient();
    private HttpApi api;
    private URI uri;

    @BeforeAll
    static void startStore() throws IOException {
        witness = WitnessOverOneMemberStore.start(dir, "dashboard-http", Map.of("n1", "127.0.0.2"));
    }

    @AfterAll
    static void stopStore() {
        if (witness != null) {
            witness.close();
        }
    }

    @AfterEach
    void stopApi() {
        if (api != null) {
            api.close();
        }
    }

    private void serve(boolean authReads) throws IOException {
        int port = FreePorts.next();
        api = new HttpApi("w1", new InetSocketAddress("127.0.0.1", port), witness.store(), witness.agent(),
                new EventFeed(), new ApiSecurity(new AccessPolicy(ApiToken.of(TOKEN, "test"), authReads, false), null,
                        ClientAuth.NONE));
        api.start();
        uri = URI.create("http://127.0.0.1:" + port);
    }

    private HttpResponse<String> send(String method, String path, String authorization) throws Exception {
        return send(method, path, authorization, null);
    }

    // origin: what a browser sends as Origin, or null for a client that is no browser
    private HttpResponse<String> send(String method, String path, String authorization, String origin)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri.resolve(path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (origin != null) {
            request.header("Origin", origin);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theFilesAreServedToAnyoneEvenWhenReadsNeedTheToken() throws Exception {
        serve(true);
        HttpResponse<String> page = send("GET", "/dashboard", null);
        assertEquals(200, page.statusCode(), page.body());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));
        assertTrue(page.body().contains("<script src=\"/dashboard/dashboard.js\""), page.body());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("frame-ancestors 'none'"),
                "no other site may frame the page that runs commands: " + page.headers().map());
        assertEquals("DENY", page.headers().firstValue("X-Frame-Options").orElse(""));
        assertEquals(page.body(), send("GET", "/dashboard/", null).body(), "with or without the trailing slash");

        HttpResponse<String> script = send("GET", "/dashboard/dashboard.js", null);
        assertEquals(200, script.statusCode());
        assertTrue(script.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"));
        assertTrue(script.body().contains("Authorization"), "the page sends the token as the API expects it");
        assertEquals(200, send("GET", "/dashboard/dashboard.css", null).statusCode());

        HttpResponse<String> head = send("HEAD", "/dashboard", null);
        assertEquals(200, head.statusCode(), "HEAD of a file needs no token either");
        assertEquals("", head.body());

        assertEquals(401, send("GET", "/status", null).statusCode(), "the data the page shows keeps its token");
        assertEquals(401, send("GET", Dashboard.ACCESS_PATH, null).statusCode(),
                "with auth-reads the page's own reads need the token too");
        assertEquals(401, send("POST", "/dashboard", null).statusCode(), "a POST is a command, whatever its path");
        HttpResponse<String> missing = send("GET", "/dashboard/nothing.js", "Bearer " + TOKEN);
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("the web dashboard: GET /dashboard"), missing.body());
    }

    @Test
    void theRootStaysTheHealthCheckThatHaproxyProbes() throws Exception {
        serve(false);
        HttpResponse<String> root = send("GET", "/", null);
        assertEquals("application/json", root.headers().firstValue("Content-Type").orElse(""), root.body());
        assertFalse(root.body().contains("<html"), root.body());
        assertEquals(send("GET", "/primary", null).statusCode(), root.statusCode(), "GET / answers as GET /primary");
    }

    @Test
    void theAccessReadSaysWhatTheApiWouldDoWithACommand() throws Exception {
        serve(false);
        JsonNode anonymous = JSON.readTree(send("GET", Dashboard.ACCESS_PATH, null).body());
        assertFalse(anonymous.path("commands").asBoolean(), anonymous.toString());
        assertTrue(anonymous.path("reason").asText().startsWith("authentication required"), anonymous.toString());

        JsonNode wrong = JSON.readTree(send("GET", Dashboard.ACCESS_PATH, "Bearer not-" + TOKEN).body());
        assertFalse(wrong.path("commands").asBoolean(), wrong.toString());
        assertTrue(wrong.path("reason").asText().contains("not this cluster's"), wrong.toString());
        assertFalse(wrong.toString().contains(TOKEN), "the answer never echoes what was sent: " + wrong);

        JsonNode right = JSON.readTree(send("GET", Dashboard.ACCESS_PATH, "Bearer " + TOKEN).body());
        assertTrue(right.path("commands").asBoolean(), right.toString());
        assertTrue(right.path("reason").isNull() || right.path("reason").isMissingNode(), right.toString());
    }

    @Test
    void withoutATokenABrowserOnThisHostRunsCommandsFromTheDashboardOnly() throws Exception {
        int port = FreePorts.next();
        api = new HttpApi("w1", new InetSocketAddress("127.0.0.1", port), witness.store(), witness.agent(),
                new EventFeed(), ApiSecurity.defaults());
        api.start();
        uri = URI.create("http://127.0.0.1:" + port);
        long epoch = witness.store().read(java.time.Duration.ofSeconds(5)).epoch();

        HttpResponse<String> forged = send("POST", "/resource/cleanup", null, "http://attacker.example");
        assertEquals(403, forged.statusCode(), forged.body());
        assertTrue(forged.body().contains("a command sent by a web page of another site is refused"), forged.body());
        assertFalse(forged.body().contains("attacker.example"), "the refusal never echoes what was sent");
        assertEquals(epoch, witness.store().read(java.time.Duration.ofSeconds(5)).epoch(),
                "the refusal changed nothing");

        HttpResponse<String> fromTheDashboard = send("POST", "/resource/cleanup", null, "http://127.0.0.1:" + port);
        assertEquals(200, fromTheDashboard.statusCode(), fromTheDashboard.body());
        assertEquals(200, send("POST", "/resource/cleanup", null, "https://127.0.0.1:" + port).statusCode(),
                "the page behind a proxy that terminates TLS: the same host and port");
        assertEquals(403, send("POST", "/resource/cleanup", null, "http://127.0.0.1:" + (port + 1)).statusCode(),
                "a page from another port of this host is not the dashboard");
        assertEquals(403, send("POST", "/resource/cleanup", null, "null").statusCode(), "a sandboxed or local page");
        assertEquals(200, send("POST", "/resource/cleanup", null).statusCode(), "the CLI sends no Origin");
        JsonNode access = JSON.readTree(send("GET", Dashboard.ACCESS_PATH, null).body());
        assertTrue(access.path("commands").asBoolean(), "the page on this host may run commands: " + access);
    }

    @Test
    void theLocalReadNamesTheAnsweringAgent() throws Exception {
        serve(false);
        JsonNode local = JSON.readTree(send("GET", Dashboard.LOCAL_PATH, null).body());
        assertEquals("w1", local.path("node").asText(), local.toString());
        assertEquals(0, local.path("replication").size(), "a witness runs no primary: " + local);
        assertTrue(local.path("timed_promotions").isArray(), local.toString());
    }
}
