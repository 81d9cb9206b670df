package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Workload;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Quorum commit, ANY 2 of 3 standbys, with a witness so the store keeps its majority: the primary and one
 * standby die at once; the survivors are asked, and the more advanced one is promoted without losing an
 * acknowledged commit.
 */
class QuorumReplicationTest {

    private static final Duration CONVERGE = Duration.ofSeconds(90);

    @Test
    void losingThePrimaryAndOneStandbyPromotesTheMostAdvancedSurvivorAndLosesNothing() throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start("quorum", 4, 1,
                "timings: {bootstrap-wait: 30s}\nreplication: {mode: quorum, quorum: 2, sync-timeout: 3s}\n")) {
            ClusterStatus healthy = cluster.awaitStatus("three standbys recorded, each acknowledging as quorum",
                    Duration.ofSeconds(180), s -> ClusterHarness.healthy(s) && cluster.recordedSyncStandbys().size() == 3
                            && s.slaves().stream().allMatch(n -> "STREAMING|QUORUM".equals(ClusterHarness.node(s, n).dataStatus())));
            JsonNode sync = cluster.api().cib().path("syncSet");
            assertEquals(2, sync.path("minAcks").asInt(), "every commit waits for 2 standbys");
            String primary = ClusterHarness.primary(healthy);
            String victim = healthy.slaves().get(0);
            Workload workload = new Workload(cluster.pgPorts());
            int promotionsBefore = cluster.promotions();
            workload.start(primary);
            Eventually.await("writes on " + primary, CONVERGE, () -> workload.acknowledgedBy(primary) > 20);

            List<String> recordedBefore = cluster.recordedSyncStandbys();
            long faultAt = System.nanoTime();
            cluster.cluster().killAgent(primary);
            cluster.cluster().killAgent(victim);
            ClusterStatus after = cluster.awaitStatus("a new primary among the surviving standbys", CONVERGE,
                    s -> ClusterHarness.primary(s) != null && !List.of(primary, victim).contains(ClusterHarness.primary(s)));
            String promoted = ClusterHarness.primary(after);
            assertTrue(recordedBefore.contains(promoted), promoted + " must have been a recorded quorum standby "
                    + recordedBefore);
            long back = Eventually.await("writes on " + promoted, CONVERGE, () -> workload.firstAckBy(promoted, faultAt),
                    t -> t > 0);
            System.out.printf("quorum: %s and %s killed, %s promoted, writes back after %d ms%n", primary, victim,
                    promoted, (back - faultAt) / 1_000_000);
            workload.stop();
            Workload.Verdict verdict = workload.verdict(promoted, cluster.promotions() - promotionsBefore);
            System.out.println("workload verdict (quorum ANY 2 of 3): " + verdict);
            assertEquals(List.of(), verdict.lost(), "no acknowledged commit may be lost");
            assertEquals(List.of(), verdict.overlaps());
        }
    }
}
