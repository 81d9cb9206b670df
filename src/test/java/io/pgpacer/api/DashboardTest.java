package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.model.Lsn;
import io.pgpacer.metrics.FailoverTimer.TimedPromotion;
import io.pgpacer.postgres.PgObservation;
import io.pgpacer.postgres.ReplicaRow;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What only the answering agent knows, as the dashboard's local read shows it. */
class DashboardTest {

    private static final Lsn CURRENT = Lsn.parse("0/5000200");

    private static PgObservation observed(boolean inRecovery, List<ReplicaRow> replicas) {
        return new PgObservation(true, 42, true, inRecovery, 2, CURRENT, Lsn.ZERO, Lsn.ZERO, false, null, 0,
                replicas, null);
    }

    @Test
    void thePrimarysStandbysWithTheirLagInBytesAndSeconds() {
        List<ReplicaRow> rows = List.of(
                new ReplicaRow("node2", "10.0.0.2", "streaming", "sync", CURRENT, CURRENT, Lsn.parse("0/5000100"),
                        Duration.ofMillis(3), Duration.ofMillis(250)),
                // caught up, no WAL flowing: PostgreSQL shows NULL, which is a lag of 0
                new ReplicaRow("node3", "10.0.0.3", "streaming", "async", CURRENT, CURRENT, CURRENT, null, null),
                // connected, nothing replayed yet: neither lag is known
                new ReplicaRow("node4", "10.0.0.4", "startup", "async", Lsn.ZERO, Lsn.ZERO, Lsn.ZERO, null, null));
        List<TimedPromotion> timed = List.of(new TimedPromotion("failover", "node1", "node2", 2130,
                "2026-12-07T03:25:47Z"));

        Dashboard.Local local = Dashboard.local("node1", observed(false, rows), timed);

        assertEquals(List.of(new Dashboard.StandbyLag("node2", "streaming", "sync", 0x100L, 0.25),
                new Dashboard.StandbyLag("node3", "streaming", "async", 0L, 0.0),
                new Dashboard.StandbyLag("node4", "startup", "async", null, null)), local.replication());
        assertEquals(timed, local.timedPromotions());
        assertEquals("node1", local.node());
    }

    @Test
    void aStandbyOrAnAgentThatHasNotLookedYetKnowsNoLagInSeconds() {
        assertEquals(List.of(), Dashboard.local("node2", observed(true, List.of()), List.of()).replication());
        assertEquals(List.of(), Dashboard.local("node2", null, List.of()).replication());
        assertEquals(List.of(), Dashboard.local("node2", PgObservation.unreachable(true, 42, "timeout"), List.of())
                .replication());
    }
}
