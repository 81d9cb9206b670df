package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.cli.Main;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Maintenance on 3 real nodes: while the cluster is paused, or a node is in maintenance, a dead PostgreSQL
 * there is neither restarted nor failed over, for longer than a lease; once maintenance ends pgpacer repairs
 * the cluster. Status says so prominently.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MaintenanceTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    /** Longer than the 3 s lease plus a monitor interval: without maintenance, pgpacer acts well within it. */
    private static final Duration UNTOUCHED_FOR = Duration.ofSeconds(6);

    private ClusterHarness cluster;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = ClusterHarness.start("maintenance", 3, "timings: {bootstrap-wait: 20s}\n");
        cluster.awaitHealthy(CONVERGE);
    }

    @AfterAll
    void stopCluster() throws Exception {
        cluster.close();
    }

    private String cli(String... args) {
        String[] full = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                java.util.stream.Stream.of("--config", cluster.cluster().config().toString())).toArray(String[]::new);
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.commandLine().execute(full);
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, String.join(" ", args) + " failed: " + out);
        return out;
    }

    private void killPostmaster(ClusterStatus status, String node) {
        ProcessHandle.of(ClusterHarness.node(status, node).postmasterPid()).ifPresent(ProcessHandle::destroyForcibly);
    }

    private boolean stillDown(String node, int promotions) {
        ClusterStatus s = cluster.api().status();
        return !ClusterHarness.node(s, node).pgState().equals("PRIMARY")
                && !ClusterHarness.node(s, node).pgState().equals("STANDBY") && cluster.promotions() == promotions;
    }

    @Test
    @Order(1)
    void aPausedClusterNeitherRestartsNorFailsOverAndRecoversOnResume() {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        int promotions = cluster.promotions();
        cli("cluster", "pause");
        assertTrue(cli("status").contains("*** Resource management is DISABLED ***"), "status must say it");
        killPostmaster(healthy, primary);
        cluster.awaitStatus(primary + " reported down", CONVERGE, s -> s.masters().isEmpty());
        Eventually.holdsFor("no restart and no promotion while paused", UNTOUCHED_FOR,
                () -> stillDown(primary, promotions));
        cli("cluster", "resume");
        ClusterStatus after = cluster.awaitHealthy(CONVERGE);
        assertTrue(!cli("status").contains("DISABLED"), "resumed");
        cluster.api().cleanup(null);
        System.out.println("after resume the primary is " + ClusterHarness.primary(after));
    }

    @Test
    @Order(2)
    void aStandbyInMaintenanceIsLeftDownUntilItLeavesMaintenance() {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String standby = healthy.slaves().get(0);
        int promotions = cluster.promotions();
        cli("node", "maintenance", standby);
        assertTrue(cli("status").contains("Node " + standby + ": maintenance"), "status must say it");
        killPostmaster(healthy, standby);
        cluster.awaitStatus(standby + " reported down", CONVERGE, s -> !s.slaves().contains(standby));
        Eventually.holdsFor(standby + " not restarted while in maintenance", UNTOUCHED_FOR,
                () -> stillDown(standby, promotions));
        cli("node", "unmaintenance", standby);
        cluster.awaitHealthy(CONVERGE);
        cluster.api().cleanup(null);
    }

    @Test
    @Order(3)
    void aPrimaryInMaintenanceIsNotFailedOver() {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        int promotions = cluster.promotions();
        cli("node", "maintenance", primary);
        killPostmaster(healthy, primary);
        cluster.awaitStatus(primary + " reported down", CONVERGE, s -> s.masters().isEmpty());
        Eventually.holdsFor("no failover while the primary is in maintenance", UNTOUCHED_FOR,
                () -> stillDown(primary, promotions));
        cli("node", "unmaintenance", primary);
        cluster.awaitHealthy(CONVERGE);
        cluster.api().cleanup(null);
    }
}
