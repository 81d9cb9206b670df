package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.os.FreePorts;
import io.pgpacer.store.CibJson;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * A real HAProxy, configured from {@code examples/haproxy.cfg}, in front of a real 3-node cluster: the health
 * endpoints over HTTP, the write port reaching only the primary and the read port only standbys, and the write
 * port following a failover after kill -9 of the primary's postmaster. Fails (never skips) without haproxy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(HaproxyFailoverTest.KeepDataOnFailure.class)
class HaproxyFailoverTest {

    private static final Path EXAMPLE = Path.of("examples", "haproxy.cfg");
    private static final Duration BOOTSTRAP = Duration.ofSeconds(60);
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final Pattern LISTEN = Pattern.compile("^listen\\s+(\\S+)");
    private static final Pattern SERVER = Pattern.compile("^(\\s*)server\\s+\\S+\\s+\\S+\\s+(.*)$");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private ClusterHarness cluster;
    private List<NodeSpec> nodes;
    private final Map<String, Integer> listenerPorts = new LinkedHashMap<>();
    private Process haproxy;
    private Path haproxyLog;

    @BeforeAll
    void startClusterAndHaproxy() throws Exception {
        String haproxyBinary = haproxyBinary();
        cluster = ClusterHarness.start("haproxy", 3, "timings: {bootstrap-wait: 20s}\n");
        nodes = ConfigLoader.loadCluster(cluster.cluster().config()).nodes();
        cluster.awaitHealthy(BOOTSTRAP);

        Path config = cluster.cluster().dir().resolve("haproxy.cfg");
        haproxyLog = cluster.cluster().dir().resolve("haproxy.log");
        Files.writeString(config, renderExample(Files.readString(EXAMPLE, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        Process check = new ProcessBuilder(haproxyBinary, "-c", "-f", config.toString()).redirectErrorStream(true)
                .start();
        String checkOutput = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(10, TimeUnit.SECONDS) && check.exitValue() == 0,
                "haproxy -c refused " + config + ":\n" + checkOutput);
        haproxy = new ProcessBuilder(haproxyBinary, "-db", "-f", config.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(haproxyLog.toFile())).start();
        for (int port : listenerPorts.values()) {
            Eventually.await("haproxy to listen on 127.0.0.1:" + port, Duration.ofSeconds(10),
                    () -> haproxy.isAlive() && accepts(port));
        }
    }

    @AfterAll
    void stopHaproxyAndCluster() throws Exception {
        try {
            if (haproxy != null) {
                haproxy.destroy();
                if (!haproxy.waitFor(5, TimeUnit.SECONDS)) {
                    haproxy.destroyForcibly();
                    haproxy.waitFor(5, TimeUnit.SECONDS);
                }
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    @Test
    @Order(1)
    void healthEndpointsAnswerWithPatronisStatusCodes() throws Exception {
        ClusterStatus status = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(status);
        String standby = status.slaves().get(0);

        // The agents report every second: wait for the agents' own view to settle, then check each answer.
        Eventually.await(primary + " to answer 200 on /primary", CONVERGE, () -> get(primary, "/primary").statusCode() == 200);
        JsonNode primaryDoc = json(get(primary, "/primary"));
        assertEquals("primary", primaryDoc.get("role").asText(), primaryDoc.toString());
        assertEquals(primary, primaryDoc.get("lease_holder").asText(), primaryDoc.toString());
        assertTrue(primaryDoc.get("holds_lease").asBoolean(), primaryDoc.toString());
        for (String alias : List.of("/master", "/read-write", "/leader", "/read-only", "/readiness", "/health")) {
            assertEquals(200, get(primary, alias).statusCode(), primary + " " + alias);
        }
        assertEquals(503, get(primary, "/replica").statusCode());

        Eventually.await(standby + " to answer 200 on /replica", CONVERGE, () -> get(standby, "/replica").statusCode() == 200);
        assertEquals(503, get(standby, "/primary").statusCode());
        assertEquals(200, get(standby, "/replica?lag=16MB").statusCode());
        assertEquals(200, get(standby, "/read-only").statusCode());
        JsonNode badLag = json(get(standby, "/replica?lag=lots"));
        assertEquals(400, get(standby, "/replica?lag=lots").statusCode());
        assertTrue(badLag.get("error").asText().contains("'lag'"), badLag.toString());

        HttpResponse<String> head = send(standby, "HEAD", "/replica");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        HttpResponse<String> options = send(primary, "OPTIONS", "/primary");
        assertEquals(200, options.statusCode());
        assertEquals("GET, HEAD, OPTIONS", options.headers().firstValue("Allow").orElse(""));
        assertEquals(503, send(standby, "OPTIONS", "/primary").statusCode());
        for (NodeSpec node : nodes) {
            assertEquals(200, get(node.name(), "/liveness").statusCode(), node.name() + " /liveness");
        }
        assertEquals(404, get(primary, "/no-such-check").statusCode());

        JsonNode clusterDoc = json(get(standby, "/cluster"));
        assertEquals(3, clusterDoc.get("members").size(), clusterDoc.toString());
        assertEquals(primary, clusterDoc.get("leader").asText(), clusterDoc.toString());
        JsonNode history = json(get(standby, "/history"));
        assertTrue(history.isArray() && history.size() >= 1, history.toString());
        assertEquals(primary, history.get(history.size() - 1).get("new_leader").asText(), history.toString());
    }

    @Test
    @Order(2)
    void theWritePortReachesThePrimaryAndTheReadPortAStandby() {
        ClusterStatus status = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(status);
        // HAProxy counts servers up until their checks fail twice: wait until every connection lands right.
        Eventually.await("6 connections in a row through the write port to reach " + primary, CONVERGE,
                () -> everyConnectionReaches(writePort(), 6, server -> server.node().equals(primary) && !server.inRecovery()));
        Eventually.await("4 connections in a row through the read port to reach a standby", CONVERGE,
                () -> everyConnectionReaches(readPort(), 4, server -> status.slaves().contains(server.node())
                        && server.inRecovery()));
    }

    @Test
    @Order(3)
    void afterAPostmasterKillTheWritePortReachesTheNewPrimary() throws SQLException {
        ClusterStatus before = cluster.awaitHealthy(CONVERGE);
        String old = ClusterHarness.primary(before);
        try (Connection c = connect(writePort()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS haproxy_probe (at timestamptz NOT NULL DEFAULT clock_timestamp())");
        }
        long postmaster = ClusterHarness.node(before, old).postmasterPid();
        long killedAt = System.nanoTime();
        assertTrue(ProcessHandle.of(postmaster).map(ProcessHandle::destroyForcibly).orElse(false),
                "kill -9 of " + old + "'s postmaster " + postmaster);
        Eventually.await(old + "'s /primary to answer 503", Duration.ofSeconds(2),
                () -> get(old, "/primary").statusCode() == 503);
        System.out.printf("haproxy: %s's /primary answered 503 %d ms after the kill%n", old,
                (System.nanoTime() - killedAt) / 1_000_000);

        // HAProxy can route to the new primary only after its /primary answers 200: time both, to show the split.
        String promoted = Eventually.awaitPresent("another node to answer 200 on /primary", CONVERGE,
                () -> nodes.stream().filter(NodeSpec::holdsData).map(NodeSpec::name).filter(n -> !n.equals(old))
                        .filter(n -> get(n, "/primary").statusCode() == 200).findFirst());
        long promotedMillis = (System.nanoTime() - killedAt) / 1_000_000;
        String reached = Eventually.awaitPresent("a write through the write port to commit on a node other than " + old,
                CONVERGE, () -> writeThrough(writePort()).filter(node -> !node.equals(old)));
        long millis = (System.nanoTime() - killedAt) / 1_000_000;
        System.out.printf("haproxy: %s's /primary answered 200 %d ms after the kill; writes through the write port"
                + " back on %s after %d ms%n", promoted, promotedMillis, reached, millis);
        assertEquals(promoted, reached, "the write port reaches the node whose /primary answers 200");
        ClusterStatus after = cluster.awaitStatus("the cluster to name " + reached + " its primary", CONVERGE,
                s -> reached.equals(ClusterHarness.primary(s)));
        assertEquals(reached, ClusterHarness.primary(after));
    }

    // --- HAProxy --------------------------------------------------------------------------------------

    private static String haproxyBinary() {
        for (String candidate : List.of("/usr/sbin/haproxy", "/usr/local/sbin/haproxy", "/usr/bin/haproxy")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        try {
            Process p = new ProcessBuilder("haproxy", "-v").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return "haproxy";
            }
        } catch (IOException e) {
            // not on the PATH either: fail below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return fail("haproxy is not installed, and this test needs a real one: run bin/ensure-deps as root"
                + " (or apt-get install haproxy) and run the tests again");
    }

    /**
     * The example with this test's addresses: each listener binds a free port on 127.0.0.1, and its server lines
     * become one per data node with the example's check options, checking that node's API port.
     */
    private String renderExample(String example) throws IOException {
        List<String> out = new ArrayList<>();
        boolean serversWritten = false;
        for (String line : example.lines().toList()) {
            Matcher listen = LISTEN.matcher(line);
            Matcher server = SERVER.matcher(line);
            if (listen.find()) {
                listenerPorts.put(listen.group(1), FreePorts.next());
                serversWritten = false;
                out.add(line);
            } else if (line.trim().startsWith("bind ")) {
                String listener = List.copyOf(listenerPorts.keySet()).get(listenerPorts.size() - 1);
                out.add(line.substring(0, line.indexOf("bind")) + "bind 127.0.0.1:" + listenerPorts.get(listener));
            } else if (server.matches()) {
                if (!serversWritten) {
                    for (NodeSpec node : nodes) {
                        out.add(server.group(1) + "server " + node.name() + " 127.0.0.1:" + node.pgPort() + " "
                                + server.group(2).replaceAll("\\bport \\d+", "port " + node.apiPort()));
                    }
                    serversWritten = true;
                }
            } else {
                out.add(line);
            }
        }
        assertEquals(List.of("pgpacer-primary", "pgpacer-replicas"), List.copyOf(listenerPorts.keySet()),
                "the listeners of " + EXAMPLE);
        return String.join("\n", out) + "\n";
    }

    private int writePort() {
        return listenerPorts.get("pgpacer-primary");
    }

    private int readPort() {
        return listenerPorts.get("pgpacer-replicas");
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // --- PostgreSQL through HAProxy -------------------------------------------------------------------

    /** The server a connection reached: the node whose PostgreSQL port answered, and whether it is in recovery. */
    private record Reached(String node, boolean inRecovery) {
    }

    private boolean everyConnectionReaches(int port, int times, java.util.function.Predicate<Reached> expected) {
        for (int i = 0; i < times; i++) {
            Optional<Reached> reached = reach(port);
            if (reached.isEmpty() || !expected.test(reached.get())) {
                return false;
            }
        }
        return true;
    }

    private Optional<Reached> reach(int port) {
        try (Connection c = connect(port); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT inet_server_port(), pg_is_in_recovery()")) {
            r.next();
            return Optional.of(new Reached(nodeListeningOn(r.getInt(1)), r.getBoolean(2)));
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    /** Commits one row through {@code port}; the node that committed it, or empty when the write failed. */
    private Optional<String> writeThrough(int port) {
        try (Connection c = connect(port); Statement s = c.createStatement()) {
            s.execute("INSERT INTO haproxy_probe DEFAULT VALUES");
            try (ResultSet r = s.executeQuery("SELECT inet_server_port()")) {
                r.next();
                return Optional.of(nodeListeningOn(r.getInt(1)));
            }
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    private String nodeListeningOn(int pgPort) {
        return nodes.stream().filter(n -> n.pgPort() == pgPort).map(NodeSpec::name).findFirst()
                .orElse("port " + pgPort);
    }

    private static Connection connect(int port) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                + "/postgres?user=postgres&connectTimeout=2&socketTimeout=5&loginTimeout=2&ApplicationName=haproxy-test");
    }

    // --- the agents' API ------------------------------------------------------------------------------

    private HttpResponse<String> get(String node, String pathAndQuery) {
        return send(node, "GET", pathAndQuery);
    }

    private HttpResponse<String> send(String node, String method, String pathAndQuery) {
        NodeSpec spec = nodes.stream().filter(n -> n.name().equals(node)).findFirst().orElseThrow();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + spec.apiPort() + pathAndQuery))
                .timeout(Duration.ofSeconds(5)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + pathAndQuery + " on " + node + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return CibJson.mapper().readTree(response.body());
    }

    /** Keeps the cluster's data and prints the agents' and HAProxy's logs when a step failed. */
    static final class KeepDataOnFailure implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            context.getTestInstance().map(HaproxyFailoverTest.class::cast).ifPresent(t -> {
                if (t.cluster != null) {
                    t.cluster.keepData();
                    System.err.println(t.cluster.logTails());
                }
                if (t.haproxyLog != null && Files.exists(t.haproxyLog)) {
                    try {
                        System.err.println("--- " + t.haproxyLog + "\n" + Files.readString(t.haproxyLog));
                    } catch (IOException e) {
                        System.err.println("(haproxy log unreadable: " + e.getMessage() + ")");
                    }
                }
            });
        }
    }
}
