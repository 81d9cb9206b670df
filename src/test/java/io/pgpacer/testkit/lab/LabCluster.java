package io.pgpacer.testkit.lab;

import io.pgpacer.api.ApiClient;
import io.pgpacer.cli.LoopbackCluster;
import io.pgpacer.cli.Main;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Signals;
import io.pgpacer.testkit.Workload;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A pgpacer cluster in the network-namespace lab: one lab host per data node ({@code db1}, {@code db2}, ...,
 * named as the node), optionally a {@code witness} host, and a {@code client} host. Every node has its lab
 * address and the default ports (each host is a namespace of its own), and the writer VIP {@link #WRITER_VIP}
 * on {@code eth0}. Each agent, and so its PostgreSQL, runs inside its host.
 *
 * <p>The test JVM stays in the root namespace, which cannot reach the lab: the API and JDBC go through a
 * {@link NamespaceTunnel} whose relay runs in the client host. Which host holds the VIP is read from each host's
 * routing table ({@code /proc/PID/net/fib_trie} of a process kept in the host for that), which takes
 * microseconds and no helper process, so it can be polled often ({@link #watchVip()}).
 *
 * <p>Data and logs live under {@code target/it}; {@link #close()} stops everything, removes the lab and deletes
 * the data unless a test failed ({@link #keepData()}).
 */
public final class LabCluster implements AutoCloseable {
    /** The writer VIP every configuration gets. */
    public static final String WRITER_VIP = NetLab.address(100);
    /** The reader VIP every configuration gets: on one healthy standby. */
    public static final String READER_VIP = NetLab.address(101);
    public static final int API_PORT = 8008;
    public static final int PG_PORT = 5432;
    public static final String CLIENT = "client";
    public static final String WITNESS = "witness";
    /** How long the writer VIP may take to reach a new primary, or to leave a host. */
    public static final Duration VIP_MOVE = Duration.ofSeconds(20);
    private static final Duration AGENT_EXIT = Duration.ofSeconds(10);
    /** The lab cluster's API token: generated per JVM, known only to the test and the lab's agents. */
    private static final String API_TOKEN = java.util.UUID.randomUUID().toString();
    private static final io.pgpacer.api.security.ApiCredentials CREDENTIALS = new io.pgpacer.api.security.ApiCredentials(
            io.pgpacer.api.security.ApiToken.of(API_TOKEN, "lab"), null);

    private final NetLab lab;
    private final Path dir;
    private final Path config;
    private final List<String> nodes;
    private final List<String> dataNodes;
    private final Map<String, Process> agents = new LinkedHashMap<>();
    /** A process idling in each host, whose /proc entry shows the host's network namespace. */
    private final Map<String, Long> anchors = new LinkedHashMap<>();
    private final Map<String, ApiClient> apis = new LinkedHashMap<>();
    private final Set<String> frozen = new HashSet<>();
    private final Set<String> isolated = new HashSet<>();
    private final NamespaceTunnel tunnel;
    private ApiClient api;
    private boolean keepData;

    private LabCluster(NetLab lab, Path dir, List<String> dataNodes, boolean witness) {
        this.lab = lab;
        this.dir = dir;
        this.config = dir.resolve("cluster.yaml");
        this.dataNodes = List.copyOf(dataNodes);
        List<String> all = new ArrayList<>(dataNodes);
        if (witness) {
            all.add(WITNESS);
        }
        this.nodes = List.copyOf(all);
        for (String node : nodes) {
            anchors.put(node, lab.host(node).start(dir.resolve("anchor-" + node + ".log"),
                    List.of("sleep", "infinity")).pid());
        }
        this.tunnel = NamespaceTunnel.open(lab.host(CLIENT), lab.workDir().resolve("tunnel.sock"),
                dir.resolve("tunnel.log"));
    }

    /**
     * Builds the lab, writes the configuration and starts every agent.
     *
     * @param extraYaml top-level YAML appended to the configuration (timings, replication), may be empty
     * @throws IllegalStateException if the lab cannot run here (not root, a program missing): never skipped
     */
    public static LabCluster start(String name, int dataNodes, boolean witness, String extraYaml) throws IOException {
        List<String> data = new ArrayList<>();
        for (int i = 1; i <= dataNodes; i++) {
            data.add("db" + i);
        }
        List<String> hosts = new ArrayList<>(data);
        if (witness) {
            hosts.add(WITNESS);
        }
        hosts.add(CLIENT);
        Path dir = Path.of("target", "it", "lab-" + name + "-" + UUID.randomUUID().toString().substring(0, 8))
                .toAbsolutePath();
        Files.createDirectories(dir);
        NetLab lab = NetLab.start(hosts.toArray(String[]::new));
        LabCluster cluster = null;
        try {
            cluster = new LabCluster(lab, dir, data, witness);
            Files.writeString(cluster.tokenFile(), API_TOKEN + "\n", StandardCharsets.UTF_8);
            Files.writeString(cluster.config, cluster.yaml(extraYaml), StandardCharsets.UTF_8);
            for (String node : cluster.nodes) {
                cluster.startAgent(node);
            }
            return cluster;
        } catch (RuntimeException | IOException e) {
            if (cluster != null) {
                cluster.keepData();
                cluster.close();
            } else {
                lab.close();
            }
            throw e;
        }
    }

    // The test JVM reaches the agents from the client host (through the tunnel), not from their own hosts, so
    // commands need the cluster's token.
    private Path tokenFile() {
        return dir.resolve("api-token");
    }

    private String yaml(String extraYaml) {
        StringBuilder yaml = new StringBuilder("""
                # A cluster in the network-namespace lab, written by LabCluster.
                cluster: lab
                nodes:
                """);
        for (String node : nodes) {
            yaml.append(String.format("  - {name: %s, address: %s%s}%n", node, lab.host(node).address(),
                    node.equals(WITNESS) ? ", role: witness" : ""));
        }
        yaml.append(String.format("""
                postgresql:
                  data-dir: "{node}/data"
                  superuser-password: lab-only-password
                  replication-password: lab-only-password
                  pg-hba: ["host all postgres %s/32 trust"]
                state-dir: "{node}/agent"
                virtual-ips: {writer: %s/%d, reader: %s/%d, nic: %s}
                api: {token-file: %s}
                """, client().address(), WRITER_VIP, NetLab.PREFIX_LENGTH, READER_VIP, NetLab.PREFIX_LENGTH, LabHost.NIC,
                tokenFile()));
        yaml.append(extraYaml);
        return yaml.toString();
    }

    public NetLab lab() {
        return lab;
    }

    /** The host of {@code node} (hosts are named as their nodes). */
    public LabHost host(String node) {
        return lab.host(node);
    }

    public LabHost client() {
        return lab.host(CLIENT);
    }

    /** Every node, the witness last. */
    public List<String> nodes() {
        return nodes;
    }

    /** The nodes that run PostgreSQL. */
    public List<String> dataNodes() {
        return dataNodes;
    }

    public Path dir() {
        return dir;
    }

    public Path config() {
        return config;
    }

    public Path log(String node) {
        return dir.resolve(node + ".log");
    }

    /** {@code pgpacer ARGS --config CONFIG} as an operator types it on a lab host: run it with {@link LabHost#run}. */
    public static String[] cliCommand(Path config, String... args) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        command.addAll(List.of("--config", config.toString()));
        return command.toArray(String[]::new);
    }

    /** Starts {@code node}'s agent inside its host; no-op if it runs. */
    public synchronized void startAgent(String node) {
        Process running = agents.get(node);
        if (running != null && running.isAlive()) {
            return;
        }
        agents.put(node, host(node).start(log(node), LoopbackCluster.agentCommand(config, node)));
    }

    /** kill -9 of {@code node}'s agent, as in a crash (its PostgreSQL dies with it); returns once it is gone. */
    public synchronized void kill9Agent(String node) {
        Process agent = agents.remove(node);
        if (agent == null) {
            return;
        }
        lab.kill9(agent.pid());
        awaitExit(agent, node + "'s agent");
    }

    /** The agent process of {@code node}, if it runs. */
    public synchronized Process agent(String node) {
        Process agent = agents.get(node);
        return agent != null && agent.isAlive() ? agent : null;
    }

    /** The pid of {@code node}'s postmaster, from its postmaster.pid file. */
    public long postmasterPid(String node) {
        Path pidFile = dir.resolve(node).resolve("data").resolve("postmaster.pid");
        try {
            return Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(node + " has no running postmaster (" + pidFile + "): " + e, e);
        }
    }

    /** kill -9 of {@code node}'s postmaster; returns once it is gone. */
    public void kill9Postmaster(String node) {
        long pid = postmasterPid(node);
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow(
                () -> new IllegalStateException(node + "'s postmaster " + pid + " is not running"));
        lab.kill9(pid);
        Eventually.await(node + "'s postmaster " + pid + " gone", AGENT_EXIT, () -> !postmaster.isAlive());
    }

    /** SIGSTOPs every process of {@code node}'s host; the API is then asked elsewhere. */
    public synchronized void freeze(String node) {
        frozen.add(node);
        api = null;
        host(node).freeze();
    }

    public synchronized void thaw(String node) {
        host(node).thaw();
        frozen.remove(node);
        api = null;
    }

    /**
     * SIGSTOPs {@code node}'s agent alone: its PostgreSQL keeps running and serving. The API is then asked
     * elsewhere; {@link #resumeAgent} (or {@link #close()}) continues it.
     */
    public synchronized void suspendAgent(String node) {
        Process agent = agents.get(node);
        if (agent == null || !agent.isAlive()) {
            throw new IllegalStateException(node + "'s agent is not running; start it before suspending it");
        }
        frozen.add(node);
        api = null;
        Signals.send("STOP", agent.pid());
    }

    /** SIGCONTs {@code node}'s agent after {@link #suspendAgent}. */
    public synchronized void resumeAgent(String node) {
        Process agent = agents.get(node);
        if (agent != null) {
            Signals.send("CONT", agent.pid());
        }
        frozen.remove(node);
        api = null;
    }

    /** Cuts {@code node}'s host off the lab network ({@link LabHost#isolate}); the API is then asked elsewhere. */
    public synchronized void isolate(String node, Cut cut) {
        isolated.add(node);
        api = null;
        host(node).isolate(cut);
    }

    /** Removes every partition rule of {@code node}'s host ({@link LabHost#heal}). */
    public synchronized void heal(String node) {
        host(node).heal();
        isolated.remove(node);
        api = null;
    }

    /**
     * The cluster's API through the tunnel: every agent in turn (an isolated or frozen host's last, since it
     * would keep a request waiting for its whole timeout), the first that answers.
     */
    public synchronized ApiClient api() {
        if (api == null) {
            List<String> order = new ArrayList<>(nodes.stream()
                    .filter(n -> !frozen.contains(n) && !isolated.contains(n)).toList());
            order.addAll(isolated.stream().filter(n -> !frozen.contains(n)).sorted().toList());
            order.addAll(frozen);
            api = new ApiClient(order.stream().map(this::apiUri).toList(), CREDENTIALS);
        }
        return api;
    }

    /** The API of {@code node}'s agent alone. */
    public synchronized ApiClient apiOf(String node) {
        return apis.computeIfAbsent(node, n -> new ApiClient(List.of(apiUri(n)), CREDENTIALS));
    }

    private URI apiUri(String node) {
        return URI.create("http://127.0.0.1:" + tunnel.forward(host(node).address(), API_PORT));
    }

    /** A superuser connection to {@code node}'s PostgreSQL, through the tunnel. */
    public Connection connect(String node) throws SQLException {
        return connectTo(host(node).address());
    }

    /** A superuser connection to whichever PostgreSQL answers at {@code address} (a VIP), through the tunnel. */
    public Connection connectTo(String address) throws SQLException {
        int port = tunnel.forward(address, PG_PORT);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                + "/postgres?user=postgres&connectTimeout=2&socketTimeout=5&loginTimeout=2");
    }

    /** Polls the status until {@code condition} holds; the failure shows the status and the agents' logs. */
    public ClusterStatus awaitStatus(String expectation, Duration within, Predicate<ClusterStatus> condition) {
        try {
            return Eventually.await(expectation, within, this::statusOrFail, condition);
        } catch (AssertionError e) {
            keepData = true;
            throw new AssertionError(e.getMessage() + "\nVIP holders: " + vipHolders() + "\n" + logTails(), e);
        }
    }

    /** One primary and every other data node streaming from it. */
    public ClusterStatus awaitHealthy(Duration within) {
        return awaitStatus("one primary with every standby streaming", within, ClusterHarness::healthy);
    }

    /**
     * Polls until the status is healthy and its primary really takes a session out of recovery: right after a
     * partition heals, the status may still show a report the primary sent before it fenced.
     */
    public String awaitWritablePrimary(Duration within) {
        return Eventually.awaitPresent("a healthy cluster whose primary accepts a writable session", within, () -> {
            String primary = ClusterHarness.primary(api().status());
            if (primary == null || !ClusterHarness.healthy(api().status())) {
                return java.util.Optional.empty();
            }
            try (Connection c = connect(primary); java.sql.Statement st = c.createStatement();
                    java.sql.ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                return rs.next() && !rs.getBoolean(1) ? java.util.Optional.of(primary) : java.util.Optional.empty();
            } catch (SQLException e) {
                return java.util.Optional.empty();
            }
        });
    }

    private ClusterStatus statusOrFail() {
        synchronized (this) {
            for (Map.Entry<String, Process> agent : agents.entrySet()) {
                if (!agent.getValue().isAlive()) {
                    throw new IllegalStateException(agent.getKey() + "'s agent exited with status "
                            + agent.getValue().exitValue() + " (log: " + log(agent.getKey()) + ")");
                }
            }
        }
        return api().status();
    }

    /** How many promotions the timeline history holds. */
    public int promotions() {
        return api().cib().path("history").size();
    }

    /** The nodes whose host has the writer VIP now, in node order. */
    public List<String> vipHolders() {
        return holdersOf(WRITER_VIP);
    }

    /** The nodes whose host has the reader VIP now, in node order. */
    public List<String> readerVipHolders() {
        return holdersOf(READER_VIP);
    }

    /** The nodes whose host has {@code address} now, in node order (an operator's {@code ip} resource, say). */
    public List<String> holdersOf(String vip) {
        return nodes.stream().filter(node -> holds(node, vip)).toList();
    }

    private boolean holds(String node, String vip) {
        Path fibTrie = Path.of("/proc", Long.toString(anchors.get(node)), "net", "fib_trie");
        try {
            return FibTrie.hasLocalAddress(Files.readString(fibTrie), vip);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("the anchor process of " + node + " is gone; cannot read " + fibTrie, e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + fibTrie + ": " + e, e);
        }
    }

    /** Waits until the writer VIP is on {@code node}'s host and no other. */
    public void awaitVipOn(String node) {
        Eventually.await("the writer VIP on " + node + " alone", VIP_MOVE, this::vipHolders,
                holders -> holders.equals(List.of(node)));
    }

    /**
     * Stops {@code writer} and checks its acknowledged writes against {@code finalPrimary}'s table.
     *
     * @param promotionsBefore {@link #promotions()} when the writer started
     */
    public Workload.Verdict verdict(VipWorkload writer, String finalPrimary, int promotionsBefore)
            throws SQLException {
        writer.stop();
        int promotions = promotions() - promotionsBefore;
        try (Connection c = connect(finalPrimary)) {
            return writer.verdict(c, promotions);
        }
    }

    /** Starts polling {@link #vipHolders()} every few milliseconds on a background thread until closed. */
    public VipWatch watchVip() {
        return VipWatch.start(this::vipHolders);
    }

    /** Like {@link #watchVip()}, for any address. */
    public VipWatch watchAddress(String address) {
        return VipWatch.start(() -> holdersOf(address));
    }

    /** Like {@link #watchVip()}, for the reader VIP. */
    public VipWatch watchReaderVip() {
        return VipWatch.start(this::readerVipHolders);
    }

    /** Starts a {@link VipWriter} in the client host that writes into {@code table} through the writer VIP. */
    public VipWorkload startWriter(String table) {
        return VipWorkload.start(client(), table, dir, List.of(WRITER_VIP + ":" + PG_PORT));
    }

    /**
     * Starts a {@link VipWriter} in the client host that writes into {@code table} at every data node's own
     * address at once: it sees any node that accepts writes, also one the VIP has left.
     */
    public VipWorkload startNodeWriters(String table) {
        return VipWorkload.start(client(), table, dir,
                dataNodes.stream().map(node -> host(node).address() + ":" + PG_PORT).toList());
    }

    /**
     * Starts a {@link VipWriter} inside {@code node}'s own host that writes into {@code table} at that node's
     * PostgreSQL over loopback: it stays on the node's side of any partition of the host.
     */
    public VipWorkload startWriterIn(String node, String table) {
        return VipWorkload.start(host(node), table, dir, List.of("127.0.0.1:" + PG_PORT));
    }

    /** Marks the data to be kept for inspection (a test failed). */
    public void keepData() {
        keepData = true;
    }

    /** The last lines of every agent's log, for failure messages. */
    public String logTails() {
        return ClusterHarness.logTails(nodes.stream().map(this::log).toList());
    }

    /**
     * Thaws frozen hosts, stops every agent (SIGTERM, which stops PostgreSQL cleanly; SIGKILL after 10 s),
     * ends the tunnel, removes the lab (which kills whatever is left in its hosts) and deletes the data unless
     * {@link #keepData()} was called.
     */
    @Override
    public void close() {
        try {
            synchronized (this) {
                for (String node : List.copyOf(frozen)) {
                    host(node).thaw();
                }
                frozen.clear();
                agents.values().forEach(Process::destroy);
                for (Map.Entry<String, Process> agent : agents.entrySet()) {
                    try {
                        if (!agent.getValue().waitFor(AGENT_EXIT.toSeconds(), TimeUnit.SECONDS)) {
                            agent.getValue().destroyForcibly();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                agents.clear();
            }
            tunnel.close();
        } finally {
            lab.close();
            if (keepData) {
                System.err.println("keeping the data of the failed test in " + dir);
            } else {
                NetLab.deleteTree(dir);
            }
        }
    }

    private void awaitExit(Process process, String what) {
        try {
            if (!process.waitFor(AGENT_EXIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException(what + " did not end within " + AGENT_EXIT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what + " to end", e);
        }
    }
}
