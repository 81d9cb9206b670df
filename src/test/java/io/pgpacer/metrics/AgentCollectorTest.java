package io.pgpacer.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.FailCount;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.postgres.PgObservation;
import io.pgpacer.postgres.ReplicaRow;
import io.pgpacer.store.ClusterStore.StoreInfo;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The metrics of hand-made agent facts, as the Prometheus text format shows them: node2 is the primary of
 * node1 (streaming, replay 1 MiB behind) and node3 (caught up and idle, so PostgreSQL shows its lag as NULL).
 */
class AgentCollectorTest {

    private static final Cib CIB = Cib.EMPTY
            .initializedAs("pgcluster", List.of(
                    new NodeSpec("node1", "10.0.0.1", 8008, 7400, 5432, false),
                    new NodeSpec("node2", "10.0.0.2", 8008, 7400, 5432, false),
                    new NodeSpec("node3", "10.0.0.3", 8008, 7400, 5432, false),
                    new NodeSpec("arbiter", "10.0.0.4", 8008, 7400, 5432, true)), ClusterSettings.DEFAULTS)
            .withLease(new Lease("node2", 3, 17))
            .withFailCount("node1", new FailCount(2, "2025-01-02T00:00:00Z"))
            .withHistoryEntry(promotion("node1", 1, "initial start (initdb)", true))
            .withHistoryEntry(promotion("node2", 2, "failover", true))
            .withHistoryEntry(promotion("node1", 3, "switchover", true))
            .withHistoryEntry(promotion("node2", 4, "failover", true))
            .withHistoryEntry(promotion("node3", 5, "failover", false))
            .withDiscards(io.pgpacer.core.cib.DiscardLog.EMPTY
                    .with(io.pgpacer.core.cib.DiscardReport.read("node1", "t", "pg_rewind", 2, "diverged", 1,
                            Lsn.ZERO, Lsn.ZERO, List.of(new io.pgpacer.core.cib.DiscardedTransaction(730,
                                    io.pgpacer.core.cib.DiscardedTransaction.Outcome.COMMITTED, "t", Lsn.ZERO,
                                    List.of()))))
                    .with(io.pgpacer.core.cib.DiscardReport.nothingPastFork("node1", "t", "repair", 4, "at the fork")));

    private static final Lsn CURRENT = Lsn.parse("0/5000000");
    private static final PgObservation PRIMARY = new PgObservation(true, 4242, true, false, 4, CURRENT, Lsn.ZERO,
            Lsn.ZERO, false, null, 0, List.of(
                    new ReplicaRow("node1", "10.0.0.1", "streaming", "sync", CURRENT, Lsn.parse("0/4F80000"),
                            Lsn.parse("0/4F00000"), Duration.ofMillis(1500), Duration.ofMillis(2250)),
                    new ReplicaRow("node3", "10.0.0.3", "streaming", "async", CURRENT, CURRENT, CURRENT, null,
                            null)), null);
    private static final NodeReport PRIMARY_REPORT = new NodeReport("node2", 9, PgState.PRIMARY, 4242, 4, CURRENT,
            Lsn.ZERO, null, false, List.of(), "primary", null, "2025-01-03T00:00:00Z");

    @Test
    void thePrimaryShowsItsRoleLagLeaseRaftAndTheClusterHistory() {
        String text = render(new AgentFacts("node2", false, PRIMARY_REPORT, PRIMARY, 250, OptionalLong.of(1500),
                new StoreInfo("node2", "node2", 7, 120, 119), CIB, new FailoverTimer.Failover("node1", "node2", 4200)));

        assertLines(text,
                "pgpacer_role{node=\"node2\",role=\"primary\"} 1.0",
                "pgpacer_role{node=\"node2\",role=\"standby\"} 0.0",
                "pgpacer_role{node=\"node2\",role=\"witness\"} 0.0",
                "pgpacer_postgres_timeline{node=\"node2\"} 4.0",
                "pgpacer_observation_age_seconds{node=\"node2\"} 0.25",
                "pgpacer_wal_current_lsn_bytes{node=\"node2\"} 8.388608E7",
                "pgpacer_replication_replay_lag_bytes{node=\"node2\",standby=\"node1\"} 1048576.0",
                "pgpacer_replication_flush_lag_bytes{node=\"node2\",standby=\"node1\"} 524288.0",
                "pgpacer_replication_replay_lag_seconds{node=\"node2\",standby=\"node1\"} 2.25",
                "pgpacer_replication_flush_lag_seconds{node=\"node2\",standby=\"node1\"} 1.5",
                "pgpacer_replication_replay_lag_bytes{node=\"node2\",standby=\"node3\"} 0.0",
                "pgpacer_replication_replay_lag_seconds{node=\"node2\",standby=\"node3\"} 0.0",
                "pgpacer_lease_held{node=\"node2\"} 1.0",
                "pgpacer_lease_remaining_seconds{node=\"node2\"} 1.5",
                "pgpacer_raft_term{node=\"node2\"} 7.0",
                "pgpacer_raft_is_leader{node=\"node2\"} 1.0",
                "pgpacer_raft_leader_info{leader=\"node2\",node=\"node2\"} 1",
                "pgpacer_raft_commit_index{node=\"node2\"} 120.0",
                "pgpacer_raft_applied_index{node=\"node2\"} 119.0",
                "pgpacer_fail_count{node=\"node1\"} 2.0",
                "pgpacer_fail_count{node=\"node3\"} 0.0",
                "pgpacer_promotions_total{reason=\"initial start\"} 1.0",
                "pgpacer_promotions_total{reason=\"failover\"} 2.0",
                "pgpacer_promotions_total{reason=\"switchover\"} 1.0",
                "pgpacer_promotions_total{reason=\"forced\"} 0.0",
                "pgpacer_discarded_transactions_total{node=\"node1\"} 1.0",
                "pgpacer_discarded_transactions_total{node=\"node2\"} 0.0",
                "pgpacer_discard_reports_nonempty_total{node=\"node1\"} 1.0",
                "pgpacer_discard_reports_nonempty_total{node=\"node3\"} 0.0",
                "pgpacer_last_failover_duration_seconds{new_primary=\"node2\",node=\"node2\",old_primary=\"node1\"}"
                        + " 4.2");
        assertFalse(text.contains("pgpacer_wal_replay_lsn_bytes{"), "a primary has no replay position:\n" + text);
        assertFalse(text.contains("pgpacer_fail_count{node=\"arbiter\"}"), "a witness runs no PostgreSQL:\n" + text);
    }

    @Test
    void aStandbyShowsItsPositionsAndNoLagOrLease() {
        Lsn received = Lsn.parse("0/5000000");
        Lsn replayed = Lsn.parse("0/4FFFF00");
        PgObservation standby = new PgObservation(true, 4343, true, true, 4, Lsn.ZERO, received, replayed, true,
                "10.0.0.2", 5432, List.of(), null);
        NodeReport report = new NodeReport("node1", 5, PgState.STANDBY, 4343, 4, received, replayed, "node2", true,
                List.of(), "streaming from node2", null, "2025-01-03T00:00:00Z");
        String text = render(new AgentFacts("node1", false, report, standby, 100, OptionalLong.empty(),
                new StoreInfo("node1", "node2", 7, 120, 120), CIB, null));

        assertLines(text,
                "pgpacer_role{node=\"node1\",role=\"primary\"} 0.0",
                "pgpacer_role{node=\"node1\",role=\"standby\"} 1.0",
                "pgpacer_wal_receive_lsn_bytes{node=\"node1\"} 8.388608E7",
                "pgpacer_wal_replay_lsn_bytes{node=\"node1\"} 8.3885824E7",
                "pgpacer_lease_held{node=\"node1\"} 0.0",
                "pgpacer_lease_remaining_seconds{node=\"node1\"} 0.0",
                "pgpacer_raft_is_leader{node=\"node1\"} 0.0",
                "pgpacer_raft_leader_info{leader=\"node2\",node=\"node1\"} 1");
        assertFalse(text.contains("pgpacer_replication_replay_lag_bytes"), "lag is the primary's view:\n" + text);
        assertFalse(text.contains("pgpacer_wal_current_lsn_bytes{"), "a standby has no write position:\n" + text);
        assertFalse(text.contains("pgpacer_last_failover_duration_seconds"), "no failover timed yet:\n" + text);
    }

    @Test
    void aWitnessIsOnlyAWitnessAndAnAgentNotYetObservedIsUnknown() {
        StoreInfo raft = new StoreInfo("arbiter", null, 1, 3, 3);
        String witness = render(new AgentFacts("arbiter", true, null, null, 0, OptionalLong.empty(), raft, CIB, null));
        assertLines(witness, "pgpacer_role{node=\"arbiter\",role=\"witness\"} 1.0",
                "pgpacer_role{node=\"arbiter\",role=\"unknown\"} 0.0");
        assertFalse(witness.contains("pgpacer_raft_leader_info"), "no leader known:\n" + witness);
        assertFalse(witness.contains("pgpacer_postgres_timeline"), witness);

        String starting = render(new AgentFacts("node3", false, null, null, 0, OptionalLong.empty(), raft, CIB, null));
        assertLines(starting, "pgpacer_role{node=\"node3\",role=\"unknown\"} 1.0",
                "pgpacer_role{node=\"node3\",role=\"witness\"} 0.0");
    }

    @Test
    void aNullLagIsZeroOnlyWhenTheStandbyHoldsEverythingSent() {
        Lsn sent = Lsn.parse("0/5000000");
        assertEquals(0.0, AgentCollector.lagSeconds(null, sent, sent).orElseThrow());
        assertTrue(AgentCollector.lagSeconds(null, Lsn.parse("0/4000000"), sent).isEmpty(),
                "not measured yet while behind: unknown, not 0");
        assertTrue(AgentCollector.lagSeconds(null, Lsn.ZERO, Lsn.ZERO).isEmpty(), "nothing sent yet");
        assertEquals(0.5, AgentCollector.lagSeconds(Duration.ofMillis(500), Lsn.ZERO, sent).orElseThrow());
    }

    private static void assertLines(String text, String... expected) {
        List<String> lines = Arrays.asList(text.split("\n"));
        for (String line : expected) {
            assertTrue(lines.contains(line), "expected the line\n  " + line + "\nin\n" + text);
        }
    }

    private static String render(AgentFacts facts) {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new AgentCollector(() -> facts));
        return PrometheusTextFormatWriter.create().toDebugString(registry.scrape());
    }

    private static PromotionRecord promotion(String node, long timeline, String reason, boolean confirmed) {
        return new PromotionRecord(node, timeline - 1, Lsn.parse("0/3000000"), timeline, "2025-01-01T00:00:00Z",
                reason, confirmed);
    }
}
