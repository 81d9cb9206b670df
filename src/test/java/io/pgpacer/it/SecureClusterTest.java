package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.cli.Main;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.TestCertificates;
import io.pgpacer.testkit.TestCertificates.Authority;
import io.pgpacer.testkit.TestCertificates.Issued;
import io.pgpacer.tls.NodeTls;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Given a cluster whose API needs a token (reads too) and whose agents talk HTTPS and Raft over mutual TLS,
 * when someone without the token sends commands, then they are refused with 401 and the CIB is unchanged; the
 * operator's CLI, which reads the token from the configuration, works; and no secret shows anywhere.
 */
class SecureClusterTest {

    private static final String TOKEN = "c2VjdXJlLWNsdXN0ZXItdGVzdC10b2tlbi0xMjM0NQ";
    private static final String REPLICATION_PASSWORD = "loopback-only-password";

    @TempDir
    Path secrets;

    @Test
    void commandsWithoutTheTokenChangeNothingAndNoSecretLeaks() throws Exception {
        Authority ca = TestCertificates.authority(secrets, "cluster-ca");
        Issued agents = ca.issue("agents"); // every loopback agent has the same address, so one certificate
        Path token = Files.writeString(secrets.resolve("api-token"), TOKEN + "\n");
        String yaml = "api: {token-file: " + token + ", auth-reads: true}\n"
                + "tls: {cert-file: " + agents.certFile() + ", key-file: " + agents.keyFile() + ", ca-file: "
                + ca.certFile() + "}\n";
        try (ClusterHarness cluster = ClusterHarness.start("secure", 2, yaml)) {
            // The harness reads as the CLI does: HTTPS with the token; the agents found each other over Raft TLS.
            ClusterStatus healthy = cluster.awaitHealthy(Duration.ofSeconds(120));
            String primary = ClusterHarness.primary(healthy);
            String standby = healthy.slaves().get(0);
            URI api = URI.create("https://127.0.0.1:" + apiPort(cluster, primary));
            HttpClient https = HttpClient.newBuilder()
                    .sslContext(NodeTls.trusting(ca.certFile(), "ca").sslContext()).build();
            JsonNode before = cluster.api().cib();

            for (String authorization : new String[] {null, "Bearer wrong-token", "Basic " + TOKEN}) {
                for (String command : List.of("/force-promote?node=" + standby + "&accept-data-loss=yes",
                        "/resource/cleanup")) {
                    HttpResponse<String> refused = send(https, "POST", api.resolve(command), authorization);
                    assertEquals(401, refused.statusCode(), command + " with " + authorization + ": " + refused.body());
                    assertTrue(refused.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
                    assertFalse(refused.body().contains(TOKEN) || refused.body().contains("wrong-token"),
                            refused.body());
                }
            }
            assertEquals(401, send(https, "GET", api.resolve("/status"), null).statusCode(), "reads need the token");
            assertEquals(200, send(https, "GET", api.resolve("/primary"), null).statusCode(),
                    "the load balancers' health checks stay open");

            JsonNode after = cluster.api().cib();
            for (String field : List.of("goals", "goalsVersion", "failCounts", "history", "lease")) {
                if (field.equals("lease")) {
                    assertEquals(before.path(field).path("holder"), after.path(field).path("holder"));
                } else {
                    assertEquals(before.path(field), after.path(field), field + " must not change");
                }
            }

            String status = cli("status", "--config", cluster.cluster().config().toString());
            assertTrue(status.contains(primary) && status.contains(standby), status);
            String cleaned = cli("resource", "cleanup", "--config", cluster.cluster().config().toString());
            assertTrue(cleaned.startsWith("cleaned up all resources on all nodes"), cleaned);

            List<String> shown = new ArrayList<>(List.of(status, cluster.api().cib().toString(),
                    cluster.api().call("GET", "/cluster").toString(), cluster.api().call("GET", "/events").toString()));
            for (String node : cluster.cluster().nodes()) {
                shown.add(Files.readString(cluster.cluster().log(node), StandardCharsets.UTF_8));
            }
            try (Stream<Path> files = Files.walk(cluster.cluster().dir())) {
                for (Path log : files.filter(p -> p.getFileName().toString().equals("postgresql.log")).toList()) {
                    shown.add(Files.readString(log, StandardCharsets.ISO_8859_1));
                }
            }
            for (String text : shown) {
                assertFalse(text.contains(TOKEN), "the API token leaked into: " + text);
                assertFalse(text.contains(REPLICATION_PASSWORD), "the replication password leaked into: " + text);
            }
            assertTrue(shown.get(4).contains("with mutual TLS"), "the store member says it uses TLS");
        }
    }

    private static int apiPort(ClusterHarness cluster, String node) throws Exception {
        return io.pgpacer.config.ConfigLoader.loadCluster(cluster.cluster().config()).nodes().stream()
                .filter(n -> n.name().equals(node)).findFirst().orElseThrow().apiPort();
    }

    private static HttpResponse<String> send(HttpClient http, String method, URI uri, String authorization)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Runs a pgpacer command in this JVM and returns what it printed; fails on a non-zero exit. */
    private static String cli(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = Main.commandLine().setErr(new PrintWriter(err, true, StandardCharsets.UTF_8)).execute(args);
            assertEquals(0, code, String.join(" ", args) + ": " + err.toString(StandardCharsets.UTF_8));
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            System.setOut(original);
        }
    }
}
