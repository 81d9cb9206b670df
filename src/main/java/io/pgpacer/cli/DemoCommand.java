package io.pgpacer.cli;

import io.pgpacer.api.ApiClient;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.core.status.NodeStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pgpacer demo}: a real 3-node cluster on this machine — PostgreSQL on loopback ports, three agent
 * processes forming a Raft group — for a first look, and a failover to watch.
 */
@Command(name = "demo", description = {"Start a 3-node cluster on this machine and wait until it is healthy.",
        "Real PostgreSQL, real streaming replication and a real Raft store, on loopback ports. It prints the",
        "status, how to connect, and the line that points the other commands at this cluster",
        "(export PGPACER_CONFIG=...). Ctrl-C stops everything it started. Running it again on the same",
        "directory restarts the same cluster, without the fail-counts its previous run left."})
final class DemoCommand implements Callable<Integer> {

    private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(180);

    /**
     * The environment variable in which bin/pgpacer (and the packaged launcher) name themselves, so that the
     * commands the demo prints run as printed from any directory; without it they say {@code pgpacer}.
     */
    static final String LAUNCHER_VARIABLE = "PGPACER_COMMAND";

    /** The exit status of a demo that Ctrl-C stopped, as a shell reports a process ended by SIGINT. */
    private static final int STOPPED_BY_SIGNAL = 130;

    @Option(names = "--dir", description = "Where the demo keeps its data and logs (default: ./pgpacer-demo, or "
            + "/var/tmp/pgpacer-demo when the current directory is not readable by PostgreSQL's OS user).")
    Path dir;

    @Option(names = "--failover", description = "Once healthy, kill -9 the primary's postmaster and show the takeover.")
    boolean failover;

    @Option(names = "--no-wait", description = "Stop the cluster after showing it instead of waiting for Ctrl-C.")
    boolean noWait;

    private LoopbackCluster cluster;
    private String pgpacer;
    private final AtomicBoolean stopClaimed = new AtomicBoolean();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        Path home = chooseDir();
        pgpacer = launcher(System.getenv());
        boolean restart = Files.exists(home.resolve("cluster.yaml"));
        Path token = home.resolve("api.token");
        cluster = LoopbackCluster.in(home, 3, "timings: {bootstrap-wait: 20s}\n"
                + "api: {token-file: \"" + token.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"}\n");
        if (!restart) {
            writeToken(token);
        }
        Path config = cluster.config();
        System.out.println("pgpacer demo: data, configuration and logs in " + home);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "pgpacer-demo-stop"));
        for (String node : cluster.nodes()) {
            // why the lock: an agent started just after a Ctrl-C's stop would be left running.
            synchronized (this) {
                if (stopClaimed.get()) {
                    return STOPPED_BY_SIGNAL;
                }
                cluster.start(node);
            }
        }
        ApiClient api = AgentTarget.ofConfig(config).client();
        Optional<ClusterStatus> healthy = awaitHealthy(api, null, restart);
        if (healthy.isEmpty()) {
            return STOPPED_BY_SIGNAL;
        }
        ClusterStatus status = healthy.get();
        System.out.println();
        System.out.print(StatusPrinter.render(status, true));
        System.out.println();
        System.out.println("Connect to whichever node is primary (libpq tries each and keeps the writable one):");
        System.out.println("  psql '" + connectionString(status, api) + "'");
        System.out.println("Point the other commands at this cluster (in any shell), then watch it:");
        System.out.println("  " + exportLine(config));
        System.out.println("  " + pgpacer + " status --full");
        if (failover && !demonstrateFailover(api, status)) {
            return STOPPED_BY_SIGNAL;
        }
        if (noWait) {
            stop();
            return 0;
        }
        System.out.println("\nThe cluster keeps running; press Ctrl-C to stop it (data stays in " + home + ").");
        stopped.await();
        return STOPPED_BY_SIGNAL;
    }

    // A cluster with a token, as a real one should be (the agents warn without one); the CLI finds the file through
    // the configuration. Owner-only from the start, as the replication password in cluster.yaml.
    private static void writeToken(Path token) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Files.deleteIfExists(token);
        Files.createFile(token, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(token, Base64.getEncoder().encodeToString(random) + "\n", StandardCharsets.US_ASCII);
    }

    /** The line that points every other command at {@code config}, as a shell runs it. */
    static String exportLine(Path config) {
        return "export " + AgentTarget.CONFIG_VARIABLE + "=" + shellWord(config.toString());
    }

    /** How the commands the demo prints call pgpacer: the launcher that started it, else {@code pgpacer}. */
    static String launcher(Map<String, String> environment) {
        String named = environment.get(LAUNCHER_VARIABLE);
        return named == null || named.isBlank() ? "pgpacer" : shellWord(named);
    }

    /** {@code text} as one shell word: as it is when that is safe, else in single quotes. */
    static String shellWord(String text) {
        if (!text.isEmpty() && text.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c)
                || "/._-+:,@%=".indexOf(c) >= 0))) {
            return text;
        }
        return "'" + text.replace("'", "'\\''") + "'";
    }

    // Runs once, from Ctrl-C's shutdown hook or after --no-wait; a second caller waits for the first to finish.
    private void stop() {
        if (!stopClaimed.compareAndSet(false, true)) {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        stopRequested.countDown();
        System.out.println();
        System.out.println("pgpacer demo: stopping " + String.join(", ", cluster.nodes()) + " ...");
        System.out.flush();
        synchronized (this) {
            cluster.close();
        }
        System.out.println("pgpacer demo: stopped; the data stays in " + cluster.dir() + "; start it again with: "
                + restartCommand());
        System.out.flush();
        stopped.countDown();
    }

    private String restartCommand() {
        return pgpacer + " demo --dir " + shellWord(cluster.dir().toString());
    }

    // False when Ctrl-C stopped the demo during the failover.
    private boolean demonstrateFailover(ApiClient api, ClusterStatus before) throws InterruptedException {
        NodeStatus primary = before.nodes().stream().filter(n -> "PRI".equals(n.pgsqlStatus())).findFirst()
                .orElseThrow();
        System.out.println("\n=== Failover: kill -9 of " + primary.name() + "'s postmaster (pid "
                + primary.postmasterPid() + ") ===");
        long start = System.nanoTime();
        ProcessHandle.of(primary.postmasterPid()).ifPresent(ProcessHandle::destroyForcibly);
        Optional<ClusterStatus> healthy = awaitHealthy(api, primary.name(), false);
        if (healthy.isEmpty()) {
            return false;
        }
        ClusterStatus after = healthy.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%nHealthy again %.1f s after the kill: %s is the new primary, and %s rejoined as its standby.%n%n",
                seconds, after.masters().get(0), primary.name());
        System.out.print(StatusPrinter.render(after, true));
        return true;
    }

    /**
     * Waits until one primary runs (not {@code notOn}) and every other data node streams from it; empty when Ctrl-C
     * stops the demo meanwhile.
     *
     * @param restart whether this run restarts a cluster of an earlier run, whose fail-counts are then cleared
     * @throws CommandFailure saying why the cluster did not become healthy and how to start it again
     */
    private Optional<ClusterStatus> awaitHealthy(ApiClient api, String notOn, boolean restart)
            throws InterruptedException {
        long deadline = System.nanoTime() + HEALTHY_WITHIN.toNanos();
        boolean firstAnswer = true;
        ClusterStatus last = null;
        String lastError = "no agent answered yet";
        while (System.nanoTime() < deadline) {
            try {
                ClusterStatus s = api.status();
                if (firstAnswer && restart) {
                    clearFailCountsOfEarlierRun(api, s);
                }
                firstAnswer = false;
                last = s;
                if (healthy(s, notOn)) {
                    return Optional.of(s);
                }
            } catch (ApiClient.ApiException e) {
                lastError = e.getMessage();
            }
            String dead = cluster.deadAgent();
            // why the grace: Ctrl-C reaches the agents too, and one may end before this JVM's hook says it stops.
            if (dead != null) {
                if (stopRequested.await(2, TimeUnit.SECONDS)) {
                    return Optional.empty();
                }
                throw CommandFailure.failed(dead + lastLogLine(dead) + "; fix that, then start the demo again: "
                        + restartCommand(), null);
            }
            System.out.print(".");
            System.out.flush();
            // A progress dot per poll; Ctrl-C ends the wait at once.
            if (stopRequested.await(500, TimeUnit.MILLISECONDS)) {
                return Optional.empty();
            }
        }
        System.out.println();
        throw CommandFailure.failed(notHealthy(last, lastError), null);
    }

    private static boolean healthy(ClusterStatus s, String notOn) {
        long streaming = s.nodes().stream().filter(n -> n.dataStatus().startsWith("STREAMING")).count();
        boolean oneMaster = s.masters().size() == 1 && !s.masters().get(0).equals(notOn);
        return oneMaster && streaming == s.nodes().stream().filter(n -> !n.witness()).count() - 1;
    }

    // A full cluster start clears the fail-counts of the run before, as Pacemaker forgets them when its cluster
    // stops: a failure of a stopped cluster (a postmaster stopped with it, a slow first start) must not keep every
    // node from becoming primary now.
    private static void clearFailCountsOfEarlierRun(ApiClient api, ClusterStatus s) {
        List<String> failed = s.nodes().stream().filter(n -> n.failCount() > 0)
                .map(n -> n.name() + " (" + n.failCount() + ")").toList();
        if (failed.isEmpty()) {
            return;
        }
        api.cleanup(null);
        System.out.println();
        System.out.println("pgpacer demo: cleared the fail-counts of the previous run: " + String.join(", ", failed));
    }

    // One sentence: what keeps the cluster from being healthy, and the command that starts it again.
    private String notHealthy(ClusterStatus last, String lastError) {
        String logs = cluster.nodes().stream().map(n -> cluster.log(n).getFileName().toString())
                .collect(Collectors.joining(", "));
        String why;
        if (last == null) {
            why = "no agent answered (" + lastError + ")";
        } else {
            List<String> blocked = last.nodes().stream()
                    .filter(n -> !n.witness() && last.migrationThreshold() > 0
                            && n.failCount() >= last.migrationThreshold())
                    .map(n -> n.name() + " has fail-count " + n.failCount() + " after '" + n.lastFailure() + "'")
                    .toList();
            String activities = last.nodes().stream().map(n -> n.name() + ": " + n.activity())
                    .collect(Collectors.joining("; "));
            why = (last.masters().isEmpty() ? "no primary" : "primary " + last.masters())
                    + (blocked.isEmpty() ? "" : " (" + String.join(", ", blocked) + ", migration-threshold "
                            + last.migrationThreshold() + ")")
                    + ", " + activities;
        }
        return "the cluster did not become healthy within " + HEALTHY_WITHIN.toSeconds() + " s: " + why
                + "; the agents' logs are " + logs + " in " + cluster.dir()
                + "; start it again, which clears fail-counts, with: " + restartCommand();
    }

    // The agent's last words (a refusal is one line at the end of its log), to say why it ended.
    private String lastLogLine(String deadAgentSentence) {
        for (String node : cluster.nodes()) {
            if (cluster.agent(node) == null && deadAgentSentence.startsWith(node + "'s")) {
                try (Stream<String> lines = Files.lines(cluster.log(node))) {
                    return lines.filter(l -> !l.isBlank()).reduce((a, b) -> b).map(l -> ": " + l.strip()).orElse("");
                } catch (IOException | UncheckedIOException e) {
                    return "";
                }
            }
        }
        return "";
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
