package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.resource.ResourceFailCount;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.core.status.NodeStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Resources on real agents (2 data nodes and a witness on loopback): {@code msPostgresql} restarted on one standby
 * and left alone while unmanaged, and an operator's {@code exec} resource colocated with the master that runs on
 * the primary only, is restarted in place after its process is killed, and whose failure {@code cleanup} clears.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ResourceExecutionTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    /** Several of the 1 s monitor intervals and longer than the 3 s lease: an agent acting would act within it. */
    private static final Duration UNTOUCHED_FOR = Duration.ofSeconds(6);

    private ClusterHarness cluster;
    private Path pidDir;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = ClusterHarness.start("resources", 2, 1, "timings: {bootstrap-wait: 20s}\n");
        pidDir = cluster.cluster().dir().resolve("daemon");
        Files.createDirectories(pidDir);
        cluster.awaitHealthy(CONVERGE);
    }

    @AfterAll
    void stopCluster() throws Exception {
        try {
            killLeftoverDaemons();
        } finally {
            cluster.close();
        }
    }

    private String cli(String... args) {
        ClusterHarness.CliRun run = cluster.cli(args);
        assertEquals(0, run.exitCode(), String.join(" ", args) + " failed: " + run.out() + run.err());
        return run.out();
    }

    @Test
    @Order(1)
    void restartingMsPostgresqlOnAStandbyRestartsItsPostgresOnce() {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        String standby = healthy.slaves().get(0);
        long before = ClusterHarness.node(healthy, standby).postmasterPid();
        long primaryPid = ClusterHarness.node(healthy, primary).postmasterPid();
        cli("resource", "restart", "msPostgresql", standby);
        ClusterStatus after = cluster.awaitStatus(standby + " restarted and streaming again", CONVERGE, s -> {
            NodeStatus n = ClusterHarness.node(s, standby);
            return n.postmasterPid() != 0 && n.postmasterPid() != before && ClusterHarness.healthy(s);
        });
        assertEquals(primary, ClusterHarness.primary(after), "no failover");
        assertEquals(primaryPid, ClusterHarness.node(after, primary).postmasterPid(), "the primary was not restarted");
        assertEquals(0, ClusterHarness.node(after, standby).failCount(), "an asked-for restart is no failure");
        long restarted = ClusterHarness.node(after, standby).postmasterPid();
        Eventually.holdsFor("restarted once", Duration.ofSeconds(3),
                () -> ClusterHarness.node(cluster.api().status(), standby).postmasterPid() == restarted);
    }

    @Test
    @Order(2)
    void anUnmanagedMsPostgresqlIsNotRestartedUntilManagedAgain() {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String standby = healthy.slaves().get(0);
        int promotions = cluster.promotions();
        cli("resource", "unmanage", "msPostgresql");
        assertTrue(cli("status").contains("unmanaged"), cli("status"));
        long pid = ClusterHarness.node(healthy, standby).postmasterPid();
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        cluster.awaitStatus(standby + " reported down", CONVERGE, s -> down(s, standby));
        Eventually.holdsFor(standby + " left down while msPostgresql is unmanaged", UNTOUCHED_FOR,
                () -> down(cluster.api().status(), standby) && cluster.promotions() == promotions);
        cli("resource", "manage", "msPostgresql");
        ClusterStatus after = cluster.awaitHealthy(CONVERGE);
        assertTrue(ClusterHarness.node(after, standby).postmasterPid() != pid, "started anew");
        cluster.api().cleanup(null);
    }

    private static boolean down(ClusterStatus s, String node) {
        String state = ClusterHarness.node(s, node).pgState();
        return !state.equals("PRIMARY") && !state.equals("STANDBY");
    }

    // --- an exec resource colocated with the master -------------------------------------------------------

    private Path pidFile(String node) {
        return pidDir.resolve("daemon-" + node + ".pid");
    }

    private OptionalLong daemonPid(String node) {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(pidFile(node)).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private boolean daemonRuns(String node) {
        OptionalLong pid = daemonPid(node);
        return pid.isPresent() && ProcessHandle.of(pid.getAsLong()).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    @Order(3)
    void anExecResourceWithTheMasterRunsOnThePrimaryAndIsRestartedWhenItsProcessDies() {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        String standby = healthy.slaves().get(0);
        String file = pidDir + "/daemon-$PGPACER_NODE.pid";
        cli("resource", "create", "daemon", "exec",
                "start=nohup sleep 100000 >/dev/null 2>&1 & echo $! > " + file,
                "stop=[ -f " + file + " ] && kill $(cat " + file + ") 2>/dev/null; rm -f " + file,
                "monitor=[ -f " + file + " ] || exit 7; kill -0 $(cat " + file + ") 2>/dev/null"
                        + " || { echo \"daemon pid $(cat " + file + ") is gone\" >&2; exit 7; }",
                "op", "monitor", "interval=1s", "timeout=5s", "meta", "migration-threshold=3");
        cli("constraint", "add", "colocation", "daemon", "with", "master", "msPostgresql");
        cluster.awaitStatus("daemon started on " + primary, CONVERGE, s -> daemonRuns(primary)
                && s.resources().stream().anyMatch(r -> r.id().equals("daemon") && r.running().equals(List.of(primary))));
        assertTrue(Files.notExists(pidFile(standby)), "never started on the standby");

        long first = daemonPid(primary).getAsLong();
        ProcessHandle.of(first).ifPresent(ProcessHandle::destroyForcibly);
        ClusterStatus failed = cluster.awaitStatus("the monitor saw the daemon die; restarted in place", CONVERGE,
                s -> failCount(s, primary) == 1 && daemonRuns(primary) && daemonPid(primary).getAsLong() != first);
        FailedAction action = failedAction(failed).orElseThrow();
        assertEquals(primary, action.node());
        assertEquals("monitor_1000", action.operation());
        assertEquals(7, action.rc());
        assertTrue(action.exitReason().contains("daemon pid " + first + " is gone"), action.exitReason());
        assertTrue(cli("status").contains("daemon"), cli("status"));
        assertTrue(Files.notExists(pidFile(standby)), "not moved: the fail-count is under its migration-threshold 3");
    }

    @Test
    @Order(4)
    void aFailedResourceShowsInFailedActionsUntilCleanup() {
        String primary = ClusterHarness.primary(cluster.awaitHealthy(CONVERGE));
        cluster.awaitStatus("the daemon's failure recorded", CONVERGE,
                s -> failedAction(s).isPresent() && failCount(s, primary) == 1);
        assertTrue(cli("status").contains("daemon_monitor_1000"), "failed actions as crm_mon shows them: "
                + cli("status"));
        cli("resource", "cleanup", "daemon");
        cluster.awaitStatus("the daemon's fail-count and failed action cleared", CONVERGE,
                s -> failedAction(s).isEmpty() && failCount(s, primary) == 0);
        cluster.awaitStatus("still running on " + primary, CONVERGE, s -> daemonRuns(primary)
                && s.resources().stream().anyMatch(r -> r.id().equals("daemon") && r.running().equals(List.of(primary))));
        cli("resource", "delete", "daemon");
        Eventually.await("the daemon stopped once deleted", CONVERGE, () -> !daemonRuns(primary));
    }

    // Safety: the lease-bound daemon goes with the primary's writes when it loses the majority, before the lease
    // it renewed last (sent before the cut) could expire. Last: the cluster stays cut.
    @Test
    @Order(5)
    void aPrimaryCutOffFromTheMajorityStopsItsLeaseBoundResourceBeforeItsLeaseCouldExpire() {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        String standby = healthy.slaves().get(0);
        String file = pidDir + "/guard-$PGPACER_NODE.pid";
        cli("resource", "create", "guard", "exec",
                "start=nohup sleep 100000 >/dev/null 2>&1 & echo $! > " + file,
                "stop=[ -f " + file + " ] && kill $(cat " + file + ") 2>/dev/null; rm -f " + file,
                "monitor=[ -f " + file + " ] && kill -0 $(cat " + file + ") 2>/dev/null || exit 7",
                "op", "monitor", "interval=1s", "timeout=5s");
        cli("constraint", "add", "colocation", "guard", "with", "master", "msPostgresql");
        Path guardFile = pidDir.resolve("guard-" + primary + ".pid");
        cluster.awaitStatus("guard started on " + primary, CONVERGE, s -> alive(guardFile));
        long postmaster = ClusterHarness.node(healthy, primary).postmasterPid();
        long cutAt = System.nanoTime();
        cluster.cluster().killAgent(standby);
        cluster.cluster().killAgent("witness1");
        Eventually.await("guard stopped on " + primary + " once it lost the majority", Duration.ofSeconds(10),
                () -> !alive(guardFile));
        long guardGoneMillis = (System.nanoTime() - cutAt) / 1_000_000;
        Eventually.await("PostgreSQL fenced on " + primary, Duration.ofSeconds(10),
                () -> ProcessHandle.of(postmaster).map(h -> !h.isAlive()).orElse(true));
        System.out.printf("lease-bound guard stopped %d ms after the cut (lease 3000 ms)%n", guardGoneMillis);
        assertTrue(guardGoneMillis < 3_000, "stopped within the lease time of the cut: " + guardGoneMillis + " ms");
    }

    private static boolean alive(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    private static java.util.Optional<FailedAction> failedAction(ClusterStatus s) {
        return s.failedActions().stream().filter(a -> "daemon".equals(a.resource())).findFirst();
    }

    private static int failCount(ClusterStatus s, String node) {
        return s.resourceFailCounts().stream().filter(f -> f.resource().equals("daemon") && f.node().equals(node))
                .mapToInt(ResourceFailCount::count).sum();
    }

    // The daemons are this test's processes: whatever an agent killed by the test left behind is ended by its pid.
    private void killLeftoverDaemons() throws IOException {
        if (pidDir == null || Files.notExists(pidDir)) {
            return;
        }
        try (Stream<Path> files = Files.list(pidDir)) {
            for (Path file : files.toList()) {
                try {
                    ProcessHandle.of(Long.parseLong(Files.readString(file).trim()))
                            .filter(h -> h.info().command().map(c -> c.endsWith("sleep")).orElse(false))
                            .ifPresent(ProcessHandle::destroyForcibly);
                } catch (IOException | NumberFormatException e) {
                    // a half-written pidfile names no process
                }
            }
        }
    }
}
