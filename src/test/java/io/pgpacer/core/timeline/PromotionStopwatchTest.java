package io.pgpacer.core.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.FailCount;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PromotionPhases;
import io.pgpacer.core.cib.PromotionPhases.Phase;
import io.pgpacer.core.cib.PromotionPhases.PhaseTime;
import io.pgpacer.core.cib.Switchover;
import io.pgpacer.core.model.Lsn;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The phases of a change of primary to n2 from the instants its agent saw: CIBs applied and its own steps, each at a
 * given millisecond of its monotonic clock.
 */
class PromotionStopwatchTest {

    private static final Cib N1_PRIMARY = Cib.EMPTY
            .initializedAs("pgc", List.of(
                    new NodeSpec("n1", "127.0.0.1", 8001, 9001, 5401, false),
                    new NodeSpec("n2", "127.0.0.1", 8002, 9002, 5402, false),
                    new NodeSpec("n3", "127.0.0.1", 8003, 9003, 5403, false)), ClusterSettings.DEFAULTS)
            .withGoals(Map.of("n1", NodeGoal.primary("initial"), "n2", NodeGoal.standbyOf("n1", "follow"),
                    "n3", NodeGoal.standbyOf("n1", "follow")))
            .withLease(new Lease("n1", 1, 5));

    private static final Map<String, NodeGoal> N2_PRIMARY = Map.of("n1", NodeGoal.standbyOf("n2", "follow"),
            "n2", NodeGoal.primary("n1 lost"), "n3", NodeGoal.standbyOf("n2", "follow"));

    private PromotionStopwatch watch = PromotionStopwatch.of("n2");
    private Cib cib = N1_PRIMARY;

    private void apply(Cib next, long at) {
        cib = next;
        watch = watch.applied(next, at);
    }

    private static List<PhaseTime> times(Object... phaseThenMillis) {
        List<PhaseTime> times = new java.util.ArrayList<>();
        for (int i = 0; i < phaseThenMillis.length; i += 2) {
            times.add(new PhaseTime((Phase) phaseThenMillis[i], ((Number) phaseThenMillis[i + 1]).longValue()));
        }
        return times;
    }

    // n2 takes the free lease, is promoted, adds the VIP and commits its first probe
    private void n2TakesOver(long goalAt, long leaseAt, long promotedAt, long vipAt, long committedAt) {
        apply(cib.withGoals(N2_PRIMARY), goalAt);
        watch = watch.leaseAcquired(leaseAt);
        apply(cib.withLease(new Lease("n2", cib.lease().generation() + 1, 0)), leaseAt + 2);
        watch = watch.promoted(promotedAt);
        if (vipAt >= 0) {
            watch = watch.vipAdded(vipAt);
        }
        watch = watch.committed(committedAt);
    }

    @Test
    void aFailoverByLeaseExpiryIsDetectedFromTheLastRenewalApplied() {
        apply(N1_PRIMARY, 0);
        apply(cib.withLease(new Lease("n1", 1, 6)), 100);
        apply(cib.withLease(new Lease(null, 1, 0)), 3200);
        n2TakesOver(3240, 3300, 3600, 3620, 3800);
        PromotionPhases phases = watch.phases(true).orElseThrow();
        assertEquals(times(Phase.DETECTION, 3100, Phase.DECISION, 40, Phase.LEASE, 60, Phase.PROMOTE, 300,
                Phase.VIP, 20, Phase.FIRST_WRITE, 180), phases.times());
        assertEquals(3700, phases.totalMillis());
    }

    @Test
    void aFailureReportThatReleasesTheLeaseIsBothTheLastSignOfLifeAndTheLoss() {
        apply(N1_PRIMARY, 0);
        apply(cib.withLease(new Lease("n1", 1, 6)), 100);
        apply(cib.withFailCount("n1", new FailCount(1, "t")).withLease(new Lease(null, 1, 0)), 500);
        n2TakesOver(530, 560, 900, -1, 1100);
        assertEquals(times(Phase.DETECTION, 0, Phase.DECISION, 30, Phase.LEASE, 30, Phase.PROMOTE, 340,
                Phase.FIRST_WRITE, 200), watch.phases(false).orElseThrow().times());
    }

    @Test
    void aSwitchoverIsTimedFromItsBeginningThroughTheHandOver() {
        apply(N1_PRIMARY, 0);
        apply(cib.withLease(new Lease("n1", 1, 6)), 100);
        Switchover requested = new Switchover("n1", "n2", 0, "t", 0, Switchover.Phase.SCHEDULED, null);
        apply(cib.withSwitchover(requested), 900);
        apply(cib.withSwitchover(requested.began("n2")).withGoals(Map.of("n1", NodeGoal.standbyOf("n2", "hand over"))),
                1000);
        apply(cib.withLease(new Lease("n1", 1, 7)), 1250);
        apply(cib.withLease(new Lease(null, 1, 0)).withSwitchover(requested.began("n2")
                .handedOver(Lsn.parse("0/3000148"))), 1300);
        n2TakesOver(1350, 1360, 1700, -1, 1900);
        PromotionPhases phases = watch.phases(false).orElseThrow();
        assertEquals(times(Phase.HANDOVER, 300, Phase.DECISION, 50, Phase.LEASE, 10, Phase.PROMOTE, 340,
                Phase.FIRST_WRITE, 200), phases.times());
        assertEquals(900, phases.totalMillis());
    }

    @Test
    void anAgentThatSawNoSignOfTheOldPrimaryTimesFromTheLoss() {
        apply(N1_PRIMARY, 0);
        apply(cib.withLease(new Lease(null, 1, 0)), 3000);
        n2TakesOver(3050, 3100, 3400, -1, 3600);
        PromotionPhases phases = watch.phases(false).orElseThrow();
        assertEquals(times(Phase.DECISION, 50, Phase.LEASE, 50, Phase.PROMOTE, 300, Phase.FIRST_WRITE, 200),
                phases.times());
        assertEquals(600, phases.totalMillis());
    }

    @Test
    void theFirstCibSaysNothingAndAStopwatchWithoutALossTimesNothing() {
        apply(N1_PRIMARY.withLease(Lease.FREE).withGoals(N2_PRIMARY), 0);
        watch = watch.leaseAcquired(10).promoted(20).committed(30);
        assertEquals(Optional.empty(), watch.phases(false), "a cluster's first primary is no change of primary");
    }

    @Test
    void aWriterVipThatIsConfiguredIsWaitedFor() {
        apply(N1_PRIMARY, 0);
        apply(cib.withLease(new Lease("n1", 1, 6)), 100);
        apply(cib.withLease(new Lease(null, 1, 0)), 3200);
        apply(cib.withGoals(N2_PRIMARY), 3240);
        watch = watch.vipAdded(3250).committed(3260);
        watch = watch.leaseAcquired(3300).promoted(3600).committed(3800);
        assertEquals(Optional.empty(), watch.phases(true), "a VIP or a commit before the promotion does not count");
        assertEquals(3700, watch.phases(false).orElseThrow().totalMillis(), "without a VIP it would be complete");
        watch = watch.vipAdded(3900);
        assertEquals(times(Phase.DETECTION, 3100, Phase.DECISION, 40, Phase.LEASE, 60, Phase.PROMOTE, 300,
                Phase.VIP, 300, Phase.FIRST_WRITE, 0), watch.phases(true).orElseThrow().times(),
                "a VIP re-added after the first write makes a first write of 0");
    }

    @Test
    void anotherNodeTakingTheLeaseOrThisNodeLosingItEndsTheTiming() {
        apply(N1_PRIMARY, 0);
        apply(cib.withLease(new Lease(null, 1, 0)), 3000);
        apply(cib.withLease(new Lease("n3", 2, 0)), 3100);
        watch = watch.leaseAcquired(3200).promoted(3300).committed(3400);
        assertEquals(Optional.empty(), watch.phases(false), "n3's promotion is not n2's");

        apply(cib.withLease(new Lease(null, 2, 0)), 5000);
        apply(cib.withGoals(N2_PRIMARY), 5050);
        watch = watch.leaseAcquired(5100);
        apply(cib.withLease(new Lease("n2", 3, 0)), 5102);
        apply(cib.withLease(new Lease(null, 3, 0)), 5400);
        watch = watch.promoted(5500).committed(5600);
        assertEquals(Optional.empty(), watch.phases(false), "n2 lost the lease before its first write");
    }

    @Test
    void doneWaitsForTheNextChangeOfPrimary() {
        apply(N1_PRIMARY, 0);
        apply(cib.withLease(new Lease(null, 1, 0)), 3000);
        n2TakesOver(3050, 3100, 3400, -1, 3600);
        watch = watch.done();
        assertEquals(Optional.empty(), watch.phases(false));
        watch = watch.committed(4000);
        assertEquals(Optional.empty(), watch.phases(false), "a later commit starts nothing");
    }
}
