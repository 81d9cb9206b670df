package io.pgpacer.core.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PromotionPhases;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.Repair;
import io.pgpacer.core.command.StoreCommand.AcquireLease;
import io.pgpacer.core.command.StoreCommand.CompleteRepair;
import io.pgpacer.core.command.StoreCommand.RecoverMaster;
import io.pgpacer.core.command.StoreCommand.RequestRepair;
import io.pgpacer.core.command.StoreCommand.AssignGoals;
import io.pgpacer.core.command.StoreCommand.CleanupFailures;
import io.pgpacer.core.command.StoreCommand.ExpireLease;
import io.pgpacer.core.command.StoreCommand.InitializeCluster;
import io.pgpacer.core.command.StoreCommand.RecordPromotion;
import io.pgpacer.core.command.StoreCommand.RenewLease;
import io.pgpacer.core.command.StoreCommand.ReportFailure;
import io.pgpacer.core.command.StoreCommand.SetSyncStandbys;
import io.pgpacer.core.model.Lsn;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CibReducerTest {

    private static final List<NodeSpec> NODES = List.of(
            new NodeSpec("n1", "127.0.0.1", 8001, 9001, 5401, false),
            new NodeSpec("n2", "127.0.0.1", 8002, 9002, 5402, false),
            new NodeSpec("w", "127.0.0.1", 8003, 9003, 0, true));

    private Cib cib = CibReducer.apply(Cib.EMPTY,
            new InitializeCluster("pgc", NODES, new ClusterSettings(2, 3000, 3000, 1000))).cib();

    private CommandResult run(StoreCommand command) {
        Outcome outcome = CibReducer.apply(cib, command);
        if (!outcome.result().applied()) {
            assertSame(cib, outcome.cib(), "a refused command must leave the CIB unchanged");
        }
        cib = outcome.cib();
        return outcome.result();
    }

    @Test
    void commandsBeforeInitialisationAreRefused() {
        Outcome outcome = CibReducer.apply(Cib.EMPTY, new AcquireLease("n1"));
        assertFalse(outcome.result().applied());
        assertEquals("the cluster is not initialised yet", outcome.result().message());
    }

    @Test
    void goalsAreCompareAndSetOnTheirVersion() {
        long version = cib.goalsVersion();
        assertTrue(run(new AssignGoals(version, Map.of("n1", NodeGoal.primary("a")))).applied());
        CommandResult second = run(new AssignGoals(version, Map.of("n2", NodeGoal.primary("b"))));
        assertFalse(second.applied());
        assertEquals("goals changed meanwhile (version 1, expected 0)", second.message());
        assertEquals("n1", cib.goalPrimary().orElseThrow());
    }

    @Test
    void goalsNeverNameTwoPrimariesNorAWitness() {
        run(new AssignGoals(0, Map.of("n1", NodeGoal.primary("a"))));
        assertEquals("goals would name two primaries: [n1, n2]",
                run(new AssignGoals(1, Map.of("n2", NodeGoal.primary("b")))).message());
        assertEquals("unknown data node 'w'", run(new AssignGoals(1, Map.of("w", NodeGoal.standbyOf("n1", "x")))).message());
    }

    @Test
    void onlyTheAssignedPrimaryTakesTheLeaseAndNobodyElseIsMadePrimaryWhileItHoldsIt() {
        assertEquals("n2 is not the assigned primary", run(new AcquireLease("n2")).message());
        run(new AssignGoals(0, Map.of("n1", NodeGoal.primary("a"))));
        CommandResult acquired = run(new AcquireLease("n1"));
        assertTrue(acquired.applied());
        assertEquals(1, acquired.value());
        assertEquals("cannot make n2 primary: n1 holds the primary lease",
                run(new AssignGoals(1, Map.of("n1", NodeGoal.standbyOf("n2", "x"), "n2", NodeGoal.primary("b")))).message());
    }

    @Test
    void expiryOnlyFreesTheLeaseItJudgedAndGenerationsKeepGrowing() {
        run(new AssignGoals(0, Map.of("n1", NodeGoal.primary("a"))));
        run(new AcquireLease("n1"));
        assertTrue(run(new RenewLease("n1", 1)).applied());
        assertFalse(run(new ExpireLease("n1", 1, 0)).applied(), "a renewal after the judgement saves the lease");
        assertTrue(run(new ExpireLease("n1", 1, 1)).applied());
        assertEquals(new Lease(null, 1, 0), cib.lease());
        assertFalse(run(new RenewLease("n1", 1)).applied(), "an expired holding cannot be renewed");
        assertEquals(2, run(new AcquireLease("n1")).value());
    }

    @Test
    void aPrimaryWhoseCommitsHangFailsOverAtOnceWhenAStandbyStreamsAndIsRestartedInPlaceOtherwise() {
        run(new AssignGoals(0, Map.of("n1", NodeGoal.primary("a"))));
        run(new AcquireLease("n1"));
        String reason = "commit probe timed out after 5 s: the commit has not returned (5.1 s so far)";
        assertEquals("fail-count 1", run(new StoreCommand.ReportCommitsHang("n1", reason, "t1")).message(),
                "no standby streams: counted once, as any failure (threshold 2)");
        assertTrue(cib.lease().heldBy("n1"));
        standbyReports("n2", "0/3000000");
        assertEquals("commits hang and n2 streams: fail-count 2 (migration-threshold 2); lease released",
                run(new StoreCommand.ReportCommitsHang("n1", reason, "t2")).message());
        assertTrue(cib.lease().isFree());
        assertFalse(cib.eligibleForPrimary("n1"));
        FailedAction last = cib.failedActions().get(cib.failedActions().size() - 1);
        assertEquals(new FailedAction("n1", "monitor", 1, reason, "t2"), last);
    }

    @Test
    void underWriteProbeFailureRestartAHangingPrimaryIsRestartedInPlaceOnceAndFailsOverWhenItHangsAgain() {
        run(new StoreCommand.SetProperties(Map.of("write-probe-failure", "restart", "migration-threshold", "3")));
        run(new AssignGoals(0, Map.of("n1", NodeGoal.primary("a"))));
        run(new AcquireLease("n1"));
        standbyReports("n2", "0/3000000");
        String reason = "commit probe timed out after 5 s: the commit has not returned (5.1 s so far)";
        assertEquals("fail-count 1", run(new StoreCommand.ReportCommitsHang("n1", reason, "t1")).message(),
                "the first time: a monitor failure like any other, restarted in place");
        assertTrue(cib.lease().heldBy("n1"));
        assertEquals("commits hang and n2 streams: fail-count 3 (migration-threshold 3); lease released",
                run(new StoreCommand.ReportCommitsHang("n1", reason, "t2")).message(), "hanging again: failover");
        assertTrue(cib.lease().isFree());
    }

    @Test
    void aHangingPrimaryWithAStandbyThatCannotTakeOverOnlyCountsOnce() {
        run(new AssignGoals(0, Map.of("n1", NodeGoal.primary("a"))));
        run(new AcquireLease("n1"));
        standbyReports("n2", "0/3000000");
        run(new ReportFailure("n2", "start", 1, "x", "t0"));
        run(new ReportFailure("n2", "start", 1, "x", "t0"));
        assertEquals("fail-count 1", run(new StoreCommand.ReportCommitsHang("n1", "commit probe failed: x", "t1"))
                .message(), "n2 reached migration-threshold itself");
        assertTrue(cib.lease().heldBy("n1"));
    }

    @Test
    void failureAtTheMigrationThresholdReleasesTheHoldersLease() {
        run(new AssignGoals(0, Map.of("n1", NodeGoal.primary("a"))));
        run(new AcquireLease("n1"));
        assertEquals(CommandResult.LeaseEffect.ALREADY_HELD, run(new AcquireLease("n1")).lease(),
                "the holder asking again (an agent restarted under its lease) may go on holding it");
        CommandResult counted = run(new ReportFailure("n1", "monitor", 7, "not running", "t1"));
        assertEquals(List.of("fail-count 1", CommandResult.LeaseEffect.NONE), List.of(counted.message(),
                counted.lease()));
        assertTrue(cib.lease().heldBy("n1"));
        CommandResult released = run(new ReportFailure("n1", "monitor", 7, "not running", "t2"));
        assertEquals(List.of("fail-count 2 reached migration-threshold; lease released",
                CommandResult.LeaseEffect.RELEASED), List.of(released.message(), released.lease()));
        assertTrue(cib.lease().isFree());
        assertEquals(2, cib.failedActions().size());
        run(new CleanupFailures("n1"));
        assertEquals(0, cib.failCount("n1").count());
        assertTrue(cib.failedActions().isEmpty());
    }

    @Test
    void onlyTheLeaseHolderRecordsAPromotion() {
        PromotionRecord entry = new PromotionRecord("n1", 1, Lsn.parse("0/3000000"), 2, "t", "failover", false);
        assertFalse(run(new RecordPromotion(1, entry)).applied());
        run(new AssignGoals(0, Map.of("n1", NodeGoal.primary("a"))));
        run(new AcquireLease("n1"));
        assertTrue(run(new RecordPromotion(1, entry)).applied());
        assertEquals(List.of(entry), cib.history());
    }

    @Test
    void theConfirmationTakesPostgresqlsOwnSwitchpointWhenItKnowsIt() {
        run(new AssignGoals(0, Map.of("n1", NodeGoal.primary("a"))));
        run(new AcquireLease("n1"));
        run(new RecordPromotion(1, new PromotionRecord("n1", 1, Lsn.parse("0/3000200"), 2, "t", "failover", false)));
        assertTrue(run(new StoreCommand.ConfirmPromotion("n1", 1, 2, Lsn.parse("0/30001C8"))).applied());
        assertEquals(new PromotionRecord("n1", 1, Lsn.parse("0/30001C8"), 2, "t", "failover", true),
                cib.lastPromotion().orElseThrow(), "the history file's switchpoint replaces the received position");
    }

    // Issue 18: the new primary records where the time went, once, on its own confirmed promotion; an observation that
    // needs no lease, but never lands on another entry.
    @Test
    void thePhasesOfAPromotionAreRecordedOnceOnTheNewPrimarysConfirmedEntry() {
        PromotionPhases phases = PromotionPhases.between(0, List.of(
                new PromotionPhases.PhaseEnd(PromotionPhases.Phase.DETECTION, 2310),
                new PromotionPhases.PhaseEnd(PromotionPhases.Phase.FIRST_WRITE, 3050)));
        run(new AssignGoals(0, Map.of("n1", NodeGoal.primary("a"))));
        run(new AcquireLease("n1"));
        run(new RecordPromotion(1, new PromotionRecord("n1", 1, Lsn.parse("0/3000200"), 2, "t", "failover", false)));
        assertEquals("the last promotion is not n1's confirmed promotion to timeline 2",
                run(new StoreCommand.RecordPromotionPhases("n1", 2, phases)).message(), "not confirmed yet");
        run(new StoreCommand.ConfirmPromotion("n1", 1, 2));
        assertEquals("the last promotion is not n2's confirmed promotion to timeline 2",
                run(new StoreCommand.RecordPromotionPhases("n2", 2, phases)).message());
        assertEquals("the last promotion is not n1's confirmed promotion to timeline 3",
                run(new StoreCommand.RecordPromotionPhases("n1", 3, phases)).message());
        assertEquals("promotion phases must each name a phase and last 0 ms or more: PromotionPhases[times=[PhaseTime["
                + "phase=LEASE, millis=-5]], totalMillis=-5]", run(new StoreCommand.RecordPromotionPhases("n1", 2,
                        new PromotionPhases(List.of(new PromotionPhases.PhaseTime(PromotionPhases.Phase.LEASE, -5)),
                                -5))).message());

        CommandResult recorded = run(new StoreCommand.RecordPromotionPhases("n1", 2, phases));
        assertTrue(recorded.applied(), recorded.message());
        assertEquals("promotion phases recorded: detection 2.31 s, first write 0.74 s (total 3.05 s)",
                recorded.message());
        assertEquals(new PromotionRecord("n1", 1, Lsn.parse("0/3000200"), 2, "t", "failover", true, phases),
                cib.lastPromotion().orElseThrow());
        assertEquals("the phases of n1's promotion to timeline 2 are recorded already",
                run(new StoreCommand.RecordPromotionPhases("n1", 2, phases)).message());
        PromotionRecord withPhases = cib.lastPromotion().orElseThrow();
        assertEquals(withPhases.withPhases(null).confirm(2), withPhases.confirm(2).withPhases(null),
                "a confirmation keeps the phases");
    }

    @Test
    void aDivergedNodeNeverTakesTheLeaseNorIsForcedPrimary() {
        run(new StoreCommand.ReportStatus(new io.pgpacer.core.cib.NodeReport("n2", 1,
                io.pgpacer.core.cib.PgState.DIVERGED, 0, 1, Lsn.parse("0/5000000"), Lsn.ZERO, null, false, List.of(),
                "DIVERGED", null, "t")));
        assertEquals("n2 diverged from the timeline history: promoting it would lose the timeline's later commits;"
                + " run 'pgpacer repair n2' first", run(new StoreCommand.ForcePromotion("n2", "ticket")).message());
        cib = cib.withGoals(Map.of("n2", NodeGoal.primary("stale goal")));
        assertEquals("n2 diverged from the timeline history; it may not become primary: run 'pgpacer repair n2' or"
                + " 'pgpacer rebuild n2'", run(new AcquireLease("n2")).message());
    }

    // --- repair, rebuild, recover-master ------------------------------------------------------------------

    private static final Repair REWIND = new Repair(Repair.Kind.REWIND, false, "2026-11-24T05:00:00Z");

    private void primaryN1StandbyN2() {
        run(new AssignGoals(cib.goalsVersion(), Map.of("n1", NodeGoal.primary("a"), "n2", NodeGoal.standbyOf("n1", "b"))));
        run(new AcquireLease("n1"));
    }

    @Test
    void aRepairIsKeptInTheStandbysGoalUntilItsAgentReportsItDone() {
        primaryN1StandbyN2();
        long version = cib.goalsVersion();
        assertEquals("n2's agent will run pg_rewind from n1 and rejoin it as a standby; see 'pgpacer status'",
                run(new RequestRepair("n2", REWIND)).message());
        assertEquals(REWIND, cib.goal("n2").orElseThrow().repair());
        assertEquals(version + 1, cib.goalsVersion(), "a repair is a change of goal: stale decisions are refused");
        assertEquals("standby of n1 (pg_rewind requested 2026-11-24T05:00:00Z)", cib.goal("n2").orElseThrow().describe());

        // the controller re-assigns the goal (new reason, same target): the operator's request stays
        run(new AssignGoals(cib.goalsVersion(), Map.of("n2", NodeGoal.standbyOf("n1", "stream from the primary"))));
        assertEquals(REWIND, cib.goal("n2").orElseThrow().repair());

        assertEquals("no repair of n2 requested at 2026-11-24T04:00:00Z is pending",
                run(new CompleteRepair("n2", "2026-11-24T04:00:00Z")).message());
        assertEquals("n2: pg_rewind done", run(new CompleteRepair("n2", REWIND.requestedAt())).message());
        assertEquals(null, cib.goal("n2").orElseThrow().repair());
    }

    @Test
    void repairAndRebuildRefuseThePrimaryUnknownNodesAndAClusterWithoutPrimary() {
        assertEquals("no primary is assigned, so there is nothing to rewind n2 onto; see 'pgpacer status'",
                run(new RequestRepair("n2", REWIND)).message());
        primaryN1StandbyN2();
        assertEquals("n1 is the primary; repair makes a standby follow the primary. To repair n1, first make another"
                + " node the primary: pgpacer switchover", run(new RequestRepair("n1", REWIND)).message());
        assertEquals("n1 is the primary; rebuild makes a standby follow the primary. To rebuild n1, first make another"
                + " node the primary: pgpacer switchover",
                run(new RequestRepair("n1", new Repair(Repair.Kind.REBUILD, false, "t"))).message());
        assertEquals("unknown data node 'n9'; data nodes are [n1, n2]", run(new RequestRepair("n9", REWIND)).message());
        assertEquals("unknown data node 'w'; data nodes are [n1, n2]", run(new RequestRepair("w", REWIND)).message());
        run(new StoreCommand.SetMaintenance("n2", true));
        assertEquals("n2 is in maintenance: its agent does not act (pgpacer node unmaintenance n2)",
                run(new RequestRepair("n2", REWIND)).message());
        run(new StoreCommand.SetMaintenance("n2", false));
        run(new StoreCommand.SetStandby("n2", true));
        assertEquals("n2 is in standby and runs no PostgreSQL (pgpacer node unstandby n2)",
                run(new RequestRepair("n2", REWIND)).message());
    }

    @Test
    void recoverMasterClearsTheRecordedPrimaryOnlyWhenNoPrimaryRuns() {
        primaryN1StandbyN2();
        run(new SetSyncStandbys("n1", 1, 0, List.of("n2"), 1));
        assertEquals("n1 holds the primary lease: a primary runs. recover-master is for a cluster where no node can"
                + " become primary", run(new RecoverMaster("n2", cib.goalsVersion(), "x")).message());
        run(new ExpireLease("n1", 1, 0));
        run(new ReportFailure("n2", "start", 1, "x", "t"));
        assertEquals("goals changed meanwhile (version 1, expected 0); look at 'pgpacer status' and run recover-master"
                + " again", run(new RecoverMaster("n2", cib.goalsVersion() - 1, "x")).message());
        assertTrue(run(new RecoverMaster("n2", cib.goalsVersion(), "most advanced WAL")).applied());
        assertEquals("n2", cib.goalPrimary().orElseThrow());
        assertEquals("recover-master: most advanced WAL", cib.goal("n2").orElseThrow().reason());
        assertEquals(NodeGoal.standbyOf("n2", "follow the recovered primary n2"), cib.goal("n1").orElseThrow());
        assertTrue(cib.syncSet().isEmpty(), "no recorded standby need hold the old primary's commits");
        assertEquals(0, cib.failCount("n2").count(), "the chosen node may take the lease");
        assertTrue(run(new AcquireLease("n2")).applied());
    }

    // --- synchronous replication (S2) ----------------------------------------------------------------

    private void primaryN1WithSyncStandbyN2() {
        run(new AssignGoals(0, Map.of("n1", NodeGoal.primary("a"), "n2", NodeGoal.standbyOf("n1", "b"))));
        run(new AcquireLease("n1"));
        assertTrue(run(new SetSyncStandbys("n1", 1, 0, List.of("n2"), 1)).applied());
    }

    @Test
    void onlyTheLeaseHolderChangesTheSyncSetAndOnlyFromTheVersionItSaw() {
        primaryN1WithSyncStandbyN2();
        assertEquals("the sync set changed meanwhile (version 1, expected 0)",
                run(new SetSyncStandbys("n1", 1, 0, List.of(), 0)).message());
        assertEquals("n2 no longer holds lease generation 1; the sync set stays [n2]",
                run(new SetSyncStandbys("n2", 1, 1, List.of(), 0)).message());
        assertEquals("'n1' cannot be a sync standby of n1", run(new SetSyncStandbys("n1", 1, 1, List.of("n1"), 1)).message());
        assertEquals("'w' cannot be a sync standby of n1", run(new SetSyncStandbys("n1", 1, 1, List.of("w"), 1)).message());
        assertEquals(List.of("n2"), cib.syncSet().standbys());
    }

    @Test
    void onlyARecordedSyncStandbyMayTakeTheLease() {
        primaryN1WithSyncStandbyN2();
        Cib withThirdNode = CibReducer.apply(Cib.EMPTY, new InitializeCluster("pgc", List.of(NODES.get(0), NODES.get(1),
                new NodeSpec("n3", "127.0.0.1", 8004, 9004, 5404, false)), new ClusterSettings(2, 3000, 3000, 1000))).cib();
        cib = withThirdNode.withGoals(Map.of("n1", NodeGoal.primary("a"))).withLease(new Lease("n1", 1, 0))
                .withSyncSet(new io.pgpacer.core.cib.SyncSet(List.of("n2"), 1, 1));
        run(new ExpireLease("n1", 1, 0));
        run(new AssignGoals(cib.goalsVersion(), Map.of("n1", NodeGoal.standbyOf("n3", "x"), "n3", NodeGoal.primary("b"))));
        assertEquals("n3 is not a recorded sync standby [n2]; promoting it could lose acknowledged commits",
                run(new AcquireLease("n3")).message());
    }

    @Test
    void fallbackToAsyncAndPromotionNeverBothWin() {
        // Promotion first: the lease expired, so the isolated primary's fallback is refused; writes keep waiting.
        primaryN1WithSyncStandbyN2();
        Cib start = cib;
        run(new ExpireLease("n1", 1, 0));
        assertFalse(run(new SetSyncStandbys("n1", 1, 1, List.of(), 0)).applied());
        run(new AssignGoals(cib.goalsVersion(), Map.of("n1", NodeGoal.standbyOf("n2", "x"), "n2", NodeGoal.primary("b"))));
        assertTrue(run(new AcquireLease("n2")).applied(), "the recorded sync standby is promoted");

        // Fallback first: the primary proved its lease, so nobody can take the lease while it is renewed.
        cib = start;
        assertTrue(run(new SetSyncStandbys("n1", 1, 1, List.of(), 0)).applied());
        assertEquals("cannot make n2 primary: n1 holds the primary lease", run(new AssignGoals(cib.goalsVersion(),
                Map.of("n1", NodeGoal.standbyOf("n2", "x"), "n2", NodeGoal.primary("b")))).message());
        assertEquals("the lease is held by n1", run(new AcquireLease("n2")).message());
    }

    @Test
    void aForcedPromotionNeedsAFreeLeaseAndClearsTheSyncRecord() {
        primaryN1WithSyncStandbyN2();
        assertEquals("n1 holds the primary lease; a forced promotion is only for when no primary runs",
                run(new StoreCommand.ForcePromotion("n2", "ticket 42")).message());
        run(new ExpireLease("n1", 1, 0));
        run(new ReportFailure("n2", "monitor", 7, "not running", "t"));
        run(new ReportFailure("n2", "monitor", 7, "not running", "t"));
        assertFalse(cib.eligibleForPrimary("n2"));
        assertEquals("n2 will be promoted; acknowledged commits it lacks are lost",
                run(new StoreCommand.ForcePromotion("n2", "ticket 42")).message());
        assertTrue(cib.syncSet().isEmpty());
        assertEquals("n2", cib.goalPrimary().orElseThrow());
        assertTrue(run(new AcquireLease("n2")).applied(), "the forced node takes the lease despite its failures");
        assertEquals("unknown data node 'w'", run(new StoreCommand.ForcePromotion("w", "x")).message());
    }

    @Test
    void noOperatorCommandPromotesWhileMsPostgresqlIsDisabledOrUnmanaged() {
        cib = threeNodesWithPrimaryN1SyncN2();
        for (io.pgpacer.core.resource.ResourceMeta meta : List.of(
                io.pgpacer.core.resource.ResourceMeta.DEFAULT.withEnabled(false),
                io.pgpacer.core.resource.ResourceMeta.DEFAULT.withManaged(false))) {
            cib = cib.withResources(cib.resources().withMeta(io.pgpacer.core.resource.PostgresClone.ID, meta))
                    .withLease(new Lease("n1", 1, 0));
            String refusal = cib.resources().postgres().promotionRefusal().orElseThrow();
            assertEquals(refusal, run(switchoverTo("n3")).message());
            cib = cib.withLease(Lease.FREE);
            assertEquals(refusal, run(new StoreCommand.ForcePromotion("n2", "ticket")).message());
            assertEquals(refusal, run(new RecoverMaster("n2", cib.goalsVersion(), "x")).message());
        }
        assertEquals("msPostgresql is unmanaged: pgpacer does not act on PostgreSQL; run 'pgpacer resource manage"
                + " msPostgresql' first", cib.resources().postgres().promotionRefusal().orElseThrow());
    }

    // --- switchover ---------------------------------------------------------------------------------

    private Cib threeNodesWithPrimaryN1SyncN2() {
        Cib three = CibReducer.apply(Cib.EMPTY, new InitializeCluster("pgc", List.of(NODES.get(0), NODES.get(1),
                new NodeSpec("n3", "127.0.0.1", 8004, 9004, 5404, false)), new ClusterSettings(2, 3000, 3000, 1000))).cib();
        return three.withGoals(Map.of("n1", NodeGoal.primary("a"), "n2", NodeGoal.standbyOf("n1", "b"),
                        "n3", NodeGoal.standbyOf("n1", "b"))).withLease(new Lease("n1", 1, 0))
                .withSyncSet(new io.pgpacer.core.cib.SyncSet(List.of("n2"), 1, 1))
                .withHistoryEntry(new PromotionRecord("n1", 0, Lsn.ZERO, 1, "t", "initial start", true));
    }

    private static StoreCommand.RequestSwitchover switchoverTo(String to) {
        return new StoreCommand.RequestSwitchover("n1", to, 0, "t", 1 << 20);
    }

    private void standbyReports(String node, String lsn) {
        cib = cib.withReport(new io.pgpacer.core.cib.NodeReport(node, 1, io.pgpacer.core.cib.PgState.STANDBY, 0, 1,
                Lsn.parse(lsn), Lsn.parse(lsn), "n1", true, List.of(), null, null, null));
    }

    @Test
    void aSwitchoverIsRequestedFromTheLeaseHolderOnceAndCancelledOnlyBeforeItBegins() {
        cib = threeNodesWithPrimaryN1SyncN2();
        assertEquals("n2 is not the primary any more (n1 holds the lease)",
                run(new StoreCommand.RequestSwitchover("n2", "n3", 0, "t", 0)).message());
        assertEquals("'w' cannot take over from n1", run(switchoverTo("w")).message());
        assertTrue(run(switchoverTo("n3")).applied());
        assertEquals("a switchover is already planned: n1 -> n3 (starting); cancel it first with 'pgpacer switchover"
                + " --cancel'", run(switchoverTo("n2")).message());
        assertTrue(run(new StoreCommand.CancelSwitchover()).applied());
        assertEquals("no switchover is planned", run(new StoreCommand.CancelSwitchover()).message());

        run(switchoverTo("n3"));
        assertTrue(run(new StoreCommand.BeginSwitchover(cib.goalsVersion(), "n3")).applied());
        assertEquals(NodeGoal.standbyOf("n3", "x").describe(), cib.goal("n1").orElseThrow().describe());
        assertFalse(run(new StoreCommand.CancelSwitchover()).applied(), "under way: no cancel");
    }

    @Test
    void theHandOverFreesTheLeaseAndOnlyATargetThatReceivedItAllMayTakeIt() {
        cib = threeNodesWithPrimaryN1SyncN2();
        run(switchoverTo("n3"));
        run(new StoreCommand.BeginSwitchover(cib.goalsVersion(), "n3"));
        assertEquals("n1 no longer holds lease generation 7",
                run(new StoreCommand.HandOver("n1", 7, Lsn.parse("0/5000028"))).message());
        assertTrue(run(new StoreCommand.HandOver("n1", 1, Lsn.parse("0/5000028"))).applied());
        assertTrue(cib.lease().isFree());
        run(new AssignGoals(cib.goalsVersion(), Map.of("n3", NodeGoal.primary("switchover"),
                "n2", NodeGoal.standbyOf("n3", "x"))));

        // n3 is not in the sync set [n2]: it may take the lease only past the old primary's last WAL record.
        standbyReports("n3", "0/5000028");
        assertEquals("n3 is not a recorded sync standby [n2]; promoting it could lose acknowledged commits",
                run(new AcquireLease("n3")).message());
        standbyReports("n3", "0/50000A0");
        assertTrue(run(new AcquireLease("n3")).applied());
        run(new RecordPromotion(2, new PromotionRecord("n3", 1, Lsn.parse("0/50000A0"), 2, "t", "switchover", false)));
        assertEquals("promotion confirmed; switchover complete",
                run(new StoreCommand.ConfirmPromotion("n3", 2, 2)).message());
        assertEquals(null, cib.switchover());
    }

    @Test
    void anAbortAfterTheHandOverGivesThePrimaryRoleBackToTheOldPrimary() {
        cib = threeNodesWithPrimaryN1SyncN2();
        run(switchoverTo("n2"));
        run(new StoreCommand.BeginSwitchover(cib.goalsVersion(), "n2"));
        run(new StoreCommand.HandOver("n1", 1, Lsn.parse("0/5000028")));
        assertFalse(run(new StoreCommand.AbortSwitchover(cib.goalsVersion() - 1, "late", "t")).applied());
        assertEquals("switchover aborted; n1 resumes as primary: n2 did not catch up",
                run(new StoreCommand.AbortSwitchover(cib.goalsVersion(), "n2 did not catch up", "t")).message());
        assertEquals("n1", cib.goalPrimary().orElseThrow());
        assertEquals("switchover", cib.failedActions().get(cib.failedActions().size() - 1).operation());
        assertTrue(run(new AcquireLease("n1")).applied(), "the old primary takes its role back");
    }

    @Test
    void maintenanceIsSetForTheClusterOrAKnownNode() {
        assertEquals("unknown node 'n9'; configured nodes are [n1, n2, w]",
                run(new StoreCommand.SetMaintenance("n9", true)).message());
        assertTrue(run(new StoreCommand.SetMaintenance("n2", true)).applied());
        assertTrue(run(new StoreCommand.SetMaintenance(null, true)).applied());
        assertTrue(cib.maintenance().covers("n1") && cib.maintenance().covers("n2"));
        run(new StoreCommand.SetMaintenance(null, false));
        assertFalse(cib.maintenance().covers("n1"));
        assertTrue(cib.maintenance().covers("n2"));
        run(new StoreCommand.SetMaintenance("n2", false));
        assertTrue(cib.maintenance().isEmpty());
    }
}
