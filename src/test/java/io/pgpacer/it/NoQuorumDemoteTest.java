package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Signals;
import io.pgpacer.testkit.Workload;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * no-quorum-policy {@code demote} with real agents on loopback: given a healthy 3-node cluster under a write
 * workload, when both other agents freeze (SIGSTOP: the primary's agent loses the store's majority while every
 * PostgreSQL keeps running), then the primary stops taking writes before its lease could expire and comes back
 * read-only, still serving the data it has; once the agents thaw, the cluster has one primary again, and no two
 * nodes ever took writes at overlapping times.
 */
class NoQuorumDemoteTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    /** SQLSTATE read_only_sql_transaction. */
    private static final String READ_ONLY = "25006";


    @Test
    void aPrimaryCutOffFromTheMajorityServesReadsOnlyAndTheClusterRecovers() throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start("no-quorum-demote", 3,
                "timings: {bootstrap-wait: 20s}\nno-quorum-policy: demote\n")) {
            String primary = ClusterHarness.primary(cluster.awaitHealthy(CONVERGE));
            Workload workload = new Workload(cluster.pgPorts());
            int promotionsBefore = cluster.promotions();
            workload.start(primary);
            Eventually.await("writes on " + primary, CONVERGE, () -> workload.acknowledgedBy(primary) > 20);

            List<Long> frozen = new ArrayList<>();
            for (String node : cluster.cluster().nodes()) {
                if (!node.equals(primary)) {
                    frozen.add(cluster.cluster().agent(node).pid());
                }
            }
            long cutAt = System.nanoTime();
            for (long pid : frozen) {
                Signals.send("STOP", pid);
            }
            long writesStoppedAfter;
            try {
                Eventually.await(primary + " running read-only", CONVERGE, () -> inRecovery(cluster, primary));
                writesStoppedAfter = (workload.acks().get(workload.acks().size() - 1).ackNanos() - cutAt) / 1_000_000;
                try (Connection c = cluster.connect(primary); Statement s = c.createStatement()) {
                    SQLException refused = assertThrows(SQLException.class,
                            () -> s.execute("SET default_transaction_read_only = off; CREATE TABLE demoted (x int)"));
                    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pgpacer_workload")) {
                        rs.next();
                        long rows = rs.getLong(1);
                        assertAll("the demoted primary " + primary,
                                () -> assertEquals(READ_ONLY, refused.getSQLState(), refused.getMessage()),
                                () -> assertTrue(rows > 0, "it still serves the rows it had: " + rows));
                    }
                }
            } finally {
                for (long pid : frozen) {
                    Signals.send("CONT", pid);
                }
            }
            long thawAt = System.nanoTime();
            System.out.printf("no-quorum-policy demote: the last write %s acknowledged came %d ms after the other"
                    + " agents froze (lease time 3000 ms)%n", primary, writesStoppedAfter);
            String finalPrimary = ClusterHarness.primary(cluster.awaitStatus("one primary and both standbys streaming"
                    + " after the thaw", CONVERGE, ClusterHarness::healthy));
            Eventually.await("writes on " + finalPrimary + " after the thaw", CONVERGE,
                    () -> workload.firstAckBy(finalPrimary, thawAt) > 0);
            workload.stop();
            Workload.Verdict verdict = workload.verdict(finalPrimary, cluster.promotions() - promotionsBefore);
            System.out.println("workload verdict (no-quorum demote): " + verdict);
            assertEquals(List.of(), verdict.overlaps(), "no two nodes may take writes at overlapping times");
        }
    }

    private static boolean inRecovery(ClusterHarness cluster, String node) {
        try (Connection c = cluster.connect(node); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
            return rs.next() && rs.getBoolean(1);
        } catch (SQLException e) {
            return false;
        }
    }
}
