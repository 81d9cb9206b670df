package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Signals;
import io.pgpacer.testkit.Workload;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The race of S2 and F8: the primary loses its sync standby and the store at the same moment. Its agent is
 * frozen (SIGSTOP: it can neither renew its lease nor fall back to async) and the sync standby's replication is
 * cut (its primary_conninfo emptied), so commits on the primary wait. The majority must promote the recorded
 * sync standby after the lease expired; the old primary, once thawed, must fence itself and rejoin; no
 * acknowledged write may be lost, and no two nodes may accept writes at once.
 */
class SyncRaceTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);


    @Test
    void fallbackCannotRaceAPromotionAndNoAcknowledgedWriteIsLost() throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start("sync-race", 3, "timings: {bootstrap-wait: 20s}\n"
                + "replication: {mode: sync, sync-timeout: 1s}\n")) {
            ClusterStatus healthy = cluster.awaitSyncHealthy(CONVERGE);
            String primary = ClusterHarness.primary(healthy);
            String sync = cluster.recordedSyncStandbys().get(0);
            Workload workload = new Workload(cluster.pgPorts());
            int promotionsBefore = cluster.promotions();
            workload.start(primary);
            Eventually.await("writes on " + primary, CONVERGE, () -> workload.acknowledgedBy(primary) > 20);

            long agentPid = cluster.cluster().agent(primary).pid();
            Signals.send("STOP", agentPid);
            try {
                try (Connection c = cluster.connect(sync); Statement s = c.createStatement()) {
                    s.execute("ALTER SYSTEM SET primary_conninfo = ''");
                    s.execute("SELECT pg_reload_conf()");
                }
                ClusterStatus after = cluster.awaitStatus("the recorded sync standby " + sync + " promoted", CONVERGE,
                        s -> sync.equals(ClusterHarness.primary(s)));
                assertEquals("failover", after.lastPromotion().reason());
                Eventually.await("writes on " + sync, CONVERGE, () -> workload.acknowledgedBy(sync) > 0);
                try (Connection c = cluster.connect(sync); Statement s = c.createStatement()) {
                    s.execute("ALTER SYSTEM RESET primary_conninfo");
                    s.execute("SELECT pg_reload_conf()");
                }
            } finally {
                Signals.send("CONT", agentPid);
            }
            cluster.awaitStatus(primary + " fenced and back as a standby of " + sync, CONVERGE,
                    s -> ClusterHarness.healthy(s) && sync.equals(ClusterHarness.primary(s)));
            workload.stop();
            Workload.Verdict verdict = workload.verdict(sync, cluster.promotions() - promotionsBefore);
            System.out.println("workload verdict (sync race): " + verdict);
            assertEquals(List.of(), verdict.lost(), "no acknowledged write may be lost");
            assertEquals(List.of(), verdict.overlaps(), "no two nodes may accept writes at overlapping times");
        }
    }
}
