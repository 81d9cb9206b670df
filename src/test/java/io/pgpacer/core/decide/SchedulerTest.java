package io.pgpacer.core.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.ControllerActivity;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.FailCount;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.Switchover;
import io.pgpacer.core.cib.Switchover.Phase;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.model.Lsn;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Table tests of the scheduler: a cluster state in, the rendered plan out. */
class SchedulerTest {

    private static final ClusterSettings SETTINGS = new ClusterSettings(1, 3_000, 3_000, 30_000);

    /** Builds a snapshot of nodes n1..n3 at controller time {@code now}. */
    private static final class Given {
        private Cib cib = Cib.EMPTY.initializedAs("pgc", List.of(
                new NodeSpec("n1", "127.0.0.1", 8001, 9001, 5401, false),
                new NodeSpec("n2", "127.0.0.1", 8002, 9002, 5402, false),
                new NodeSpec("n3", "127.0.0.1", 8003, 9003, 5403, false)), SETTINGS);
        private long now = 100_000;
        private long controllerSince = 0;
        private long leaseSeenAt = 0;
        private long switchoverSeenAt = 0;
        private long wallClock = 1_800_000_000_000L;
        private final Map<String, Long> lastHeard = new HashMap<>();

        Given report(String node, PgState state, long timeline, String lsn) {
            cib = cib.withReport(new NodeReport(node, 1, state, 0, timeline, Lsn.parse(lsn), Lsn.parse(lsn), null,
                    state == PgState.STANDBY, List.of(), null, null, null));
            lastHeard.put(node, now - 100);
            return this;
        }

        Given silent(String node, long forMillis) {
            lastHeard.put(node, now - forMillis);
            return this;
        }

        Given primaryOf(String primary, long timeline) {
            Map<String, NodeGoal> goals = new LinkedHashMap<>();
            for (NodeSpec n : cib.dataNodes()) {
                goals.put(n.name(), n.name().equals(primary) ? NodeGoal.primary("test")
                        : NodeGoal.standbyOf(primary, "test"));
            }
            cib = cib.withGoals(goals).withHistoryEntry(
                    new PromotionRecord(primary, timeline - 1, Lsn.parse("0/3000000"), timeline, "t", "test", true));
            return this;
        }

        Given lease(String holder, long seenMillisAgo) {
            cib = cib.withLease(holder == null ? new Lease(null, 4, 0) : new Lease(holder, 4, 17));
            leaseSeenAt = now - seenMillisAgo;
            return this;
        }

        Given failCount(String node, int count) {
            cib = cib.withFailCount(node, new FailCount(count, "t"));
            return this;
        }

        Given controllerStartedAgo(long millis) {
            controllerSince = now - millis;
            return this;
        }

        Given syncSet(int minAcks, String... standbys) {
            cib = cib.withSyncSet(new io.pgpacer.core.cib.SyncSet(List.of(standbys), minAcks, 1));
            return this;
        }

        Given maintenance(boolean cluster, String... nodes) {
            cib = cib.withMaintenance(new io.pgpacer.core.cib.Maintenance(cluster, List.of(nodes)));
            return this;
        }

        Given standby(String... nodes) {
            cib = cib.withStandby(List.of(nodes));
            return this;
        }

        Given failureTimeout(long millis) {
            cib = cib.withSettings(cib.settings().withFailureTimeoutMillis(millis));
            return this;
        }

        /** {@code node} has {@code count} failures, the last {@code agoMillis} before the wall clock. */
        Given failedAgo(String node, int count, long agoMillis) {
            cib = cib.withFailCount(node, new FailCount(count,
                    java.time.Instant.ofEpochMilli(wallClock - agoMillis).toString()));
            return this;
        }

        Given goal(String node, NodeGoal goal) {
            cib = cib.withGoals(Map.of(node, goal));
            return this;
        }

        Given streaming(String node, String upstream, String lsn) {
            cib = cib.withReport(new NodeReport(node, 1, PgState.STANDBY, 0, 1, Lsn.parse(lsn), Lsn.parse(lsn),
                    upstream, true, List.of(), null, null, null));
            lastHeard.put(node, now - 100);
            return this;
        }

        Given switchover(String from, String to, long notBeforeFromNow, Switchover.Phase phase, String handoverLsn,
                long seenMillisAgo) {
            cib = cib.withSwitchover(new Switchover(from, to, notBeforeFromNow == 0 ? 0 : wallClock + notBeforeFromNow,
                    "t", 16 << 20, phase, handoverLsn == null ? null : Lsn.parse(handoverLsn)));
            switchoverSeenAt = now - seenMillisAgo;
            return this;
        }

        Given readerVipPolicy(io.pgpacer.core.cib.ReaderVipPolicy policy) {
            ClusterSettings s = cib.settings();
            cib = cib.initializedAs("pgc", cib.nodes(), new ClusterSettings(s.migrationThreshold(), s.leaseMillis(),
                    s.nodeTimeoutMillis(), s.bootstrapWaitMillis(), s.sync(), s.recovery(), policy));
            return this;
        }

        Given readerVipOn(String node, long version) {
            cib = cib.withReaderVip(new io.pgpacer.core.cib.ReaderVip(node, version, "test"));
            return this;
        }

        /** {@code node}'s latest report says whether it carries the reader VIP, having seen {@code seenVersion}. */
        Given carriesReaderVip(String node, boolean carries, long seenVersion) {
            NodeReport r = cib.reports().get(node);
            cib = cib.withReport(new NodeReport(r.node(), r.sequence(), r.pgState(), r.postmasterPid(), r.timeline(),
                    r.lsn(), r.replayLsn(), r.upstream(), r.streaming(), r.replicas(), r.activity(), r.lastError(),
                    r.reportedAt(), carries, seenVersion));
            return this;
        }

        String plan() {
            return decide().render();
        }

        Plan decide() {
            return Scheduler.decide(new ClusterSnapshot(cib, now, lastHeard, leaseSeenAt, controllerSince,
                    switchoverSeenAt, wallClock));
        }

        Given failedAction(FailedAction action) {
            List<FailedAction> actions = new java.util.ArrayList<>(cib.failedActions());
            actions.add(action);
            cib = cib.withFailedActions(actions);
            return this;
        }
    }

    private static Given given() {
        return new Given().controllerStartedAgo(60_000);
    }

    // --- initial election -------------------------------------------------------------------------

    @Test
    void initialStartPromotesTheMostAdvancedWal() {
        String plan = given().report("n1", PgState.STOPPED, 1, "0/3000000").report("n2", PgState.STOPPED, 2, "0/1000000")
                .report("n3", PgState.STOPPED, 2, "0/2000000").plan();
        assertEquals("assign n1=standby of n3, n2=standby of n3, n3=primary: initial start: n3 has the most advanced"
                + " WAL (timeline 2, 0/2000000)", plan);
    }

    @Test
    void initialStartBreaksTiesByConfiguredOrder() {
        String plan = given().report("n3", PgState.STOPPED, 1, "0/2000000").report("n2", PgState.STOPPED, 1, "0/2000000")
                .report("n1", PgState.STOPPED, 1, "0/1000000").plan();
        assertEquals("assign n1=standby of n2, n2=primary, n3=standby of n2: initial start: n2 has the most advanced"
                + " WAL (timeline 1, 0/2000000)", plan);
    }

    @Test
    void initialStartWithoutDataRunsInitdbOnTheFirstNode() {
        String plan = given().report("n2", PgState.NO_DATA, 0, "0/0").report("n1", PgState.NO_DATA, 0, "0/0")
                .report("n3", PgState.NO_DATA, 0, "0/0").plan();
        assertEquals("assign n1=primary, n2=standby of n1, n3=standby of n1: initial start: no node has data; n1 is"
                + " first in the configured order and runs initdb", plan);
    }

    @Test
    void initialStartPrefersNodesWithDataOverEmptyOnes() {
        String plan = given().report("n1", PgState.NO_DATA, 0, "0/0").report("n2", PgState.STOPPED, 1, "0/100")
                .report("n3", PgState.NO_DATA, 0, "0/0").plan();
        assertEquals("assign n1=standby of n2, n2=primary, n3=standby of n2: initial start: n2 has the most advanced"
                + " WAL (timeline 1, 0/100)", plan);
    }

    @Test
    void initialStartWaitsForAMissingNodeWithinBootstrapWait() {
        String plan = given().controllerStartedAgo(10_000).report("n1", PgState.NO_DATA, 0, "0/0")
                .report("n2", PgState.NO_DATA, 0, "0/0").plan();
        assertEquals("note: initial start: waiting for n3 to report (bootstrap-wait 30.0 s, 20.0 s left)", plan);
    }

    @Test
    void initialStartGoesAheadWithoutAMissingNodeAfterBootstrapWait() {
        String plan = given().controllerStartedAgo(31_000).report("n2", PgState.NO_DATA, 0, "0/0")
                .report("n3", PgState.STOPPED, 1, "0/100").plan();
        assertEquals("assign n1=standby of n3, n2=standby of n3, n3=primary: initial start: n3 has the most advanced"
                + " WAL (timeline 1, 0/100)", plan);
    }

    // --- steady state and restart in place ----------------------------------------------------------

    @Test
    void healthyClusterNeedsNoAction() {
        String plan = given().primaryOf("n1", 1).lease("n1", 500).report("n1", PgState.PRIMARY, 1, "0/5000")
                .report("n2", PgState.STANDBY, 1, "0/5000").report("n3", PgState.STANDBY, 1, "0/5000").plan();
        assertEquals("note: no action: n1 holds a valid lease", plan);
    }

    @Test
    void primaryBelowMigrationThresholdIsRestartedInPlaceNotFailedOver() {
        Given g = given();
        g.cib = g.cib.initializedAs("pgc", g.cib.nodes(), new ClusterSettings(3, 3_000, 3_000, 30_000));
        String plan = g.primaryOf("n1", 1).failCount("n1", 2).lease("n1", 500).report("n1", PgState.FAILED, 1, "0/5000")
                .report("n2", PgState.STANDBY, 1, "0/5000").report("n3", PgState.STANDBY, 1, "0/5000").plan();
        assertEquals("note: no action: n1 holds a valid lease", plan);
    }

    @Test
    void primaryAtMigrationThresholdFailsOverToTheMostAdvancedStandby() {
        // the reducer released n1's lease when its fail-count reached the threshold
        String plan = given().primaryOf("n1", 1).failCount("n1", 1).report("n1", PgState.FAILED, 1, "0/5000")
                .lease(null, 300).report("n2", PgState.STANDBY, 1, "0/4000").report("n3", PgState.STANDBY, 1, "0/4800")
                .plan();
        assertEquals("assign n1=standby of n3, n2=standby of n3, n3=primary: failover: n1 reached migration-threshold"
                + " (fail-count 1); n3 is the most advanced standby (0/4800)", plan);
    }

    @Test
    void restartedPrimaryBelowThresholdKeepsItsRoleWhenTheLeaseIsFree() {
        String plan = given().primaryOf("n1", 1).lease(null, 300).report("n1", PgState.STOPPED, 1, "0/5000")
                .report("n2", PgState.STANDBY, 1, "0/5000").report("n3", PgState.STANDBY, 1, "0/5000").plan();
        assertEquals("note: no action: n1 remains the assigned primary", plan);
    }

    // --- lost primary agent: the lease decides ------------------------------------------------------

    @Test
    void silentPrimaryIsNotReplacedWhileItsLeaseIsValid() {
        String plan = given().primaryOf("n1", 1).lease("n1", 2_900).silent("n1", 5_000)
                .report("n2", PgState.STANDBY, 1, "0/5000").report("n3", PgState.STANDBY, 1, "0/5000").plan();
        assertEquals("note: no action: n1 holds a valid lease", plan);
    }

    @Test
    void leaseNotRenewedForTheLeaseTimeIsExpired() {
        String plan = given().primaryOf("n1", 1).lease("n1", 3_100).silent("n1", 5_000)
                .report("n2", PgState.STANDBY, 1, "0/5000").report("n3", PgState.STANDBY, 1, "0/5000").plan();
        assertEquals("expire lease of n1 (generation 4): n1 lease not renewed for 3.1 s (lease-time 3.0 s)", plan);
    }

    @Test
    void afterExpiryTheBestStandbyIsPromotedAndTheOthersFollowIt() {
        String plan = given().primaryOf("n1", 3).lease(null, 300).silent("n1", 6_000)
                .report("n2", PgState.STANDBY, 3, "0/5100").report("n3", PgState.STANDBY, 3, "0/5000").plan();
        assertEquals("assign n1=standby of n2, n2=primary, n3=standby of n2: failover: n1 is offline; n2 is the most"
                + " advanced standby (0/5100)", plan);
    }

    @Test
    void standbysMustReportAfterTheLeaseWasFreedSoTheirLsnIsCurrent() {
        Given g = given().primaryOf("n1", 1).silent("n1", 6_000).report("n2", PgState.STANDBY, 1, "0/5100")
                .report("n3", PgState.STANDBY, 1, "0/5000");
        g.lastHeard.put("n2", g.now - 400);
        String plan = g.lease(null, 300).plan();
        assertEquals("assign n1=standby of n3, n2=standby of n3, n3=primary: failover: n1 is offline; n3 is the most"
                + " advanced standby (0/5000)", plan);
    }

    // --- best-standby choice -------------------------------------------------------------------------

    @Test
    void failoverSkipsOfflineFailedAndBehindStandbys() {
        String plan = given().primaryOf("n1", 2).lease(null, 300).silent("n1", 6_000)
                .report("n2", PgState.STANDBY, 1, "0/9000").report("n3", PgState.STANDBY, 2, "0/5000").plan();
        assertEquals("assign n1=standby of n3, n2=standby of n3, n3=primary: failover: n1 is offline; n3 is the most"
                + " advanced standby (0/5000)", plan);
    }

    // Issue 15.1: 0.4 s after the loss a standby has not reported yet; that is a wait, never a failed action.
    @Test
    void aStandbyNotHeardSinceTheLossIsAWaitForReportsNotARefusal() {
        Given g = given().primaryOf("n1", 1).lease(null, 400).silent("n1", 6_000)
                .report("n2", PgState.STANDBY, 1, "0/9000").report("n3", PgState.STANDBY, 1, "0/8000");
        g.lastHeard.put("n2", g.now - 500);
        g.lastHeard.put("n3", g.now - 600);
        Plan plan = g.decide();
        assertEquals(ControllerActivity.Kind.WAITING_FOR_REPORTS, plan.activity().kind(), plan.render());
        assertEquals(null, plan.activity().fix(), "nothing for the operator to do: " + plan.render());
        assertEquals("note: waiting for reports before a promotion: n1 is offline, and no standby is eligible yet: n2 has"
                + " not reported since the primary was lost; n3 has not reported since the primary was lost",
                plan.render());
    }

    @Test
    void aRefusalWithEveryReportInIsTypedAndNamesACommandForARealNode() {
        Plan plan = given().primaryOf("n1", 1).lease(null, 50).silent("n1", 6_000)
                .report("n2", PgState.STANDBY, 1, "0/9000").failCount("n2", 1)
                .report("n3", PgState.STANDBY, 1, "0/5000").failCount("n3", 1).decide();
        assertEquals(ControllerActivity.Kind.NO_ELIGIBLE_NODE, plan.activity().kind(), plan.render());
        assertEquals("pgpacer resource cleanup --node n2", plan.activity().fix(), "the most advanced WAL first");
    }

    @Test
    void aPrimaryServingAgainWithdrawsTheRecordedRefusalsAndKeepsRealFailures() {
        FailedAction refusal = new FailedAction("n1", FailedAction.PROMOTION_REFUSED, 1, "no promotion: ...", "t1");
        FailedAction crash = new FailedAction("n1", "monitor", 7, "not running", "t0");
        Given g = given().primaryOf("n2", 2).lease("n2", 100).report("n2", PgState.PRIMARY, 2, "0/9000")
                .report("n1", PgState.STANDBY, 2, "0/9000").report("n3", PgState.STANDBY, 2, "0/9000")
                .failedAction(crash).failedAction(refusal);
        Plan plan = g.decide();
        assertEquals(List.of(new StoreCommand.WithdrawFailedAction(refusal)),
                plan.steps().stream().map(Plan.Step::command).toList(), plan.render());
        assertEquals(null, plan.activity());

        Plan noPrimaryYet = given().primaryOf("n2", 2).lease("n2", 100).report("n2", PgState.STOPPED, 2, "0/9000")
                .failedAction(refusal).decide();
        assertTrue(noPrimaryYet.steps().stream().noneMatch(s -> s.command() instanceof StoreCommand.WithdrawFailedAction),
                "kept until the new primary serves: " + noPrimaryYet.render());
    }

    @Test
    void noPromotionWhenNoStandbyIsEligibleAndTheReasonIsSaid() {
        String plan = given().primaryOf("n1", 1).lease(null, 50).silent("n1", 6_000).report("n2", PgState.STANDBY, 1, "0/9000")
                .failCount("n2", 1).report("n3", PgState.STOPPED, 1, "0/5000").plan();
        assertEquals("note: no promotion: n1 is offline, and no standby is eligible: n2 fail-count 1 >= migration-threshold"
                + " 1; n3 is not a running standby (STOPPED); to fix: pgpacer resource cleanup --node n2", plan);
    }

    // --- full cluster restart -------------------------------------------------------------------------

    @Test
    void fullRestartKeepsTheRecordedPrimaryWhileItIsExpected() {
        Given g = given().controllerStartedAgo(2_000).primaryOf("n2", 2).lease(null, 2_000)
                .report("n1", PgState.STANDBY, 2, "0/9000").report("n3", PgState.STANDBY, 2, "0/9000");
        assertEquals("note: no action: n2 remains the assigned primary", g.plan());
    }

    @Test
    void fullRestartFailsOverWhenTheRecordedPrimaryNeverReturns() {
        Given g = given().controllerStartedAgo(31_000).primaryOf("n2", 2).lease(null, 31_000)
                .report("n1", PgState.STANDBY, 2, "0/9000").report("n3", PgState.STANDBY, 2, "0/9000");
        assertEquals("assign n1=primary, n2=standby of n1, n3=standby of n1: failover: n2 is offline; n1 is the most"
                + " advanced standby (0/9000)", g.plan());
    }

    // --- divergence (S3): a node whose WAL went past its timeline's fork is never promoted ---------------------

    @Test
    void aRecordedPrimaryWhoseDataDivergedIsReplacedByAStandbyConsistentWithTheHistory() {
        Given g = given().controllerStartedAgo(2_000).primaryOf("n2", 2).lease(null, 2_000)
                .report("n2", PgState.DIVERGED, 2, "0/9100").report("n1", PgState.STANDBY, 2, "0/9000")
                .report("n3", PgState.STANDBY, 2, "0/8000");
        assertEquals("assign n1=primary, n2=standby of n1, n3=standby of n1: failover: n2 diverged from the timeline"
                + " history; n1 is the most advanced standby (0/9000)", g.plan());
    }

    @Test
    void aDivergedNodeIsNoFailoverCandidateWhateverItsWal() {
        String plan = given().primaryOf("n1", 2).lease(null, 300).silent("n1", 6_000)
                .report("n2", PgState.DIVERGED, 2, "0/9900").report("n3", PgState.STANDBY, 2, "0/5000").plan();
        assertEquals("assign n1=standby of n3, n2=standby of n3, n3=primary: failover: n1 is offline; n3 is the most"
                + " advanced standby (0/5000)", plan);
    }

    @Test
    void aDivergedNodeIsNotElectedAtTheInitialStart() {
        String plan = given().report("n1", PgState.DIVERGED, 2, "0/9000").report("n2", PgState.STOPPED, 1, "0/100")
                .report("n3", PgState.STOPPED, 1, "0/90").plan();
        assertEquals("assign n1=standby of n2, n2=primary, n3=standby of n2: initial start: n2 has the most advanced"
                + " WAL (timeline 1, 0/100)", plan);
    }

    @Test
    void aStandbyWithAWrongUpstreamIsToldToFollowThePrimary() {
        Given g = given().primaryOf("n1", 1).lease("n1", 100).report("n1", PgState.PRIMARY, 1, "0/5000")
                .report("n2", PgState.STANDBY, 1, "0/5000").report("n3", PgState.STANDBY, 1, "0/5000");
        g.cib = g.cib.withGoals(Map.of("n3", NodeGoal.standbyOf("n2", "stale")));
        assertEquals("assign n3=standby of n1: standbys follow n1", g.plan());
    }

    // --- synchronous replication: only a recorded sync standby, and only when it is known to be the most advanced

    @Test
    void syncModePromotesTheRecordedSyncStandbyEvenWhenAnotherReportsMoreWal() {
        String plan = given().primaryOf("n1", 1).syncSet(1, "n3").lease(null, 300).silent("n1", 6_000)
                .report("n2", PgState.STANDBY, 1, "0/5100").report("n3", PgState.STANDBY, 1, "0/5000").plan();
        assertEquals("assign n1=standby of n3, n2=standby of n3, n3=primary: failover: n1 is offline; n3 is the most"
                + " advanced standby (0/5000)", plan);
    }

    @Test
    void syncModeDoesNotPromoteWhenTheRecordedSyncStandbyIsGone() {
        String plan = given().primaryOf("n1", 1).syncSet(1, "n3").lease(null, 300).silent("n1", 6_000)
                .report("n2", PgState.STANDBY, 1, "0/5100").silent("n3", 6_000).plan();
        assertEquals("note: no promotion: n1 is offline, and no standby is eligible: n3 offline; only 0 of the recorded"
                + " sync standbys [n3] answered, 1 are needed to know which holds every acknowledged commit; to fix:"
                + " pgpacer force-promote n2 --accept-data-loss", plan);
    }

    @Test
    void quorumModeWaitsForEnoughAnswersToIntersectEveryAckQuorum() {
        // ANY 1 (n2, n3): a commit may be on either one only, so both must answer.
        Given g = given().primaryOf("n1", 1).syncSet(1, "n2", "n3").lease(null, 300).silent("n1", 6_000)
                .report("n2", PgState.STANDBY, 1, "0/5100").report("n3", PgState.STANDBY, 1, "0/5000");
        g.lastHeard.put("n3", g.now - 400);
        assertEquals("note: waiting for reports before a promotion: n1 is offline, and no standby is eligible yet: n3 has"
                + " not reported since the primary was lost; only 1 of the recorded sync standbys [n2, n3] answered, 2 are needed to know which holds"
                + " every acknowledged commit", g.plan());
        g.lastHeard.put("n3", g.now - 100);
        assertEquals("assign n1=standby of n2, n2=primary, n3=standby of n2: failover: n1 is offline; n2 is the most"
                + " advanced standby (0/5100)", g.plan());
    }

    @Test
    void theMostAdvancedSyncStandbyMustBeEligibleOrNobodyIsPromoted() {
        String plan = given().primaryOf("n1", 1).syncSet(2, "n2", "n3").lease(null, 300).silent("n1", 6_000)
                .report("n2", PgState.STANDBY, 1, "0/5100").failCount("n2", 1).report("n3", PgState.STANDBY, 1, "0/5000")
                .plan();
        assertEquals("note: no promotion: n1 is offline, and no standby is eligible: n2 fail-count 1 >= migration-threshold"
                + " 1; the most advanced recorded sync standby n2 (0/5100) cannot be promoted, and promoting another"
                + " could lose acknowledged commits; to fix: pgpacer resource cleanup --node n2", plan);
    }

    // --- switchover ---------------------------------------------------------------------------------

    /** n1 primary on timeline 1 holding the lease, n2 and n3 streaming from it. */
    private static Given healthyForSwitchover() {
        return given().primaryOf("n1", 1).lease("n1", 500).report("n1", PgState.PRIMARY, 1, "0/5000000")
                .streaming("n2", "n1", "0/4FFF000").streaming("n3", "n1", "0/5000000");
    }

    @Test
    void aSwitchoverScheduledForLaterChangesNothingYet() {
        String plan = healthyForSwitchover().switchover("n1", "n2", 60_000, Phase.SCHEDULED, null, 100).plan();
        assertEquals("note: no action: n1 holds a valid lease", plan);
    }

    @Test
    void aDueSwitchoverTellsThePrimaryToHandOverToTheNamedTarget() {
        String plan = healthyForSwitchover().switchover("n1", "n2", 0, Phase.SCHEDULED, null, 100).plan();
        assertEquals("begin switchover to n2: switchover n1 -> n2: n1 stops writes and hands over", plan);
    }

    @Test
    void withoutANamedTargetTheStandbyClosestToThePrimaryIsChosen() {
        String plan = healthyForSwitchover().switchover("n1", null, 0, Phase.SCHEDULED, null, 100).plan();
        assertEquals("begin switchover to n3: switchover n1 -> n3: n1 stops writes and hands over", plan);
    }

    @Test
    void aDueSwitchoverToALaggingTargetIsAbortedWithTheReason() {
        String plan = healthyForSwitchover().streaming("n2", "n1", "0/1000000")
                .switchover("n1", "n2", 0, Phase.SCHEDULED, null, 100).plan();
        assertEquals("abort switchover: switchover aborted: the switchover could not begin: n2 lags 67108864 bytes"
                + " behind the primary (0/1000000 < 0/5000000), more than the allowed 16777216 bytes", plan);
    }

    @Test
    void aDueSwitchoverToANodeThatIsNotStreamingIsAborted() {
        String plan = healthyForSwitchover().report("n2", PgState.STOPPED, 1, "0/5000000")
                .switchover("n1", "n2", 0, Phase.SCHEDULED, null, 100).plan();
        assertEquals("abort switchover: switchover aborted: the switchover could not begin: n2 is not a running"
                + " standby (STOPPED)", plan);
    }

    @Test
    void aScheduledSwitchoverIsDroppedWhenAnotherNodeBecamePrimary() {
        String plan = healthyForSwitchover().lease("n3", 100)
                .switchover("n1", "n2", 60_000, Phase.SCHEDULED, null, 100).plan();
        assertEquals("abort switchover: switchover aborted: the primary changed before the switchover began (n1 no"
                + " longer holds the lease)", plan);
    }

    @Test
    void whileThePrimaryHandsOverNobodyIsPromoted() {
        String plan = healthyForSwitchover().switchover("n1", "n2", 0, Phase.HANDING_OVER, null, 100).plan();
        assertEquals("note: switchover: waiting for n1 to stop writes and hand over", plan);
    }

    @Test
    void aPrimaryThatLostItsLeaseBeforeHandingOverEndsTheSwitchoverAndFailoverRulesApply() {
        String plan = healthyForSwitchover().lease(null, 100)
                .switchover("n1", "n2", 0, Phase.HANDING_OVER, null, 100).plan();
        assertEquals("abort switchover: switchover aborted: n1 lost its lease before it handed over", plan);
    }

    @Test
    void theTargetIsNotPromotedBeforeItReceivedTheOldPrimarysShutdownCheckpoint() {
        String plan = healthyForSwitchover().lease(null, 100).report("n1", PgState.STOPPED, 1, "0/5000028")
                .switchover("n1", "n2", 0, Phase.CATCHING_UP, "0/5000028", 100).plan();
        assertEquals("note: switchover: waiting for n2 to receive WAL up to 0/5000028 (it has 0/4FFF000)", plan);
    }

    @Test
    void theTargetIsPromotedOnceItReceivedPastTheHandOverAndTheOthersFollowIt() {
        String plan = healthyForSwitchover().lease(null, 100).report("n1", PgState.STOPPED, 1, "0/5000028")
                .streaming("n2", null, "0/50000A0").switchover("n1", "n2", 0, Phase.CATCHING_UP, "0/5000028", 100)
                .plan();
        assertEquals("assign n1=standby of n2, n2=primary, n3=standby of n2: switchover n1 -> n2: n2 received"
                + " 0/50000A0, past the hand-over at 0/5000028", plan);
    }

    @Test
    void aTargetThatDoesNotCatchUpInTimeGivesThePrimaryRoleBack() {
        String plan = healthyForSwitchover().lease(null, 100).report("n1", PgState.STOPPED, 1, "0/5000028")
                .switchover("n1", "n2", 0, Phase.CATCHING_UP, "0/5000028", 10_000).plan();
        assertEquals("abort switchover: switchover aborted: n2 did not receive WAL up to 0/5000028 (it has"
                + " 0/4FFF000) within 10.0 s", plan);
    }

    @Test
    void onceTheTargetHoldsTheLeaseTheNormalRulesMakeTheOthersFollowIt() {
        Given g = healthyForSwitchover().switchover("n1", "n2", 0, Phase.CATCHING_UP, "0/5000028", 100);
        g.cib = g.cib.withGoals(java.util.Map.of("n1", NodeGoal.standbyOf("n2", "t"), "n2", NodeGoal.primary("t")));
        String plan = g.lease("n2", 100).plan();
        assertEquals("assign n3=standby of n2: standbys follow n2", plan);
    }

    // --- maintenance --------------------------------------------------------------------------------

    @Test
    void aPausedClusterGetsNoActionEvenWhenTheLeaseExpired() {
        String plan = given().primaryOf("n1", 1).lease("n1", 9_000).silent("n1", 9_000)
                .report("n2", PgState.STANDBY, 1, "0/5000").maintenance(true).plan();
        assertEquals("note: maintenance: the cluster is paused; pgpacer observes and does not act (pgpacer cluster"
                + " resume)", plan);
    }

    @Test
    void aPrimaryInMaintenanceIsNeitherExpiredNorReplaced() {
        String expired = given().primaryOf("n1", 1).lease("n1", 9_000).silent("n1", 9_000)
                .report("n2", PgState.STANDBY, 1, "0/5000").maintenance(false, "n1").plan();
        assertEquals("note: maintenance: the primary n1 is in maintenance; no failover and no change of goals until"
                + " it leaves maintenance", expired);
        String released = given().primaryOf("n1", 1).lease(null, 500).report("n1", PgState.FAILED, 1, "0/5000")
                .failCount("n1", 1).report("n2", PgState.STANDBY, 1, "0/5000").maintenance(false, "n1").plan();
        assertEquals(expired, released, "a released lease changes nothing: the assigned primary is in maintenance");
    }

    @Test
    void aStandbyInMaintenanceKeepsItsGoalAndIsNeverPromoted() {
        Given g = given().primaryOf("n1", 2).lease(null, 300).silent("n1", 6_000)
                .report("n2", PgState.STANDBY, 2, "0/9000").report("n3", PgState.STANDBY, 2, "0/8000")
                .maintenance(false, "n2");
        assertEquals("assign n1=standby of n3, n3=primary: failover: n1 is offline; n3 is the most advanced standby"
                + " (0/8000)", g.plan());
    }

    // --- node standby -----------------------------------------------------------------------------------

    private static Given healthyPrimaryN1() {
        return given().primaryOf("n1", 1).lease("n1", 500).report("n1", PgState.PRIMARY, 1, "0/5000")
                .streaming("n2", "n1", "0/5000").streaming("n3", "n1", "0/4000");
    }

    @Test
    void aStandbyNodeInStandbyIsStoppedAndTheRestStaysAsItIs() {
        assertEquals("assign n3=stopped: node standby: n3 runs no resources", healthyPrimaryN1().standby("n3").plan());
    }

    @Test
    void aStoppedStandbyNodeStaysStopped() {
        Given g = healthyPrimaryN1().standby("n3").goal("n3", StandbyPlanner.stopped("n3"))
                .report("n3", PgState.STOPPED, 1, "0/4000");
        assertEquals("note: no action: n1 holds a valid lease", g.plan());
    }

    @Test
    void unstandbyBringsTheNodeBackAsAStreamingStandby() {
        Given g = healthyPrimaryN1().goal("n3", StandbyPlanner.stopped("n3")).report("n3", PgState.STOPPED, 1, "0/4000");
        assertEquals("assign n3=standby of n1: standbys follow n1", g.plan());
    }

    @Test
    void withNoPrimaryAssignedOnlyAConfirmedLastPromotionResumes() {
        NodeGoal stopped = new NodeGoal(io.pgpacer.core.cib.Role.STOPPED, null, "test");
        Given g = given().lease(null, 5_000).report("n1", PgState.STOPPED, 2, "0/5000")
                .report("n2", PgState.STOPPED, 2, "0/5000").report("n3", PgState.STOPPED, 2, "0/5000")
                .goal("n1", stopped).goal("n2", stopped).goal("n3", stopped);
        g.cib = g.cib.withHistoryEntry(new PromotionRecord("n1", 1, Lsn.parse("0/3000000"), 2, "t", "test", true));
        assertEquals("assign n1=primary, n2=standby of n1, n3=standby of n1: n1 resumes as the recorded primary"
                + " (timeline 2): no node was assigned the primary role", g.plan());
        // why: an unconfirmed promotion may not have happened; it is not resumed without an election
        g.cib = g.cib.withHistoryEntry(new PromotionRecord("n2", 2, Lsn.parse("0/5000"), 3, "t", "test", false));
        org.junit.jupiter.api.Assertions.assertTrue(g.plan().startsWith("note: no promotion: no primary is assigned"),
                g.plan());
    }

    @Test
    void aPrimaryInStandbyHandsItsRoleOverThroughASwitchoverFirst() {
        assertEquals("request switchover n1 -> n2: node standby: n1 is in standby; its primary role moves to n2 first"
                + " (zero-loss switchover), then it stops", healthyPrimaryN1().standby("n1").plan());
    }

    @Test
    void aPrimaryInStandbyStaysPrimaryWhileNoStandbyCanTakeOver() {
        Given g = healthyPrimaryN1().silent("n2", 9_000).silent("n3", 9_000).standby("n1");
        assertEquals("note: node standby: n1 stays primary until another node can take over: no standby can take"
                + " over: n2 is offline; n3 is offline\nnote: no action: n1 holds a valid lease", g.plan());
    }

    @Test
    void aSwitchoverUnderWayIsNotRequestedTwice() {
        Given g = healthyPrimaryN1().standby("n1").switchover("n1", "n2", 0, Phase.HANDING_OVER, null, 100);
        assertEquals("note: switchover: waiting for n1 to stop writes and hand over", g.plan());
    }

    @Test
    void theOldPrimaryInStandbyStopsOnceTheNewPrimaryHoldsTheLease() {
        Given g = given().primaryOf("n2", 2).lease("n2", 500).report("n2", PgState.PRIMARY, 2, "0/6000")
                .streaming("n1", "n2", "0/6000").streaming("n3", "n2", "0/6000").standby("n1");
        assertEquals("assign n1=stopped: node standby: n1 runs no resources", g.plan());
    }

    @Test
    void aNodeInStandbyIsNeverElectedEvenWithTheMostAdvancedWal() {
        Given g = given().primaryOf("n1", 2).lease(null, 300).silent("n1", 6_000)
                .report("n2", PgState.STANDBY, 2, "0/9000").report("n3", PgState.STANDBY, 2, "0/8000").standby("n2");
        assertEquals("assign n1=standby of n3, n2=stopped, n3=primary: failover: n1 is offline; n3 is the most"
                + " advanced standby (0/8000)", g.plan());
    }

    @Test
    void aSwitchoverToANodeInStandbyIsRefused() {
        Cib cib = healthyPrimaryN1().standby("n2").cib;
        assertEquals("n2 is in standby (pgpacer node unstandby n2)",
                SwitchoverCheck.check(cib, "n2", 1 << 20, n -> true).refusal());
        assertEquals("n3", SwitchoverCheck.check(cib, null, 1 << 20, n -> true).target());
    }

    @Test
    void maintenanceWinsOverStandby() {
        assertEquals("note: no action: n1 holds a valid lease", healthyPrimaryN1().standby("n3").maintenance(false, "n3")
                .plan());
    }

    // --- failure-timeout ---------------------------------------------------------------------------------

    @Test
    void aFailCountOlderThanFailureTimeoutExpires() {
        String plan = healthyPrimaryN1().failureTimeout(300_000).failedAgo("n2", 1, 301_000).plan();
        assertEquals("expire fail-count 1 of n2: n2 fail-count 1 last failed at 2027-01-15T07:54:59Z, longer ago than"
                + " failure-timeout 5m", plan);
    }

    @Test
    void aRecentFailCountOrATimeoutOfZeroKeepsTheCount() {
        assertEquals("note: no action: n1 holds a valid lease",
                healthyPrimaryN1().failureTimeout(300_000).failedAgo("n2", 1, 299_000).plan());
        assertEquals("note: no action: n1 holds a valid lease",
                healthyPrimaryN1().failureTimeout(0).failedAgo("n2", 1, 86_400_000).plan());
    }

    @Test
    void anExpiredFailCountMakesTheNodeEligibleAgainOnceTheStoreClearedIt() {
        Given g = given().primaryOf("n1", 2).lease(null, 300).silent("n1", 6_000).failureTimeout(60_000)
                .report("n2", PgState.STANDBY, 2, "0/9000").report("n3", PgState.STANDBY, 2, "0/8000")
                .failedAgo("n2", 1, 120_000);
        assertEquals("expire fail-count 1 of n2: n2 fail-count 1 last failed at 2027-01-15T07:58:00Z, longer ago than"
                + " failure-timeout 1m", g.plan());
        g.cib = io.pgpacer.core.command.CibReducer.apply(g.cib, new io.pgpacer.core.command.StoreCommand
                .ExpireFailCount("n2", 1, "2027-01-15T07:58:00Z")).cib();
        assertEquals("assign n1=standby of n2, n2=primary, n3=standby of n2: failover: n1 is offline; n2 is the most"
                + " advanced standby (0/9000)", g.plan());
    }

    // --- reader VIP --------------------------------------------------------------------------------------

    private static Given healthyWithReaderVip() {
        return given().readerVipPolicy(io.pgpacer.core.cib.ReaderVipPolicy.STANDBY).primaryOf("n1", 1)
                .lease("n1", 500).report("n1", PgState.PRIMARY, 1, "0/5000").streaming("n2", "n1", "0/4000")
                .streaming("n3", "n1", "0/5000").carriesReaderVip("n1", false, 2).carriesReaderVip("n2", false, 0)
                .carriesReaderVip("n3", false, 0);
    }

    @Test
    void theReaderVipStartsOnTheStandbyWithTheLeastLag() {
        assertEquals("assign reader VIP to n3: n3 is the healthy standby with the least lag\nnote: no action: n1 holds a valid lease",
                healthyWithReaderVip().plan());
    }

    @Test
    void theSyncStandbyIsPreferredForTheReaderVip() {
        assertEquals("assign reader VIP to n2: n2 is the sync standby\nnote: no action: n1 holds a valid lease", healthyWithReaderVip().syncSet(1, "n2").plan());
    }

    @Test
    void theReaderVipStaysOnAHealthyStandbyEvenWhenAnotherBecomesBetter() {
        assertEquals("note: no action: n1 holds a valid lease",
                healthyWithReaderVip().readerVipOn("n2", 1).carriesReaderVip("n2", true, 1).plan());
    }

    @Test
    void theReaderVipMovesToANewlyRecordedSyncStandby() {
        assertEquals("unassign reader VIP: it moves to n3 (n3 is the sync standby)\nnote: no action: n1 holds a valid"
                + " lease", healthyWithReaderVip().readerVipOn("n2", 1).syncSet(1, "n3").plan());
    }

    @Test
    void aStandbyThatStopsStreamingLosesTheReaderVipFirst() {
        String plan = healthyWithReaderVip().readerVipOn("n3", 1).report("n3", PgState.FAILED, 1, "0/5000").plan();
        assertEquals("unassign reader VIP: it moves to n2 (n2 is the healthy standby with the least lag)\nnote: no"
                + " action: n1 holds a valid lease", plan);
    }

    @Test
    void theReaderVipWaitsUntilTheOldHolderConfirmsItDroppedTheAddress() {
        Given g = healthyWithReaderVip().readerVipOn(null, 2).report("n3", PgState.FAILED, 1, "0/5000")
                .carriesReaderVip("n3", true, 1);
        assertEquals("note: no action: n1 holds a valid lease\nnote: reader VIP waits before it starts on n2:"
                + " n3 may still carry it (no report since it was unassigned)", g.plan());
        g.carriesReaderVip("n3", false, 2).carriesReaderVip("n2", false, 2);
        assertEquals("assign reader VIP to n2: n2 is the healthy standby with the least lag\nnote: no action: n1 holds"
                + " a valid lease", g.plan());
    }

    @Test
    void aSilentOldHolderCountsAsDroppedOnlyAfterTheNodeTimeout() {
        Given g = healthyWithReaderVip().readerVipOn(null, 2).carriesReaderVip("n2", false, 2)
                .report("n3", PgState.UNRESPONSIVE, 1, "0/5000").carriesReaderVip("n3", true, 1).silent("n3", 2_900);
        assertEquals("note: no action: n1 holds a valid lease\nnote: reader VIP waits before it starts on n2:"
                + " n3 may still carry it (no report since it was unassigned)", g.plan());
        g.silent("n3", 3_000);
        assertEquals("assign reader VIP to n2: n2 is the healthy standby with the least lag\nnote: no action: n1 holds"
                + " a valid lease", g.plan());
    }

    @Test
    void aNewControllerWaitsTheNodeTimeoutBeforeTrustingSilence() {
        Given g = healthyWithReaderVip().readerVipOn(null, 2).carriesReaderVip("n2", false, 2)
                .carriesReaderVip("n3", true, 1).silent("n3", 60_000).controllerStartedAgo(1_000);
        assertEquals("note: no action: n1 holds a valid lease\nnote: reader VIP waits before it starts on n2:"
                + " n3 may still carry it (no report since it was unassigned)", g.plan());
    }

    @Test
    void withoutAHealthyStandbyTheReaderVipStopsOrMovesToThePrimary() {
        Given g = healthyWithReaderVip().readerVipOn("n2", 1).report("n2", PgState.STOPPED, 1, "0/4000")
                .report("n3", PgState.STOPPED, 1, "0/5000");
        assertEquals("unassign reader VIP: no healthy standby", g.plan().lines().findFirst().orElseThrow());
        g.readerVipPolicy(io.pgpacer.core.cib.ReaderVipPolicy.STANDBY_OR_PRIMARY).readerVipOn(null, 2)
                .carriesReaderVip("n2", false, 2).carriesReaderVip("n3", false, 2);
        assertEquals("assign reader VIP to n1: no healthy standby; the primary n1 carries it meanwhile",
                g.plan().lines().findFirst().orElseThrow());
        g.readerVipOn("n1", 3).streaming("n2", "n1", "0/5000");
        assertEquals("unassign reader VIP: it moves to n2 (n2 is the healthy standby with the least lag)",
                g.plan().lines().findFirst().orElseThrow());
    }

    @Test
    void noReaderVipIsPlacedWhenNoneIsConfigured() {
        assertEquals("note: no action: n1 holds a valid lease", healthyWithReaderVip()
                .readerVipPolicy(io.pgpacer.core.cib.ReaderVipPolicy.NONE).plan());
    }

    @Test
    void aReaderVipHolderInMaintenanceKeepsIt() {
        assertEquals("note: no action: n1 holds a valid lease", healthyWithReaderVip().readerVipOn("n2", 1)
                .report("n2", PgState.STOPPED, 1, "0/4000").maintenance(false, "n2").plan());
    }
}
