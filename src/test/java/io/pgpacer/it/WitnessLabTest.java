package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.KeepClusterOnFailure;
import io.pgpacer.testkit.lab.LabCluster;
import io.pgpacer.testkit.lab.LabFault;
import io.pgpacer.testkit.lab.LabScenario;
import io.pgpacer.testkit.lab.LabScenario.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two data hosts and a witness in the network-namespace lab (brief F2: a 2-node cluster survives the loss of
 * either data node because a witness gives the store its majority), asynchronous replication, default timings,
 * a client writing through the writer VIP. The witness runs no PostgreSQL; killing it changes nothing for the
 * clients; isolating the primary's host moves the primary and the VIP to the other data node, and the old
 * primary rejoins after the heal. Steps run in order on one cluster; each prints its figures before it asserts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(KeepClusterOnFailure.class)
class WitnessLabTest {
    private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
    private static final String WITNESS = LabCluster.WITNESS;
    /** How long the clients write with the witness dead: several lease times, so a lost lease would show. */
    private static final Duration WITNESS_DEAD = Duration.ofSeconds(10);

    private LabCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = LabCluster.start("witness", 2, true, "");
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void theWitnessVotesButRunsNoPostgresql() throws IOException {
        ClusterStatus status = cluster.awaitHealthy(BOOTSTRAP);
        String primary = ClusterHarness.primary(status);
        cluster.awaitVipOn(primary);
        List<String> programs = cluster.host(WITNESS).pids().stream().map(WitnessLabTest::program).toList();
        System.out.printf("witness: primary %s, controller %s, programs in the witness host: %s%n", primary,
                status.controller(), programs);
        assertAll("the witness",
                () -> assertTrue(ClusterHarness.node(status, WITNESS).witness(), "status shows a witness: " + status),
                () -> assertTrue(status.online().contains(WITNESS), "the witness is online: " + status.online()),
                () -> assertFalse(programs.contains("postgres"), "no PostgreSQL in the witness host: " + programs),
                () -> assertFalse(Files.exists(cluster.dir().resolve(WITNESS).resolve("data")),
                        "the witness has no data directory"),
                () -> assertEquals(List.of(), cluster.vipHolders().stream().filter(WITNESS::equals).toList(),
                        "the witness never holds the VIP"));
    }

    @Test
    @Order(2)
    void killingTheWitnessLeavesThePrimaryAndItsWritesAloneAndItRejoins() throws Exception {
        String controller = cluster.api().status().controller();
        LabScenario s = LabScenario.begin(cluster, "witness_kill");
        s.inject(() -> cluster.kill9Agent(WITNESS));
        cluster.awaitStatus("the witness offline", LabScenario.CONVERGE, st -> st.offline().contains(WITNESS));
        long until = s.faultAt() + WITNESS_DEAD.toNanos();
        Eventually.await("writes acknowledged by " + s.old() + " through the VIP " + WITNESS_DEAD.toSeconds()
                + " s after the witness died", LabScenario.CONVERGE, () -> s.writer().firstAckBy(s.old(), until) > 0);
        ClusterStatus whileDead = cluster.awaitHealthy(LabScenario.CONVERGE);
        long restartedAt = System.nanoTime();
        cluster.startAgent(WITNESS);
        cluster.awaitStatus("the witness online again", LabScenario.CONVERGE,
                st -> ClusterHarness.healthy(st) && st.online().contains(WITNESS));
        long rejoinedMs = (System.nanoTime() - restartedAt) / 1_000_000;
        int promotions = s.promotionsSinceBegin();
        System.out.printf("witness kill: the store's leader was %s before, %s while the witness was dead; the witness"
                + " was online again %d ms after its agent was started; %d promotion(s)%n", controller,
                whileDead.controller(), rejoinedMs, promotions);
        Outcome o = s.end(s.old());
        s.assertSafe("witness kill", o, true,
                () -> assertEquals(s.old(), ClusterHarness.primary(whileDead), "the primary stays: " + whileDead),
                () -> assertEquals(0, promotions, "no failover without the witness"));
    }

    @Test
    @Order(3)
    void anIsolatedPrimaryIsReplacedByTheOtherDataNodeAndRejoinsAfterTheHeal() throws Exception {
        LabScenario s = LabScenario.begin(cluster, "witness_isolate");
        String promoted = LabFault.ISOLATE_DROP.run(s);
        cluster.awaitVipOn(promoted);
        Outcome o = s.end(promoted);
        String other = cluster.dataNodes().stream().filter(n -> !n.equals(s.old())).findFirst().orElseThrow();
        s.assertSafe("isolated primary " + s.old() + " beside a witness", o, false,
                () -> assertEquals(other, promoted, "the other data node takes over"));
    }

    // The program's name as the kernel knows it (comm), or "" for a process that ended meanwhile.
    private static String program(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
