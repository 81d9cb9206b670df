package io.pgpacer.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.model.Lsn;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Failover timing from the CIBs an agent applies, by a manual clock. */
class FailoverTimerTest {

    private static final String AT = "2025-01-01T00:00:00Z";

    private final AtomicLong clock = new AtomicLong(10_000);
    private final FailoverTimer timer = new FailoverTimer(clock::get);

    private static final Cib START = Cib.EMPTY
            .initializedAs("pgcluster", List.of(
                    new NodeSpec("node1", "10.0.0.1", 8008, 7400, 5432, false),
                    new NodeSpec("node2", "10.0.0.2", 8008, 7400, 5432, false)), ClusterSettings.DEFAULTS)
            .withLease(new Lease("node1", 1, 40))
            .withHistoryEntry(promotion("node1", 1, "initial start").confirm(1));

    @Test
    void fromTheOldPrimarysLastRenewalSeenToTheConfirmedPromotion() {
        apply(START, 0);
        apply(START.withLease(new Lease("node1", 1, 41)), 500);
        Cib renewedLast = START.withLease(new Lease("node1", 1, 42));
        apply(renewedLast, 750);
        // node1 dies: no renewal for the lease time, the leader expires the lease and node2 takes it.
        Cib expired = renewedLast.withLease(new Lease(null, 1, 0));
        apply(expired, 3000);
        Cib acquired = expired.withLease(new Lease("node2", 2, 0));
        apply(acquired, 200);
        Cib recorded = acquired.withHistoryEntry(promotion("node2", 2, "failover"));
        apply(recorded, 100);
        assertTrue(timer.last().isEmpty(), "an unconfirmed promotion may not have happened");
        Cib confirmed = recorded.withHistory(List.of(recorded.history().get(0), recorded.history().get(1).confirm(2)));
        apply(confirmed, 400);

        assertEquals(new FailoverTimer.Failover("node1", "node2", 3000 + 200 + 100 + 400), timer.last().orElseThrow());
        // node2 renewing afterwards changes nothing.
        apply(confirmed.withLease(new Lease("node2", 2, 1)), 750);
        assertEquals(3700, timer.last().orElseThrow().millis());
    }

    @Test
    void switchoversAndFailoversNotSeenFromTheStartAreNotTimed() {
        Cib confirmedBeforeWeStarted = START.withLease(new Lease("node2", 2, 0))
                .withHistoryEntry(promotion("node2", 2, "failover").confirm(2));
        apply(confirmedBeforeWeStarted, 0);
        assertTrue(timer.last().isEmpty(), "a failover confirmed before this agent started is not timed");

        Cib handedBack = confirmedBeforeWeStarted.withLease(new Lease("node1", 3, 0))
                .withHistoryEntry(promotion("node1", 3, "switchover").confirm(3));
        apply(handedBack, 1000);
        assertTrue(timer.last().isEmpty(), "a switchover is not a failover");

        // node1 never renewed in our sight (its acquisition is the only change seen) — that still counts as seen.
        Cib lostAgain = handedBack.withLease(new Lease("node2", 4, 0))
                .withHistoryEntry(promotion("node2", 4, "failover").confirm(4));
        apply(lostAgain, 5000);
        assertEquals(new FailoverTimer.Failover("node1", "node2", 5000), timer.last().orElseThrow());
        assertEquals(List.of(new FailoverTimer.TimedPromotion("failover", "node1", "node2", 5000, AT)), timer.recent(),
                "the switchover away from node2, whose renewals were never seen, is not in the dashboard's timings");
    }

    @Test
    void keepsTheLastTimedPromotionsOfEveryReason() {
        Cib cib = START;
        apply(cib, 0);
        for (int i = 0; i < FailoverTimer.KEPT + 3; i++) {
            String to = i % 2 == 0 ? "node2" : "node1";
            long timeline = cib.history().size() + 1;
            cib = cib.withLease(new Lease(to, timeline, 0)).withHistoryEntry(promotion(to, timeline, "switchover")
                    .confirm(timeline));
            apply(cib, 100 + i);
        }
        List<FailoverTimer.TimedPromotion> recent = timer.recent();
        assertEquals(FailoverTimer.KEPT, recent.size(), "only the last few are kept");
        assertEquals(100 + FailoverTimer.KEPT + 2, recent.get(recent.size() - 1).millis(), "the newest is last");
        assertTrue(timer.last().isEmpty(), "switchovers are not failovers: " + timer.last());
    }

    private void apply(Cib cib, long afterMillis) {
        clock.addAndGet(afterMillis);
        timer.record(cib);
    }

    private static PromotionRecord promotion(String node, long timeline, String reason) {
        return new PromotionRecord(node, timeline - 1, Lsn.parse("0/3000000"), timeline, AT, reason, false);
    }
}
