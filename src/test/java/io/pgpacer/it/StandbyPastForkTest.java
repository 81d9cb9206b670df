package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.core.cib.DiscardReport;
import io.pgpacer.core.cib.DiscardedTransaction;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.store.CibJson;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.ClusterHarness.CliRun;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Signals;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 17.4 on 3 real nodes: a standby that is not the old primary replayed WAL past the point where the new
 * primary's timeline forked (it received commits the promoted standby never got). Re-pointed to the new primary by a
 * reload alone, it looped on "forked off ... before current recovery point" and a later pg_rewind failed. Now it gets
 * the start-time check of a starting standby: it is stopped, reported and rewound, and streams the new timeline.
 */
class StandbyPastForkTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @Test
    void aStandbyThatReplayedPastTheNewPrimarysForkIsRewoundWithAReport() throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start("standby-past-fork", 3,
                "timings: {bootstrap-wait: 20s}\n")) {
            try {
                run(cluster);
            } catch (AssertionError | Exception e) {
                cluster.keepData();
                throw e;
            }
        }
    }

    private static void run(ClusterHarness cluster) throws Exception {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        String promoted = healthy.slaves().get(0);
        String ahead = healthy.slaves().get(1);
        execute(cluster, primary, "CREATE TABLE t (id int, note text)", "INSERT INTO t VALUES (1, 'everywhere')");
        Eventually.await("the first row on both standbys", CONVERGE,
                () -> count(cluster, promoted) == 1 && count(cluster, ahead) == 1);

        // Given: the standby that will be ahead is not eligible for the primary role (one failure at
        // migration-threshold 1), so the controller promotes the other one although it lags.
        Signals.send("KILL", ClusterHarness.node(cluster.api().status(), ahead).postmasterPid());
        cluster.awaitStatus(ahead + " streaming again with a fail-count", CONVERGE, s -> ClusterHarness.healthy(s)
                && ClusterHarness.node(s, ahead).failCount() == 1);
        // The primary's WAL sender to the standby to be promoted freezes; the other standby receives 2 commits more.
        long senderOfPromoted = walSender(cluster, primary, promoted);
        Signals.send("STOP", senderOfPromoted);
        execute(cluster, primary, "INSERT INTO t VALUES (2, 'lost')", "INSERT INTO t VALUES (3, 'lost')");
        Eventually.await(ahead + " to replay the 2 commits " + promoted + " never gets", CONVERGE,
                () -> count(cluster, ahead) == 3);
        assertEquals(1, count(cluster, promoted));
        long postmaster = ClusterHarness.node(cluster.api().status(), primary).postmasterPid();
        // why not the other sender: it exits with the postmaster, and may have been replaced by a reconnection
        Signals.send("KILL", senderOfPromoted);
        Signals.send("KILL", postmaster);

        // When: the lagging standby is promoted. Then: every node follows it on its timeline.
        ClusterStatus after = cluster.awaitStatus(promoted + " primary, " + ahead + " and " + primary
                + " streaming from it", Duration.ofSeconds(90), s -> ClusterHarness.healthy(s)
                        && promoted.equals(ClusterHarness.primary(s)));
        execute(cluster, promoted, "INSERT INTO t VALUES (4, 'after the failover')");
        Eventually.await(ahead + " to hold the new primary's rows, without the 2 lost ones", CONVERGE,
                () -> count(cluster, ahead) == 2);
        CliRun reports = cluster.cli("history", "--discarded", ahead, "--json");
        System.out.println("the re-pointed standby's report:\n" + cluster.cli("history", "--discarded", ahead).out());
        List<DiscardReport> aheadReports = List.of(CibJson.mapper().readValue(reports.out(), DiscardReport[].class));
        assertEquals(1, aheadReports.size(), reports.out());
        DiscardReport report = aheadReports.get(0);
        assertEquals(2, report.committed(), report.toString());
        assertEquals(Map.of("public.t", 2L), report.committedRowsByRelation());
        assertTrue(report.transactions().stream().allMatch(t -> t.outcome() == DiscardedTransaction.Outcome.COMMITTED),
                report.toString());
        List<String> texts = new ArrayList<>();
        for (JsonNode event : cluster.apiOf(ahead).call("GET", "/events")) {
            texts.add(event.path("text").asText());
        }
        assertTrue(texts.stream().noneMatch(t -> t.startsWith("now following " + promoted)),
                "a standby past the fork is not merely re-pointed: " + texts);
        System.out.println("status after the failover:\n" + after);
    }

    private static long walSender(ClusterHarness cluster, String primary, String standby) {
        return Eventually.awaitPresent("a WAL sender streaming to " + standby + " on " + primary, CONVERGE, () -> {
            try (Connection c = cluster.connect(primary); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT pid FROM pg_stat_replication WHERE state = 'streaming'"
                         + " AND application_name = '" + standby + "'")) {
                return r.next() ? java.util.Optional.of(r.getLong(1)) : java.util.Optional.empty();
            } catch (SQLException e) {
                return java.util.Optional.empty();
            }
        });
    }

    private static void execute(ClusterHarness cluster, String node, String... statements) throws SQLException {
        try (Connection c = cluster.connect(node); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    private static long count(ClusterHarness cluster, String node) {
        try (Connection c = cluster.connect(node); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM t")) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }
}
