package io.pgpacer.testkit;

import io.pgpacer.api.ApiClient;
import io.pgpacer.api.security.ApiCredentials;
import io.pgpacer.cli.LoopbackCluster;
import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.core.status.NodeStatus;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A real pgpacer cluster for integration tests: agent processes on loopback (real Raft, real PostgreSQL,
 * real streaming replication), with the operator's view through the API. Data lives under
 * {@code target/it}; {@link #close()} stops every process it started and deletes the data unless a test
 * failed ({@code keepData}).
 */
public final class ClusterHarness implements AutoCloseable {

    private final LoopbackCluster cluster;
    private final ApiClient api;
    private final Map<String, NodeSpec> specs = new LinkedHashMap<>();
    private boolean keepData;

    private ClusterHarness(LoopbackCluster cluster) {
        this.cluster = cluster;
        AgentConfig config = ConfigLoader.loadCluster(cluster.config());
        config.nodes().forEach(n -> specs.put(n.name(), n));
        this.api = operatorApi(cluster.config());
    }

    /** The operator's view of the cluster configured in {@code config}: the token and CA as the CLI finds them. */
    public static ApiClient operatorApi(Path config) {
        AgentConfig cluster = ConfigLoader.loadCluster(config);
        return new ApiClient(cluster.nodes().stream().map(n -> URI.create(ApiCredentials.scheme(cluster) + "://"
                + n.address() + ":" + n.apiPort())).toList(), ApiCredentials.forCli(cluster, Map.of()));
    }

    /** Writes a configuration for {@code nodes} data nodes under target/it and starts every agent. */
    public static ClusterHarness start(String name, int nodes, String extraYaml) throws IOException {
        return start(name, nodes, 0, extraYaml);
    }

    /** The same with {@code witnesses} witness agents (no PostgreSQL, a vote in the store). */
    public static ClusterHarness start(String name, int nodes, int witnesses, String extraYaml) throws IOException {
        Path dir = Path.of("target", "it", name + "-" + UUID.randomUUID().toString().substring(0, 8))
                .toAbsolutePath();
        ClusterHarness harness = new ClusterHarness(LoopbackCluster.in(dir, nodes, witnesses, extraYaml));
        harness.cluster.startAll();
        return harness;
    }

    /** What a test does to the cluster's directory before any agent starts (mount a file system for a node's data). */
    public interface Preparation {
        void prepare(Path clusterDir) throws IOException;
    }

    /**
     * The same as {@link #start(String, int, String)}, after {@code beforeStart} prepared the directory the cluster
     * lives in; a node's data directory is {@code clusterDir/NODE/data}.
     */
    public static ClusterHarness start(String name, int nodes, String extraYaml, Preparation beforeStart)
            throws IOException {
        return start(name, nodes, 0, extraYaml, beforeStart);
    }

    /** The same with {@code witnesses} witness agents. */
    public static ClusterHarness start(String name, int nodes, int witnesses, String extraYaml,
            Preparation beforeStart) throws IOException {
        Path dir = Path.of("target", "it", name + "-" + UUID.randomUUID().toString().substring(0, 8))
                .toAbsolutePath();
        LoopbackCluster cluster = LoopbackCluster.in(dir, nodes, witnesses, extraYaml);
        beforeStart.prepare(dir);
        ClusterHarness harness = new ClusterHarness(cluster);
        harness.cluster.startAll();
        return harness;
    }

    /**
     * The gray failures each live data node's agent counted since it started, summed over the kinds, from its {@code
     * GET /metrics} ({@code pgpacer_gray_failures_total}): the write probe's false alarms in a healthy test.
     */
    public Map<String, Long> grayFailureCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (NodeSpec spec : specs.values()) {
            if (spec.holdsData() && cluster.agent(spec.name()) != null) {
                counts.put(spec.name(), metricsText(spec.name()).lines()
                        .filter(l -> l.startsWith("pgpacer_gray_failures_total{"))
                        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum());
            }
        }
        return counts;
    }

    /** {@code node}'s {@code GET /metrics}, in Prometheus's text format. */
    public String metricsText(String node) {
        NodeSpec spec = specs.get(node);
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(URI.create(
                    "http://" + spec.address() + ":" + spec.apiPort() + "/metrics")).timeout(Duration.ofSeconds(5))
                    .GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(node + "'s /metrics: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scraping " + node, e);
        }
    }

    public LoopbackCluster cluster() {
        return cluster;
    }

    public ApiClient api() {
        return api;
    }

    /** The API of {@code node}'s agent alone (its own event feed, its health checks). */
    public ApiClient apiOf(String node) {
        NodeSpec spec = specs.get(node);
        return new ApiClient(List.of(URI.create("http://" + spec.address() + ":" + spec.apiPort())));
    }

    public int pgPort(String node) {
        return specs.get(node).pgPort();
    }

    public Map<String, Integer> pgPorts() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        specs.values().stream().filter(NodeSpec::holdsData).forEach(n -> ports.put(n.name(), n.pgPort()));
        return ports;
    }

    /** {@code node}'s PostgreSQL data directory. */
    public Path dataDir(String node) {
        return cluster.dir().resolve(node).resolve("data");
    }

    /** What a {@code pgpacer} command printed and its exit code. */
    public record CliRun(int exitCode, String out, String err) {
    }

    /** Runs {@code pgpacer ARGS --config CLUSTER} in this JVM, as an operator on a node would. */
    public CliRun cli(String... args) {
        List<String> full = new java.util.ArrayList<>(List.of(args));
        full.addAll(List.of("--config", cluster.config().toString()));
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        java.io.PrintStream stdout = System.out;
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream printedOut = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream printedErr = new java.io.ByteArrayOutputStream();
        // why both: commands print with System.out/err, picocli reports usage errors through its own writers.
        synchronized (ClusterHarness.class) {
            System.setOut(new java.io.PrintStream(printedOut, true, StandardCharsets.UTF_8));
            System.setErr(new java.io.PrintStream(printedErr, true, StandardCharsets.UTF_8));
            try {
                int code = io.pgpacer.cli.Main.commandLine().setOut(new java.io.PrintWriter(out, true))
                        .setErr(new java.io.PrintWriter(err, true)).execute(full.toArray(String[]::new));
                return new CliRun(code, printedOut.toString(StandardCharsets.UTF_8) + out,
                        printedErr.toString(StandardCharsets.UTF_8) + err);
            } finally {
                System.setOut(stdout);
                System.setErr(stderr);
            }
        }
    }

    /** A superuser connection to {@code node}'s PostgreSQL over loopback. */
    public Connection connect(String node) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort(node)
                + "/postgres?user=postgres&connectTimeout=2&socketTimeout=5&loginTimeout=2");
    }

    /** A superuser connection whose statements may wait without limit (a commit waiting for a sync standby). */
    public Connection connectWithoutTimeout(String node) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort(node)
                + "/postgres?user=postgres&connectTimeout=2&socketTimeout=0&loginTimeout=2");
    }

    /** Polls the cluster's status until {@code condition} holds; the failure shows the status and the agents' logs. */
    public ClusterStatus awaitStatus(String expectation, Duration within, Predicate<ClusterStatus> condition) {
        try {
            return Eventually.await(expectation, within, this::statusOrFail, condition);
        } catch (AssertionError e) {
            keepData = true;
            throw new AssertionError(e.getMessage() + "\n" + logTails(), e);
        }
    }

    private ClusterStatus statusOrFail() {
        String dead = cluster.deadAgent();
        if (dead != null) {
            throw new IllegalStateException(dead);
        }
        return api.status();
    }

    /** One primary and every other data node streaming from it. */
    public ClusterStatus awaitHealthy(Duration within) {
        return awaitStatus("one primary with every standby streaming", within, ClusterHarness::healthy);
    }

    /** Healthy, and the primary's commits wait for one recorded sync standby that PostgreSQL reports as sync. */
    public ClusterStatus awaitSyncHealthy(Duration within) {
        return awaitStatus("one primary, standbys streaming, one of them the recorded sync standby", within,
                s -> healthy(s) && recordedSyncStandbys().size() == 1
                        && "STREAMING|SYNC".equals(node(s, recordedSyncStandbys().get(0)).dataStatus()));
    }

    public static boolean healthy(ClusterStatus s) {
        // why: an agent without a majority answers from its own copy of the CIB, which may be stale.
        if (!s.quorum() || s.masters().size() != 1) {
            return false;
        }
        String primary = s.masters().get(0);
        return s.nodes().stream().filter(n -> !n.witness() && !n.name().equals(primary))
                .allMatch(n -> n.dataStatus().startsWith("STREAMING") && primary.equals(n.upstream()));
    }

    public static NodeStatus node(ClusterStatus s, String name) {
        return s.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    public static String primary(ClusterStatus s) {
        return s.masters().size() == 1 ? s.masters().get(0) : null;
    }

    /** The standbys the CIB records as the primary's sync (or quorum) standbys; empty when asynchronous. */
    public List<String> recordedSyncStandbys() {
        List<String> names = new java.util.ArrayList<>();
        api.cib().path("syncSet").path("standbys").forEach(n -> names.add(n.asText()));
        return names;
    }

    /** How many promotions the timeline history holds. */
    public int promotions() {
        return api.cib().path("history").size();
    }

    /** What a test does on a started cluster. */
    public interface Steps {
        void run(ClusterHarness cluster) throws Exception;
    }

    /**
     * Starts a cluster of {@code nodes} data nodes, runs {@code steps} on it and closes it; when a step fails, the
     * cluster's data and logs are kept for inspection.
     */
    public static void runKeepingDataOnFailure(String name, int nodes, String extraYaml, Steps steps)
            throws Exception {
        try (ClusterHarness started = start(name, nodes, extraYaml)) {
            try {
                steps.run(started);
            } catch (AssertionError | Exception e) {
                started.keepData();
                throw e;
            }
        }
    }

    /**
     * Asserts that no live agent counted a gray failure and that no failed action is one: the write probe and the
     * receipt check raise no false alarm on a healthy cluster (issue 17). Prints the counts.
     */
    public void assertNoGrayFailure() {
        Map<String, Long> counts = grayFailureCounts();
        System.out.println("gray failures counted by the live agents: " + counts);
        if (!counts.values().stream().allMatch(count -> count == 0)) {
            throw new AssertionError("false alarm: gray failures counted " + counts);
        }
        List<String> reported = api.status().failedActions().stream().map(a -> a.exitReason())
                .filter(reason -> reason.startsWith("commit probe") || reason.startsWith("replication stalled"))
                .toList();
        if (!reported.isEmpty()) {
            throw new AssertionError("false alarm: gray failures reported as failed actions " + reported);
        }
    }

    /** Marks the data to be kept for inspection (a test failed). */
    public void keepData() {
        keepData = true;
    }

    /** The last lines of every agent's log, for failure messages. */
    public String logTails() {
        return logTails(cluster.nodes().stream().map(cluster::log).toList());
    }

    /** The last lines of each log (stack frames left out), for failure messages. */
    public static String logTails(List<Path> logs) {
        StringBuilder out = new StringBuilder();
        for (Path log : logs) {
            out.append("--- last lines of ").append(log).append('\n');
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                        .filter(l -> !l.startsWith("\tat ")).toList();
                lines.subList(Math.max(0, lines.size() - 25), lines.size()).forEach(l -> out.append(l).append('\n'));
            } catch (IOException e) {
                out.append("(unreadable: ").append(e.getMessage()).append(")\n");
            }
        }
        return out.toString();
    }

    @Override
    public void close() throws IOException {
        cluster.close();
        if (keepData) {
            System.err.println("keeping the data of the failed test in " + cluster.dir());
            return;
        }
        try (Stream<Path> paths = Files.walk(cluster.dir())) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
