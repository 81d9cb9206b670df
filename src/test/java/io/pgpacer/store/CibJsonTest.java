package io.pgpacer.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.CommitGuardReport;
import io.pgpacer.core.cib.FailCount;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.ReplicaStatus;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.model.Lsn;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CibJsonTest {

    static final List<NodeSpec> NODES = List.of(
            new NodeSpec("node1", "10.0.0.1", 7800, 7801, 5432, false),
            new NodeSpec("node2", "10.0.0.2", 7800, 7801, 5432, false),
            new NodeSpec("witness", "10.0.0.3", 7800, 7801, 0, true));

    static final NodeReport REPORT = new NodeReport("node1", 17, PgState.PRIMARY, 4242, 3,
            Lsn.parse("0/3000148"), Lsn.parse("1/A0"), null, false,
            List.of(new ReplicaStatus("node2", "streaming", "sync", Lsn.parse("0/3000100"), Lsn.parse("0/3000000"))),
            "monitoring", null, "2024-05-01T10:00:00Z", true, 4, Map.of("pgbouncer",
                    new io.pgpacer.core.resource.ResourceState(io.pgpacer.core.resource.ResourceState.STARTED, true,
                            "2024-05-01T10:00:00Z")), CommitGuardReport.held(7, OptionalLong.of(2_350), 1, 0));

    static final PromotionRecord PROMOTION = new PromotionRecord("node1", 2, Lsn.parse("0/2FFFFF8"), 3,
            "2024-05-01T09:59:00Z", "failover", true);

    static final io.pgpacer.core.cib.PromotionPhases PHASES = io.pgpacer.core.cib.PromotionPhases.between(1000, List.of(
            new io.pgpacer.core.cib.PromotionPhases.PhaseEnd(io.pgpacer.core.cib.PromotionPhases.Phase.DETECTION, 3310),
            new io.pgpacer.core.cib.PromotionPhases.PhaseEnd(io.pgpacer.core.cib.PromotionPhases.Phase.FIRST_WRITE,
                    4050)));

    /** One sample per command type; the test below fails when a new command has no sample here. */
    static final List<StoreCommand> EVERY_COMMAND = List.of(
            new StoreCommand.InitializeCluster("prod", NODES, new ClusterSettings(3, 5_000, 4_000, 60_000)),
            new StoreCommand.ReportStatus(REPORT),
            new StoreCommand.AssignGoals(4, goals()),
            new StoreCommand.ExpireLease("node1", 7, 120),
            new StoreCommand.AcquireLease("node2"),
            new StoreCommand.RenewLease("node1", 7),
            new StoreCommand.ReleaseLease("node1", 7),
            new StoreCommand.ReportFailure("node2", "monitor", 7, "not running", "2024-05-01T10:01:00Z"),
            new StoreCommand.ReportCommitsHang("node1", "commit probe timed out after 5 s: the commit has not"
                    + " returned (5.1 s so far)", "2024-05-01T10:01:30Z"),
            new StoreCommand.RecordPromotion(7, PROMOTION),
            new StoreCommand.RecordDiscardReport(io.pgpacer.core.cib.DiscardReport.read("node1",
                    "2026-12-07T09:00:00Z", "pg_rewind", 2, "diverged from timeline 1 at 0/3000148", 1,
                    Lsn.parse("0/3000148"), Lsn.parse("0/3001000"), List.of(new io.pgpacer.core.cib.DiscardedTransaction(
                            740, io.pgpacer.core.cib.DiscardedTransaction.Outcome.COMMITTED, "2026-12-07T08:59:59Z",
                            Lsn.parse("0/3000F00"), List.of(new io.pgpacer.core.cib.DiscardedTransaction.RelationChange(
                                    "1663/5/16384", "postgres", "public.lost", 3, 0, 1)))))),
            new StoreCommand.ConfirmPromotion("node1", 7, 4, Lsn.parse("0/3000148")),
            new StoreCommand.RecordPromotionPhases("node1", 4, PHASES),
            new StoreCommand.RequestRepair("node2", new io.pgpacer.core.cib.Repair(
                    io.pgpacer.core.cib.Repair.Kind.REBUILD, true, "2024-05-01T10:02:00Z")),
            new StoreCommand.CompleteRepair("node2", "2024-05-01T10:02:00Z"),
            new StoreCommand.RecoverMaster("node1", 9, "most advanced WAL (timeline 3, 0/5000000)"),
            new StoreCommand.SetSyncStandbys("node1", 7, 2, List.of("node2", "node3"), 1),
            new StoreCommand.ForcePromotion("node2", "ticket 42"),
            new StoreCommand.RecordFailedAction(new io.pgpacer.core.cib.FailedAction("node1", "promote", 1,
                    "no eligible standby", "2024-05-01T10:00:00Z")),
            new StoreCommand.WithdrawFailedAction(new io.pgpacer.core.cib.FailedAction("node2", "start", 1,
                    "DIVERGED: its WAL ends at 0/3000148 on timeline 5", "2024-05-01T10:00:00Z")),
            new StoreCommand.SetControllerActivity(new io.pgpacer.core.cib.ControllerActivity(
                    io.pgpacer.core.cib.ControllerActivity.Kind.NO_ELIGIBLE_NODE, "no promotion: node1 is offline",
                    "pgpacer resource cleanup --node node2")),
            new StoreCommand.SetControllerActivity(null),
            new StoreCommand.CleanupFailures(null),
            new StoreCommand.RequestSwitchover("node1", null, 1_800_000_000_000L, "2024-05-01T10:00:00Z", 16 << 20),
            new StoreCommand.CancelSwitchover(),
            new StoreCommand.BeginSwitchover(5, "node2"),
            new StoreCommand.HandOver("node1", 7, io.pgpacer.core.model.Lsn.parse("0/5000028")),
            new StoreCommand.AbortSwitchover(6, "node2 did not catch up", "2024-05-01T10:00:09Z"),
            new StoreCommand.SetMaintenance("node2", true),
            new StoreCommand.MoveReaderVip(3, "node2", "node2 is the sync standby"),
            new StoreCommand.SetProperties(propertyChanges()),
            new StoreCommand.SetStandby("node2", true),
            new StoreCommand.ReplaceConfiguration(4, Map.of("migration-threshold", "3"), List.of("node1"),
                    List.of("node2"), io.pgpacer.core.resource.ResourceFixtures.sample()),
            new StoreCommand.ReplaceResources(4, io.pgpacer.core.resource.ResourceFixtures.sample(), "created pgbouncer"),
            new StoreCommand.PlaceResources(2, placement()),
            new StoreCommand.ReportResourceFailure("node2", "pgbouncer", "monitor", 7, "not running",
                    "2024-05-01T10:01:00Z"),
            new StoreCommand.CleanupResource("pgbouncer", null),
            new StoreCommand.ExpireResourceFailCount("pgbouncer", "node2", 1, "2024-05-01T10:01:00Z"),
            new StoreCommand.RestartResource("pgbouncer", "node1"),
            new StoreCommand.ExpireFailCount("node2", 2, "2024-05-01T10:01:00Z"));

    /** A placement and a removal (null: runs nowhere) in one command. */
    static Map<String, String> placement() {
        Map<String, String> placement = new LinkedHashMap<>();
        placement.put("pgbouncer", "node1");
        placement.put("reports-ip", null);
        return placement;
    }

    /** A set and an unset (null: back to the default) in one command. */
    static Map<String, String> propertyChanges() {
        Map<String, String> changes = new LinkedHashMap<>();
        changes.put("migration-threshold", "3");
        changes.put("failure-timeout", null);
        return changes;
    }

    static Map<String, NodeGoal> goals() {
        Map<String, NodeGoal> goals = new LinkedHashMap<>();
        goals.put("node1", NodeGoal.primary("initial start: most advanced WAL"));
        goals.put("node2", NodeGoal.standbyOf("node1", "initial start"));
        return goals;
    }

    static Cib populatedCib() {
        return Cib.EMPTY.initializedAs("prod", NODES, new ClusterSettings(1, 3_000, 3_000, 30_000,
                        new io.pgpacer.core.cib.SyncPolicy(io.pgpacer.core.cib.ReplicationMode.QUORUM, 1, 5_000, false))
                        .withFailureTimeoutMillis(600_000))
                .withSyncSet(new io.pgpacer.core.cib.SyncSet(List.of("node2"), 1, 3))
                .withSwitchover(new io.pgpacer.core.cib.Switchover("node1", "node2", 0, "2024-05-01T10:00:00Z", 1024,
                        io.pgpacer.core.cib.Switchover.Phase.CATCHING_UP, io.pgpacer.core.model.Lsn.parse("0/5000028")))
                .withMaintenance(new io.pgpacer.core.cib.Maintenance(false, List.of("node2")))
                .withStandby(List.of("node2"))
                .withConfigEpoch(9)
                .withResources(io.pgpacer.core.resource.ResourceFixtures.sample())
                .withResourceRuntime(io.pgpacer.core.resource.ResourceRuntime.EMPTY.placed(Map.of("pgbouncer", "node1"))
                        .withFailCount(new io.pgpacer.core.resource.ResourceFailCount("reports-ip", "node2", 1,
                                "2024-05-01T10:01:00Z")).withRestart("pgbouncer"))
                .withReport(REPORT)
                .withGoals(goals())
                .withLease(new Lease("node1", 7, 3))
                .withFailCount("node2", new FailCount(2, "2024-05-01T10:01:00Z"))
                .withFailedActions(List.of(new FailedAction("node2", "monitor", 7, "not running",
                        "2024-05-01T10:01:00Z")))
                .withHistoryEntry(PROMOTION)
                .withEpoch(42);
    }

    @Test
    void everyCommandTypeRoundTrips() {
        Set<String> sampled = EVERY_COMMAND.stream().map(c -> c.getClass().getSimpleName())
                .collect(Collectors.toSet());
        Set<String> declared = Arrays.stream(StoreCommand.class.getPermittedSubclasses())
                .map(Class::getSimpleName).collect(Collectors.toSet());
        assertEquals(declared, sampled, "every StoreCommand type needs a sample in EVERY_COMMAND");
        for (StoreCommand command : EVERY_COMMAND) {
            byte[] json = CibJson.encode(command);
            assertTrue(new String(json, UTF_8).startsWith("{\"type\":\"" + command.getClass().getSimpleName() + "\""),
                    () -> new String(json, UTF_8));
            assertEquals(command, CibJson.decodeCommand(json));
        }
    }

    @Test
    void aCibWrittenBeforeStandbyAndFailureTimeoutExistedStillLoads() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper mapper = CibJson.mapper();
        com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
                mapper.readTree(CibJson.encode(populatedCib()));
        tree.remove(List.of("standby", "configEpoch"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("settings")).remove(List.of("failureTimeoutMillis",
                "resourceStickiness", "writeProbeTimeoutMillis"));
        Cib old = CibJson.decodeCib(mapper.writeValueAsBytes(tree));
        assertEquals(List.of(), old.standby());
        assertEquals(0, old.configEpoch());
        assertEquals(0, old.settings().failureTimeoutMillis());
        assertEquals(io.pgpacer.core.resource.Score.INFINITY, old.settings().resourceStickiness(),
                "a CIB from before resource-stickiness existed takes its default, not 0");
        assertEquals(5_000, old.settings().writeProbeTimeoutMillis(),
                "a CIB from before write-probe-timeout existed takes its default, not 0");
        assertEquals(populatedCib().settings().sync(), old.settings().sync());
    }

    @Test
    void populatedCibRoundTrips() {
        Cib cib = populatedCib();
        assertEquals(cib, CibJson.decodeCib(CibJson.encode(cib)));
        assertEquals(Cib.EMPTY, CibJson.decodeCib(CibJson.encode(Cib.EMPTY)));
    }

    // Issue 18: the phases are written only when known, so that members one version behind still read a RecordPromotion
    // of this version, and a history entry or a RecordPromotion without them (an older agent's) reads as null.
    @Test
    void aPromotionWithoutPhasesIsWrittenWithoutThemAndReadAsNull() throws Exception {
        String command = new String(CibJson.encode(new StoreCommand.RecordPromotion(7, PROMOTION)), UTF_8);
        assertFalse(command.contains("phases"), command);
        assertEquals(new StoreCommand.RecordPromotion(7, PROMOTION), CibJson.decodeCommand(command.getBytes(UTF_8)));

        Cib withPhases = populatedCib().withHistoryEntry(PROMOTION.withPhases(PHASES));
        String json = new String(CibJson.encode(withPhases), UTF_8);
        assertTrue(json.contains("\"phases\":{\"times\":[{\"phase\":\"DETECTION\",\"millis\":2310},{\"phase\":"
                + "\"FIRST_WRITE\",\"millis\":740}],\"totalMillis\":3050}"), json);
        assertEquals(withPhases, CibJson.decodeCib(json.getBytes(UTF_8)));
        com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
                CibJson.mapper().readTree(json);
        tree.get("history").forEach(entry -> ((com.fasterxml.jackson.databind.node.ObjectNode) entry).remove("phases"));
        assertEquals(List.of(PROMOTION, PROMOTION), CibJson.decodeCib(CibJson.mapper().writeValueAsBytes(tree)).history(),
                "a CIB written before phases were measured still loads");
    }

    @Test
    void lsnIsWrittenAsPostgresPrintsIt() {
        String json = new String(CibJson.encode(new StoreCommand.ReportStatus(REPORT)), UTF_8);
        assertTrue(json.contains("\"lsn\":\"0/3000148\""), json);
        assertTrue(json.contains("\"replayLsn\":\"1/A0\""), json);
    }

    @Test
    void derivedAccessorsAreNotWritten() {
        String json = new String(CibJson.encode(populatedCib()), UTF_8);
        assertFalse(json.contains("\"free\""), json);
        assertFalse(json.contains("\"initialized\""), json);
    }

    @Test
    void resultAndSnapshotRoundTrip() {
        CommandResult result = new CommandResult(true, "lease acquired", 9, 8);
        assertEquals(result, CibJson.decodeResult(CibJson.encode(result)));
        CibJson.Snapshot snapshot = new CibJson.Snapshot(3, 1042, populatedCib());
        assertEquals(snapshot, CibJson.decodeSnapshot(CibJson.encode(snapshot)));
    }

    @Test
    void aResultSaysItsLeaseEffectAndOneFromAnOlderMemberIsReadFromItsMessage() {
        CommandResult held = new CommandResult(false, "already held", 9, 8, CommandResult.LeaseEffect.ALREADY_HELD);
        assertEquals(held, CibJson.decodeResult(CibJson.encode(held)));
        // why: during a rolling upgrade the store's leader may be of a version whose results carry no lease effect
        assertEquals(CommandResult.LeaseEffect.ALREADY_HELD, CibJson.decodeResult(
                "{\"applied\":false,\"message\":\"already held\",\"epoch\":9,\"value\":8}".getBytes(UTF_8)).lease());
        assertEquals(CommandResult.LeaseEffect.RELEASED, CibJson.decodeResult(("{\"applied\":true,\"message\":"
                + "\"fail-count 3 reached migration-threshold; lease released\",\"epoch\":9,\"value\":0}")
                .getBytes(UTF_8)).lease());
        assertEquals(CommandResult.LeaseEffect.NONE, CibJson.decodeResult(
                "{\"applied\":true,\"message\":\"fail-count 1\",\"epoch\":9,\"value\":0}".getBytes(UTF_8)).lease());
    }

    @Test
    void badCommandsAreRefusedWithTheReason() {
        IllegalArgumentException unknownField = assertThrows(IllegalArgumentException.class, () -> CibJson
                .decodeCommand("{\"type\":\"AcquireLease\",\"node\":\"node1\",\"force\":true}".getBytes(UTF_8)));
        assertTrue(unknownField.getMessage().contains("force"), unknownField.getMessage());

        IllegalArgumentException unknownType = assertThrows(IllegalArgumentException.class,
                () -> CibJson.decodeCommand("{\"type\":\"DropTables\"}".getBytes(UTF_8)));
        assertTrue(unknownType.getMessage().contains("DropTables"), unknownType.getMessage());

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> CibJson.decodeCommand("{\"type\":\"RenewLease\",\"node\":\"node1\"}".getBytes(UTF_8)));
        assertTrue(missing.getMessage().contains("generation"), missing.getMessage());

        IllegalArgumentException badLsn = assertThrows(IllegalArgumentException.class, () -> CibJson.decodeCommand(
                ("{\"type\":\"RecordPromotion\",\"leaseGeneration\":1,\"entry\":{\"node\":\"node1\","
                        + "\"oldTimeline\":1,\"switchLsn\":\"3000148\",\"newTimeline\":2,\"at\":\"t\","
                        + "\"reason\":\"failover\",\"confirmed\":false}}").getBytes(UTF_8)));
        assertTrue(badLsn.getMessage().contains("3000148"), badLsn.getMessage());

        assertThrows(IllegalArgumentException.class, () -> CibJson.decodeCommand("not json".getBytes(UTF_8)));
    }

    @Test
    void aCibFromANewerVersionStillLoads() {
        String json = new String(CibJson.encode(populatedCib()), UTF_8)
                .replaceFirst("\\{", "{\"addedInALaterRelease\":{\"x\":1},");
        assertEquals(populatedCib(), CibJson.decodeCib(json.getBytes(UTF_8)));
    }

    /** The JSON of {@link #REPORT} as a ReportStatus command, to be edited as another version would write it. */
    private static com.fasterxml.jackson.databind.node.ObjectNode reportCommand() throws Exception {
        return (com.fasterxml.jackson.databind.node.ObjectNode) CibJson.mapper().readTree(
                CibJson.encode(new StoreCommand.ReportStatus(REPORT)));
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode report(
            com.fasterxml.jackson.databind.node.ObjectNode command) {
        return (com.fasterxml.jackson.databind.node.ObjectNode) command.get("report");
    }

    @Test
    void theCommitGuardIsWrittenInEveryReport() {
        String json = new String(CibJson.encode(new StoreCommand.ReportStatus(REPORT)), UTF_8);
        assertTrue(json.contains("\"commitGuard\":{\"state\":\"GRANTED\",\"epoch\":7,\"remainingMillis\":2350,"
                + "\"refusedCommits\":1,\"withheldAcks\":0,\"reason\":null}"), json);
    }

    @Test
    void aReportOfAnAgentWithoutTheCommitGuardStillAppliesAsUnknown() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode older = reportCommand();
        report(older).remove("commitGuard");
        StoreCommand decoded = CibJson.decodeCommand(CibJson.mapper().writeValueAsBytes(older));
        NodeReport report = ((StoreCommand.ReportStatus) decoded).report();
        assertEquals(CommitGuardReport.UNKNOWN, report.commitGuard());
        assertEquals(new NodeReport(REPORT.node(), REPORT.sequence(), REPORT.pgState(), REPORT.postmasterPid(),
                REPORT.timeline(), REPORT.lsn(), REPORT.replayLsn(), REPORT.upstream(), REPORT.streaming(),
                REPORT.replicas(), REPORT.activity(), REPORT.lastError(), REPORT.reportedAt(), REPORT.readerVip(),
                REPORT.readerVipSeen(), REPORT.resources()), report, "everything else as written");

        com.fasterxml.jackson.databind.node.ObjectNode cib = (com.fasterxml.jackson.databind.node.ObjectNode)
                CibJson.mapper().readTree(CibJson.encode(populatedCib()));
        ((com.fasterxml.jackson.databind.node.ObjectNode) cib.get("reports").get("node1")).remove("commitGuard");
        assertEquals(CommitGuardReport.UNKNOWN, CibJson.decodeCib(CibJson.mapper().writeValueAsBytes(cib))
                .reports().get("node1").commitGuard(), "a CIB (snapshot) holding the older report");
    }

    @Test
    void aReportOfAnAgentOneVersionAheadStillApplies() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode newer = reportCommand();
        report(newer).putObject("addedInALaterRelease").put("x", 1);
        ((com.fasterxml.jackson.databind.node.ObjectNode) report(newer).get("commitGuard")).put("addedToo", 2);
        assertEquals(new StoreCommand.ReportStatus(REPORT),
                CibJson.decodeCommand(CibJson.mapper().writeValueAsBytes(newer)));

        ((com.fasterxml.jackson.databind.node.ObjectNode) report(newer).get("commitGuard")).put("state",
                "A_STATE_OF_A_LATER_RELEASE");
        NodeReport read = ((StoreCommand.ReportStatus) CibJson.decodeCommand(
                CibJson.mapper().writeValueAsBytes(newer))).report();
        assertEquals(CommitGuardReport.State.UNKNOWN, read.commitGuard().state());
        assertEquals(REPORT.sequence(), read.sequence());
    }

    @Test
    void aReportWithoutAPropertyOfTheFirstReleaseIsStillRefused() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode broken = reportCommand();
        report(broken).remove("sequence");
        byte[] json = CibJson.mapper().writeValueAsBytes(broken);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> CibJson.decodeCommand(json));
        assertTrue(refused.getMessage().contains("'sequence'"), refused.getMessage());

        com.fasterxml.jackson.databind.node.ObjectNode badLsn = reportCommand();
        report(badLsn).put("lsn", "3000148");
        IllegalArgumentException badPosition = assertThrows(IllegalArgumentException.class,
                () -> CibJson.decodeCommand(CibJson.mapper().writeValueAsBytes(badLsn)));
        assertTrue(badPosition.getMessage().contains("3000148"), badPosition.getMessage());

        com.fasterxml.jackson.databind.node.ObjectNode extra = reportCommand();
        extra.put("force", true);
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> CibJson.decodeCommand(CibJson.mapper().writeValueAsBytes(extra)));
        assertTrue(unknown.getMessage().contains("force"), "the command itself stays strict: "
                + unknown.getMessage());
    }
}
