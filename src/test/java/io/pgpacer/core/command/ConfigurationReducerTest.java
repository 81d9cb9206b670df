package io.pgpacer.core.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterProperty;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.FailCount;
import io.pgpacer.core.cib.NoQuorumPolicy;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.command.StoreCommand.ExpireFailCount;
import io.pgpacer.core.command.StoreCommand.InitializeCluster;
import io.pgpacer.core.command.StoreCommand.ReplaceConfiguration;
import io.pgpacer.core.command.StoreCommand.ReportStatus;
import io.pgpacer.core.command.StoreCommand.SetMaintenance;
import io.pgpacer.core.command.StoreCommand.SetProperties;
import io.pgpacer.core.command.StoreCommand.SetStandby;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cluster properties, node standby, replacing the configuration, and fail-count expiry in the store. */
class ConfigurationReducerTest {

    private static final List<NodeSpec> NODES = List.of(
            new NodeSpec("n1", "127.0.0.1", 8001, 9001, 5401, false),
            new NodeSpec("n2", "127.0.0.1", 8002, 9002, 5402, false),
            new NodeSpec("w", "127.0.0.1", 8003, 9003, 0, true));

    private Cib cib = CibReducer.apply(Cib.EMPTY,
            new InitializeCluster("pgc", NODES, new ClusterSettings(1, 3000, 3000, 1000))).cib();

    private CommandResult run(StoreCommand command) {
        Outcome outcome = CibReducer.apply(cib, command);
        if (!outcome.result().applied()) {
            assertSame(cib, outcome.cib(), "a refused command must leave the CIB unchanged");
        }
        cib = outcome.cib();
        return outcome.result();
    }

    private static Map<String, String> props(String... nameValue) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            map.put(nameValue[i], nameValue[i + 1]);
        }
        return map;
    }

    @Test
    void propertiesAreSetTogetherAndUnsetReturnsTheDefault() {
        CommandResult result = run(new SetProperties(props("migration-threshold", "3", "no-quorum-policy", "DEMOTE",
                "failure-timeout", "600", "maintenance-mode", "true", "failsafe", "true", "auto-rewind", "false")));
        assertTrue(result.applied(), result.message());
        assertEquals("properties set: migration-threshold=3, no-quorum-policy=demote, failure-timeout=10m,"
                + " maintenance-mode=true, failsafe=true, auto-rewind=false", result.message());
        assertEquals(3, cib.settings().migrationThreshold());
        assertEquals(NoQuorumPolicy.DEMOTE, cib.settings().recovery().noQuorum());
        assertEquals(600_000, cib.settings().failureTimeoutMillis());
        assertTrue(cib.maintenance().cluster());
        assertTrue(cib.settings().recovery().failsafe());
        assertFalse(cib.settings().recovery().autoRewind());

        Map<String, String> unset = new HashMap<>();
        unset.put("migration-threshold", null);
        assertTrue(run(new SetProperties(unset)).applied());
        assertEquals(1, cib.settings().migrationThreshold());
        assertEquals("1", ClusterProperty.MIGRATION_THRESHOLD.value(cib));
    }

    @Test
    void anyBadPropertyRefusesTheWholeChangeAndNamesEachProblem() {
        long configEpoch = cib.configEpoch();
        CommandResult result = run(new SetProperties(props("migration-threshold", "3", "no-quorum-policy", "ignore",
                "failure-timeout", "soon", "colour", "blue", "resource-stickiness", "-100")));
        assertFalse(result.applied());
        assertEquals("property 'no-quorum-policy': 'ignore' is unsafe here: a primary cut off from the majority would"
                + " keep accepting writes after the majority promoted another node (two primaries). Use 'stop' (the"
                + " default) or 'demote' (the cut-off primary serves reads only); property 'failure-timeout': expected"
                + " a duration from 0 (never) to 720h, like 90s, 10m or 1h, got 'soon'; unknown property 'colour'; properties"
                + " are no-quorum-policy, migration-threshold, failure-timeout, write-probe-timeout, write-probe-failure,"
                + " maintenance-mode, failsafe, auto-rewind, resource-stickiness; property 'resource-stickiness': expected"
                + " a whole number >= 0 or INFINITY, got '-100'; nothing was changed", result.message());
        assertEquals(1, cib.settings().migrationThreshold());
        assertEquals(configEpoch, cib.configEpoch());
    }

    @Test
    void resourceStickinessTakesAWholeNumberOrInfinityAndDefaultsToInfinity() {
        assertEquals("INFINITY", ClusterProperty.RESOURCE_STICKINESS.value(cib));
        CommandResult result = run(new SetProperties(props("resource-stickiness", "100")));
        assertTrue(result.applied(), result.message());
        assertEquals(100, cib.settings().resourceStickiness());
        assertTrue(run(new SetProperties(props("resource-stickiness", "+inf"))).applied());
        assertEquals("INFINITY", ClusterProperty.RESOURCE_STICKINESS.value(cib));
        assertTrue(run(new SetProperties(props("resource-stickiness", "0"))).applied());
        Map<String, String> unset = new HashMap<>();
        unset.put("resource-stickiness", null);
        assertTrue(run(new SetProperties(unset)).applied());
        assertEquals(io.pgpacer.core.resource.Score.INFINITY, cib.settings().resourceStickiness());
    }

    @Test
    void eachPropertyRefusesValuesOutsideItsRange() {
        for (String[] bad : new String[][] {{"migration-threshold", "0"}, {"migration-threshold", "2.5"},
                {"maintenance-mode", "yes"}, {"failsafe", ""}, {"no-quorum-policy", "freeze"},
                {"failure-timeout", "-1"}, {"resource-stickiness", "-1"}, {"resource-stickiness", "soft"},
                {"write-probe-timeout", "500ms"}, {"write-probe-timeout", "1h"}, {"write-probe-timeout", "soon"},
                {"write-probe-failure", "ignore"}, {"write-probe-failure", ""}}) {
            CommandResult result = run(new SetProperties(props(bad[0], bad[1])));
            assertFalse(result.applied(), bad[0] + "=" + bad[1]);
            assertTrue(result.message().startsWith("property '" + bad[0] + "': "), result.message());
        }
    }

    @Test
    void theWriteProbeTimeoutIsSetNamedAndUnsetToItsDefault() {
        assertEquals("5s", io.pgpacer.core.cib.ClusterProperty.WRITE_PROBE_TIMEOUT.value(cib));
        assertTrue(run(new SetProperties(props("write-probe-timeout", "1.5s"))).applied());
        assertEquals(1_500, cib.settings().writeProbeTimeoutMillis());
        assertEquals("1500ms", io.pgpacer.core.cib.ClusterProperty.WRITE_PROBE_TIMEOUT.value(cib));
        assertEquals("property 'write-probe-timeout': 200ms is too short; use at least 1s (1s to 10m); nothing was changed",
                run(new SetProperties(props("write-probe-timeout", "200ms"))).message());
    }

    @Test
    void standbyIsForDataNodesOnly() {
        assertTrue(run(new SetStandby("n2", true)).applied());
        assertEquals(List.of("n2"), cib.standby());
        assertEquals("w is a witness and runs no resources", run(new SetStandby("w", true)).message());
        assertEquals("unknown data node 'n9'; data nodes are [n1, n2]", run(new SetStandby("n9", true)).message());
        assertTrue(run(new SetStandby("n2", false)).applied());
        assertEquals(List.of(), cib.standby());
    }

    @Test
    void theConfigEpochGrowsWithConfigurationChangesOnly() {
        long before = cib.configEpoch();
        run(new ReportStatus(new io.pgpacer.core.cib.NodeReport("n1", 1, io.pgpacer.core.cib.PgState.STOPPED, 0, 1,
                io.pgpacer.core.model.Lsn.parse("0/1"), io.pgpacer.core.model.Lsn.parse("0/1"), null, false,
                List.of(), null, null, null)));
        assertEquals(before, cib.configEpoch(), "a status report is not a configuration change");
        run(new SetMaintenance("n1", true));
        assertEquals(before + 1, cib.configEpoch());
        run(new SetStandby("n2", true));
        assertEquals(before + 2, cib.configEpoch());
    }

    @Test
    void replaceAppliesEverythingAtTheQueriedEpoch() {
        CommandResult result = run(new ReplaceConfiguration(cib.configEpoch(), props("migration-threshold", "2",
                "maintenance-mode", "false"), List.of("n1"), List.of("n2"), null));
        assertTrue(result.applied(), result.message());
        assertEquals(2, cib.settings().migrationThreshold());
        assertEquals(List.of("n1"), cib.maintenance().nodes());
        assertEquals(List.of("n2"), cib.standby());
    }

    @Test
    void replacingWithTheSameConfigurationChangesNothingInIt() {
        long before = cib.configEpoch();
        Map<String, String> current = new LinkedHashMap<>();
        for (ClusterProperty p : ClusterProperty.values()) {
            current.put(p.propertyName(), p.value(cib));
        }
        CommandResult result = run(new ReplaceConfiguration(before, current, List.of(), List.of(), null));
        assertEquals("configuration unchanged", result.message());
        assertEquals(before, cib.configEpoch());
    }

    @Test
    void aStaleOrInvalidReplaceChangesNothing() {
        long queried = cib.configEpoch();
        run(new SetMaintenance("n2", true));
        CommandResult stale = run(new ReplaceConfiguration(queried, props("migration-threshold", "5"), List.of(),
                List.of(), null));
        assertEquals("the configuration changed since it was queried (epoch " + (queried + 1) + ", the document says "
                + queried + "); query it again and redo the change", stale.message());
        CommandResult invalid = run(new ReplaceConfiguration(cib.configEpoch(), props("migration-threshold", "x"),
                List.of("n7"), List.of("w"), null));
        assertEquals("property 'migration-threshold': expected a whole number from 1 to 1000000, got 'x'; key 'maintenance-nodes':"
                + " unknown node 'n7'; configured nodes are [n1, n2, w]; key 'standby-nodes': w is a witness and runs"
                + " no resources; nothing was changed", invalid.message());
        assertEquals(1, cib.settings().migrationThreshold());
    }

    @Test
    void aFailCountExpiresOnlyIfUnchanged() {
        cib = cib.withFailCount("n2", new FailCount(2, "2024-05-01T10:00:00Z"));
        assertFalse(run(new ExpireFailCount("n2", 1, "2024-05-01T10:00:00Z")).applied());
        assertTrue(run(new ExpireFailCount("n2", 2, "2024-05-01T10:00:00Z")).applied());
        assertEquals(0, cib.failCount("n2").count());
    }
}
