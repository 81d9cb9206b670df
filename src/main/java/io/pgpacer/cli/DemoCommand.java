package io.pgpacer.cli;

import io.pgpacer.api.ApiClient;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.core.status.NodeStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pgpacer demo}: a real 3-node cluster on this machine — PostgreSQL on loopback ports, three agent
 * processes forming a Raft group — for a first look, and a failover to watch.
 */
@Command(name = "demo", description = {"Start a 3-node cluster on this machine and wait until it is healthy.",
        "Real PostgreSQL, real streaming replication and a real Raft store, on loopback ports; it shows the",
        "cluster once healthy. Ctrl-C stops everything it started. Running it again on the same directory",
        "restarts the same cluster."})
final class DemoCommand implements Callable<Integer> {

    private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(180);

    @Option(names = "--dir", description = "Where the demo keeps its data and logs (default: ./pgpacer-demo, or "
            + "/var/tmp/pgpacer-demo when the current directory is not readable by PostgreSQL's OS user).")
    Path dir;

    @Option(names = "--failover", description = "Once healthy, kill -9 the primary's postmaster and show the takeover.")
    boolean failover;

    @Option(names = "--no-wait", description = "Stop the cluster after showing it instead of waiting for Ctrl-C.")
    boolean noWait;

    private LoopbackCluster cluster;

    @Override
    public Integer call() throws Exception {
        Path home = chooseDir();
        cluster = LoopbackCluster.in(home, 3, "timings: {bootstrap-wait: 20s}\n");
        Path config = cluster.config();
        System.out.println("pgpacer demo: data, configuration and logs in " + home);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopAgents();
            stopped.countDown();
        }, "pgpacer-demo-stop"));
        cluster.startAll();
        ApiClient api = AgentTarget.ofConfig(config).client();
        ClusterStatus status = awaitHealthy(api, HEALTHY_WITHIN, null);
        System.out.println();
        System.out.print(StatusPrinter.render(status, true));
        System.out.println();
        System.out.println("Connect to whichever node is primary (libpq tries each and keeps the writable one):");
        System.out.println("  psql '" + connectionString(status, api) + "'");
        System.out.println("Watch the cluster:  bin/pgpacer status --full --config " + config);
        if (failover) {
            demonstrateFailover(api, status);
        }
        if (noWait) {
            stopAgents();
            return 0;
        }
        System.out.println("\nThe cluster keeps running; press Ctrl-C to stop it (data stays in " + home + ").");
        stopped.await();
        return 0;
    }

    private void demonstrateFailover(ApiClient api, ClusterStatus before) throws Exception {
        NodeStatus primary = before.nodes().stream().filter(n -> "PRI".equals(n.pgsqlStatus())).findFirst()
                .orElseThrow();
        System.out.println("\n=== Failover: kill -9 of " + primary.name() + "'s postmaster (pid "
                + primary.postmasterPid() + ") ===");
        long start = System.nanoTime();
        ProcessHandle.of(primary.postmasterPid()).ifPresent(ProcessHandle::destroyForcibly);
        ClusterStatus after = awaitHealthy(api, HEALTHY_WITHIN, primary.name());
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%nHealthy again %.1f s after the kill: %s is the new primary, and %s rejoined as its standby.%n%n",
                seconds, after.masters().get(0), primary.name());
        System.out.print(StatusPrinter.render(after, true));
    }

    /** Waits until one primary runs (not {@code notOn}) and every other data node streams from it. */
    private ClusterStatus awaitHealthy(ApiClient api, Duration within, String notOn) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        String last = "no agent answered yet";
        while (System.nanoTime() < deadline) {
            try {
                ClusterStatus s = api.status();
                long streaming = s.nodes().stream().filter(n -> n.dataStatus().startsWith("STREAMING")).count();
                boolean oneMaster = s.masters().size() == 1 && !s.masters().get(0).equals(notOn);
                if (oneMaster && streaming == s.nodes().stream().filter(n -> !n.witness()).count() - 1) {
                    return s;
                }
                last = "masters " + s.masters() + ", slaves " + s.slaves() + ", " + streaming + " streaming; "
                        + s.nodes().stream().map(n -> n.name() + ": " + n.activity()).toList();
            } catch (ApiClient.ApiException e) {
                last = e.getMessage();
            }
            String dead = cluster.deadAgent();
            if (dead != null) {
                throw new IllegalStateException(dead);
            }
            System.out.print(".");
            System.out.flush();
            Thread.sleep(500); // a progress dot per poll; this is the user-facing wait loop, not synchronisation in a test
        }
        throw new IllegalStateException("the cluster did not become healthy within " + within.toSeconds() + " s: "
                + last);
    }

    private static String connectionString(ClusterStatus status, ApiClient api) {
        String hosts = String.join(",", status.nodes().stream().filter(n -> !n.witness())
                .map(n -> "127.0.0.1:" + pgPort(api, n.name())).toList());
        return "postgresql://" + hosts + "/postgres?user=postgres&target_session_attrs=read-write";
    }

    private static int pgPort(ApiClient api, String node) {
        for (var n : api.cib().path("nodes")) {
            if (n.path("name").asText().equals(node)) {
                return n.path("pgPort").asInt();
            }
        }
        throw new IllegalStateException("node " + node + " is not in the CIB");
    }

    private void stopAgents() {
        cluster.close();
    }

    private Path chooseDir() {
        if (dir != null) {
            return dir.toAbsolutePath().normalize();
        }
        Path here = Path.of("pgpacer-demo").toAbsolutePath();
        return isRoot() && !traversableByOthers(here.getParent()) ? Path.of("/var/tmp/pgpacer-demo") : here;
    }

    // As root, PostgreSQL runs as another user, who must be able to reach the data directory.
    private static boolean traversableByOthers(Path path) {
        for (Path p = path; p != null; p = p.getParent()) {
            try {
                if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        return true;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
