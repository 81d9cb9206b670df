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

    // kill -9 of node's postmaster; then neither a restart nor a promotion may follow for longer than a lease.
    private void killAndExpectItLeftAlone(ClusterStatus healthy, String node, String why) {
        int promotions = cluster.promotions();
        ProcessHandle.of(ClusterHarness.node(healthy, node).postmasterPid()).ifPresent(ProcessHandle::destroyForcibly);
        cluster.awaitStatus(node + " reported down", CONVERGE, s -> stillDown(node, s, promotions));
        Eventually.holdsFor(why, UNTOUCHED_FOR, () -> stillDown(node, cluster.api().status(), promotions));
    }

    private boolean stillDown(String node, ClusterStatus s, int promotions) {
        return !ClusterHarness.node(s, node).pgState().equals("PRIMARY")
                && !ClusterHarness.node(s, node).pgState().equals("STANDBY") && cluster.promotions() == promotions;
    }

    @Test
    @Order(1)
    void aPausedClusterNeitherRestartsNorFailsOverAndRecoversOnResume() {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        cli("cluster", "pause");
        assertTrue(cli("status").contains("*** Resource management is DISABLED ***"), "status must say it");
        killAndExpectItLeftAlone(healthy, primary, "no restart and no promotion while paused");
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
        cli("node", "maintenance", standby);
        assertTrue(cli("status").contains("Node " + standby + ": maintenance"), "status must say it");
        killAndExpectItLeftAlone(healthy, standby, standby + " not restarted while in maintenance");
        cli("node", "unmaintenance", standby);
        cluster.awaitHealthy(CONVERGE);
        cluster.api().cleanup(null);
    }

    @Test
    @Order(3)
    void aPrimaryInMaintenanceIsNotFailedOver() {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        cli("node", "maintenance", primary);
        killAndExpectItLeftAlone(healthy, primary, "no failover while the primary is in maintenance");
        cli("node", "unmaintenance", primary);
        cluster.awaitHealthy(CONVERGE);
        cluster.api().cleanup(null);
    }
}
