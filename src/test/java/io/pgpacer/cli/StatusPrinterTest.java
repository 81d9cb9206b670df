package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.CommitGuardReport;
import io.pgpacer.core.cib.ControllerActivity;
import io.pgpacer.core.cib.FailCount;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.Maintenance;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.ReplicaStatus;
import io.pgpacer.core.model.Hint;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.core.status.FailCountExpiry;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The status screens a Pacemaker user expects, from a CIB after one failover (pg-151's postmaster died). */
class StatusPrinterTest {

    private static final ZoneId UTC = ZoneOffset.UTC;

    private static ClusterStatus afterFailover() {
        return ClusterStatus.of(afterFailoverCib(), node -> true, "pg-153", true, "pg-151", "2023-11-21T16:59:30Z");
    }

    private static Cib afterFailoverCib() {
        Lsn lsn = Lsn.parse("0/2D004748");
        return Cib.EMPTY.initializedAs("pgcluster", List.of(
                new NodeSpec("pg-151", "192.168.28.151", 8008, 7400, 5432, false),
                new NodeSpec("pg-152", "192.168.28.152", 8008, 7400, 5432, false),
                new NodeSpec("pg-153", "192.168.28.153", 8008, 7400, 5432, false)), ClusterSettings.DEFAULTS)
                .withGoals(Map.of("pg-152", NodeGoal.primary("failover"), "pg-151", NodeGoal.standbyOf("pg-152", "x"),
                        "pg-153", NodeGoal.standbyOf("pg-152", "x")))
                .withLease(new Lease("pg-152", 3, 40))
                .withReport(new NodeReport("pg-152", 9, PgState.PRIMARY, 4242, 2, lsn, lsn, null, false, List.of(
                        new ReplicaStatus("pg-153", "streaming", "async", lsn, lsn)), "primary", null, "t", false, 0,
                        Map.of(), CommitGuardReport.held(3, OptionalLong.of(2_350), 0, 0)))
                .withReport(new NodeReport("pg-153", 9, PgState.STANDBY, 4343, 2, lsn, lsn, "pg-152", true, List.of(),
                        "streaming from pg-152", null, "t", false, 0, Map.of(),
                        CommitGuardReport.held(0, OptionalLong.empty(), 0, 0)))
                .withReport(new NodeReport("pg-151", 9, PgState.FAILED, 0, 1, Lsn.parse("0/2D000000"), Lsn.ZERO, null,
                        false, List.of(), "failed monitor", null, "t", false, 0, Map.of(),
                        CommitGuardReport.inactive("PostgreSQL is not running or does not answer")))
                .withFailCount("pg-151", new FailCount(1, "2023-11-21T16:58:59Z"))
                .withFailedActions(List.of(new FailedAction("pg-151", "monitor", 7, "not running",
                        "2023-11-21T16:58:59Z")))
                .withHistoryEntry(new PromotionRecord("pg-152", 1, Lsn.parse("0/220000A0"), 2, "2023-11-21T16:59:29Z",
                        "failover", true));
    }

    @Test
    void pcsStatusShowsMastersSlavesStoppedAndFailedActions() {
        assertEquals("""
                Cluster name: pgcluster
                Stack: pgpacer (Raft)
                Current DC: pg-153 - partition with quorum
                Last updated: Tue Nov 21 16:59:30 2023 (answered by pg-151)
                Last change: configuration epoch 0 (the epoch of 'pgpacer cib query')

                3 nodes configured

                Online: [ pg-151 pg-152 pg-153 ]

                Full list of resources:

                 Master/Slave Set: msPostgresql [pgsql]
                     Masters: [ pg-152 ]
                     Slaves: [ pg-153 ]
                     Stopped: [ pg-151 ]

                Replication: async
                Fail-counts (migration-threshold 1, failure-timeout 0):
                * pg-151: fail-count 1 (not promoted while it lasts), kept until pgpacer resource cleanup --node pg-151

                Failed Resource Actions:
                * pgsql_monitor on pg-151 'not running' (7): exitreason='not running',
                    last-rc-change='Tue Nov 21 16:58:59 2023'
                """, StatusPrinter.render(afterFailover(), false, UTC));
    }

    // Issue 15.3: a cluster without a primary says so first, with the controller's reason and the command that fixes it.
    @Test
    void noPrimaryIsSaidAtTheTopWithTheReasonAndTheFix() {
        ControllerActivity refusal = new ControllerActivity(ControllerActivity.Kind.NO_ELIGIBLE_NODE, "no promotion:"
                + " pg-152 is offline, and no standby is eligible: pg-151 fail-count 1 >= migration-threshold 1;"
                + " pg-153 offline", Hint.cleanupNode("pg-151"));
        Cib lost = afterFailoverCib().withLease(new Lease(null, 3, 0)).withControllerActivity(refusal);
        String text = StatusPrinter.render(ClusterStatus.of(lost, n -> n.equals("pg-151"), "pg-151", true, "pg-151",
                "2023-11-21T17:00:00Z"), false, UTC);
        assertTrue(text.startsWith("""
                Cluster name: pgcluster
                Stack: pgpacer (Raft)
                Current DC: pg-151 - partition with quorum
                Last updated: Tue Nov 21 17:00:00 2023 (answered by pg-151)
                Last change: configuration epoch 0 (the epoch of 'pgpacer cib query')

                              *** NO PRIMARY: no node accepts writes ***
                  no promotion: pg-152 is offline, and no standby is eligible: pg-151 fail-count 1 >= \
                migration-threshold 1; pg-153 offline
                  To fix: pgpacer resource cleanup --node pg-151

                3 nodes configured
                """), text);

        String waiting = StatusPrinter.render(ClusterStatus.of(lost.withControllerActivity(new ControllerActivity(
                ControllerActivity.Kind.WAITING_FOR_REPORTS, "waiting for reports before a promotion: pg-152 is"
                        + " offline, and no standby is eligible yet: pg-153 has not reported since the primary was lost",
                null)), n -> true, "pg-151", true, "pg-151", "t"), false, UTC);
        assertTrue(waiting.contains("  waiting for reports before a promotion: pg-152 is offline, and no standby is"
                + " eligible yet: pg-153 has not reported since the primary was lost\n\n3 nodes"), waiting);

        Cib paused = lost.withControllerActivity(null).withMaintenance(new Maintenance(true, List.of()));
        String maintenance = StatusPrinter.render(ClusterStatus.of(paused, n -> true, "pg-151", true, "pg-151", "t"),
                false, UTC);
        assertTrue(maintenance.contains("  the cluster is in maintenance: pgpacer promotes nobody\n  To fix: pgpacer"
                + " cluster resume\n"), maintenance);
        assertTrue(!StatusPrinter.render(afterFailover(), false, UTC).contains("NO PRIMARY"), "a primary serves");
    }

    // Issue 15.2: a fail-count expires failure-timeout after the last failure, once the node is healthy again.
    @Test
    void aFailCountShowsWhenItExpires() {
        Cib cib = afterFailoverCib().withSettings(ClusterSettings.DEFAULTS.withFailureTimeoutMillis(60_000));
        String failed = StatusPrinter.render(ClusterStatus.of(cib, n -> true, "pg-153", true, "pg-151",
                "2023-11-21T16:59:07Z"), false, UTC);
        assertTrue(failed.contains("""
                Fail-counts (migration-threshold 1, failure-timeout 1m):
                * pg-151: fail-count 1 (not promoted while it lasts), expires once pg-151 runs as primary or streams again
                """), failed);

        Lsn lsn = Lsn.parse("0/2D004748");
        Cib rejoined = cib.withReport(new NodeReport("pg-151", 9, PgState.STANDBY, 4444, 2, lsn, lsn, "pg-152", true,
                List.of(), "streaming from pg-152", null, "t"));
        ClusterStatus status = ClusterStatus.of(rejoined, n -> true, "pg-153", true, "pg-151", "2023-11-21T16:59:07Z");
        assertTrue(StatusPrinter.render(status, false, UTC).contains(
                "* pg-151: fail-count 1 (not promoted while it lasts), expires in 52 s\n"), StatusPrinter.render(status,
                        false, UTC));
        FailCountExpiry expiry = status.nodes().get(0).failCountExpiry();
        assertEquals(new FailCountExpiry("2023-11-21T16:59:59Z", 52_000L, false), expiry);
    }

    @Test
    void aDivergedNodeIsListedWithTheCommandThatRepairsIt() {
        ClusterStatus failedOver = afterFailover();
        Cib cib = Cib.EMPTY.initializedAs("pgcluster", List.of(
                new NodeSpec("pg-151", "192.168.28.151", 8008, 7400, 5432, false),
                new NodeSpec("pg-152", "192.168.28.152", 8008, 7400, 5432, false)), ClusterSettings.DEFAULTS)
                .withReport(new NodeReport("pg-151", 9, PgState.DIVERGED, 0, 1, Lsn.parse("0/2D000000"), Lsn.ZERO,
                        null, false, List.of(), "DIVERGED: diverged from timeline 1 at 0/220000A0: ...: run 'pgpacer"
                        + " repair pg-151'", null, "t"));
        ClusterStatus status = ClusterStatus.of(cib, node -> true, failedOver.controller(), true, "pg-152", "now");
        assertEquals(List.of("pg-151"), status.diverged());
        assertEquals("DIVERGED", status.nodes().get(0).dataStatus());
        String text = StatusPrinter.render(status, false);
        assertTrue(text.contains("     Diverged: [ pg-151 ]\n"), text);
        assertTrue(text.contains("* pg-151: DIVERGED: diverged from timeline 1 at 0/220000A0: ...: run 'pgpacer repair"
                + " pg-151'\n"), text);
    }

    @Test
    void primitivesAndGroupsAreListedWhereTheyRunWithTheirFailures() {
        ClusterStatus base = afterFailover();
        io.pgpacer.core.resource.Resources resources = io.pgpacer.core.resource.ResourceFixtures.sample();
        Cib cib = Cib.EMPTY.initializedAs("pgcluster", List.of(
                new NodeSpec("pg-151", "192.168.28.151", 8008, 7400, 5432, false),
                new NodeSpec("pg-152", "192.168.28.152", 8008, 7400, 5432, false)), ClusterSettings.DEFAULTS)
                .withResources(resources.withMeta("reports-group", new io.pgpacer.core.resource.ResourceMeta(true,
                        false, null)))
                .withResourceRuntime(io.pgpacer.core.resource.ResourceRuntime.EMPTY.placed(Map.of("pgbouncer", "pg-152",
                        "reports-ip", "pg-151")).withFailCount(new io.pgpacer.core.resource.ResourceFailCount(
                                "pgbouncer", "pg-151", 1, "2023-11-21T17:00:00Z")))
                .withReport(new NodeReport("pg-152", 9, PgState.PRIMARY, 4242, 2, Lsn.ZERO, Lsn.ZERO, null, false,
                        List.of(), "primary", null, "t", false, 0, Map.of("pgbouncer", new io.pgpacer.core.resource
                                .ResourceState("started", true, "t"))))
                .withReport(new NodeReport("pg-151", 9, PgState.STANDBY, 4343, 2, Lsn.ZERO, Lsn.ZERO, "pg-152", true,
                        List.of(), "streaming", null, "t", false, 0, Map.of("pgbouncer", new io.pgpacer.core.resource
                                .ResourceState("stopped", true, "t"), "reports-ip", new io.pgpacer.core.resource
                                .ResourceState("failed", false, "t"))))
                .withFailedActions(List.of(new FailedAction("pg-151", "monitor_5000", 7, "not running",
                        "2023-11-21T17:00:00Z", "pgbouncer")));
        String text = StatusPrinter.render(ClusterStatus.of(cib, node -> true, "pg-152", true, "pg-152",
                base.lastUpdated()), true, UTC);
        assertTrue(text.contains("""
                 pgbouncer   	(pgpacer:exec):	Started pg-152
                 Resource Group: reports-group
                     reports-ip  	(ocf::heartbeat:IPaddr2):	FAILED pg-151 (unmanaged)
                """), text);
        assertTrue(text.contains("* Node pg-151:\n   pgbouncer: fail-count=1 last-failure='Tue Nov 21 17:00:00 2023'\n"),
                text);
        assertTrue(text.contains("* pgbouncer_monitor_5000 on pg-151 'not running' (7): exitreason='not running',\n"),
                text);
    }

    @Test
    void aDamagedStoreMemberIsShownWithItsRepairAndNotAsAResourceFailure() {
        ClusterStatus base = afterFailover();
        String damage = "the Raft log of store member pg-153 in /var/lib/pgpacer/raft/x/current is damaged: it ends at"
                + " entry 300 but the member's snapshot holds entries up to 601 (a log segment was truncated), so it"
                + " cannot append the leader's entries; stop this agent and run 'pgpacer store rejoin --config"
                + " /etc/pgpacer/pgpacer.yml --node pg-153' on this host to set it aside and rejoin from the other"
                + " members";
        List<FailedAction> actions = new java.util.ArrayList<>(base.failedActions());
        actions.add(new FailedAction("pg-153", ClusterStatus.STORE_MEMBER_DAMAGED, 1, damage, "2023-11-21T17:01:00Z"));
        ClusterStatus status = new ClusterStatus(base.schemaVersion(), base.cluster(), base.controller(), base.quorum(),
                base.answeredBy(), base.lastUpdated(), base.configEpoch(), base.noPrimary(), base.controllerActivity(),
                base.nodesConfigured(), base.online(), base.offline(), base.masters(), base.slaves(), base.stopped(),
                base.leaseHolder(), base.nodes(), actions, base.migrationThreshold(), base.failureTimeout(),
                base.lastPromotion(), base.replication(), base.switchover(), base.maintenance(), base.readerVip(),
                base.standby(), base.diverged(), base.postgresMeta(), base.resources(), base.resourceFailCounts(),
                base.writerVip());
        String text = StatusPrinter.render(status, false, UTC);
        assertTrue(text.contains("""

                Damaged Store Members (cut off from the store until repaired):
                * pg-153: %s,
                    recorded='Tue Nov 21 17:01:00 2023' (once repaired: pgpacer resource cleanup --node pg-153)
                """.formatted(damage)), text);
        assertTrue(text.contains("* pgsql_monitor on pg-151"), text);
        assertTrue(!text.contains("store-member on"), "not listed again as a resource failure: " + text);
    }

    @Test
    void aNodeInStandbyIsShownLikeCrmMonShowsIt() {
        ClusterStatus status = afterFailover();
        String rendered = StatusPrinter.render(new ClusterStatus(status.schemaVersion(), status.cluster(),
                status.controller(), status.quorum(), status.answeredBy(), status.lastUpdated(), status.configEpoch(),
                status.noPrimary(), status.controllerActivity(), status.nodesConfigured(),
                List.of("pg-152", "pg-153"), status.offline(), status.masters(), status.slaves(), status.stopped(),
                status.leaseHolder(), status.nodes(), status.failedActions(), status.migrationThreshold(),
                status.failureTimeout(), status.lastPromotion(), status.replication(), status.switchover(), status.maintenance(),
                status.readerVip(), List.of("pg-151"), List.of(), null, List.of(), List.of(), null), false);
        assertTrue(rendered.contains("3 nodes configured\n\nNode pg-151: standby\nOnline: [ pg-152 pg-153 ]\n"),
                rendered);
    }

    @Test
    void theVipsAreShownAsTheReferenceGroupsWithWhereTheyRunAndWhy() {
        ClusterSettings withVips = new ClusterSettings(1, 3_000, 3_000, 30_000, null, null,
                io.pgpacer.core.cib.ReaderVipPolicy.STANDBY).withVipAddresses(new io.pgpacer.core.cib.VipAddresses(
                        "192.168.28.41/24 on eth0", "192.168.28.141/24 on eth0"));
        ClusterStatus before = afterFailover();
        Cib cib = Cib.EMPTY.initializedAs("pgcluster", List.of(
                new NodeSpec("pg-151", "192.168.28.151", 8008, 7400, 5432, false)), withVips)
                .withLease(new Lease("pg-151", 1, 1))
                .withReport(new NodeReport("pg-151", 9, PgState.PRIMARY, 4242, 2, Lsn.ZERO, Lsn.ZERO, null, false,
                        List.of(), "primary", null, "t"));
        String started = StatusPrinter.render(ClusterStatus.of(cib.withReaderVip(new io.pgpacer.core.cib.ReaderVip(
                "pg-153", 4, "pg-153 is the sync standby")), node -> true, "pg-151", true, "pg-151", "t"), false);
        assertTrue(started.contains("""
                 Resource Group: master-group
                     vip-master  \t(ocf::heartbeat:IPaddr2):\tStarted pg-151
                 Resource Group: slave-group
                     vip-slave   \t(ocf::heartbeat:IPaddr2):\tStarted pg-153 (pg-153 is the sync standby)
                """), started);
        String stopped = StatusPrinter.render(ClusterStatus.of(cib.withLease(Lease.FREE), node -> true, "pg-151",
                true, "pg-151", "t"), false);
        assertTrue(stopped.contains("vip-master  \t(ocf::heartbeat:IPaddr2):\tStopped\n")
                && stopped.contains("vip-slave   \t(ocf::heartbeat:IPaddr2):\tStopped\n"), stopped);
        assertEquals(-1, StatusPrinter.render(before, false).indexOf("vip-"), "no VIP configured");
    }

    @Test
    void fullStatusAddsNodeAttributesMigrationSummaryAndTheLatestPromotion() {
        String full = StatusPrinter.render(afterFailover(), true, UTC);
        String attributes = full.substring(full.indexOf("Node Attributes:"), full.indexOf("Failed Resource Actions:"));
        assertEquals("""
                Node Attributes:
                * Node pg-151:
                    + master-pgsql                    : -INFINITY
                    + pgsql-data-status               : DISCONNECT
                    + pgsql-status                    : STOP
                    + pgpacer-goal                    : standby of pg-152
                    + pgpacer-wal                     : timeline 1, 0/2D000000
                    + commit-guard                    : inactive (PostgreSQL is not running or does not answer)
                    + pgpacer-activity                : failed monitor
                * Node pg-152:
                    + master-pgsql                    : 1000
                    + pgsql-data-status               : LATEST
                    + pgsql-master-baseline           : 00000000220000A0
                    + pgsql-status                    : PRI
                    + pgpacer-goal                    : primary
                    + pgpacer-wal                     : timeline 2, 0/2D004748
                    + commit-guard                    : granted epoch 3 (2350 ms left at report time)
                    + pgpacer-activity                : primary
                * Node pg-153:
                    + master-pgsql                    : 100
                    + pgsql-data-status               : STREAMING|ASYNC
                    + pgsql-status                    : HS:async
                    + pgpacer-goal                    : standby of pg-152
                    + pgpacer-wal                     : timeline 2, 0/2D004748
                    + commit-guard                    : not granted
                    + pgpacer-activity                : streaming from pg-152

                Migration Summary:
                * Node pg-151:
                   pgsql: migration-threshold=1 fail-count=1 last-failure='Tue Nov 21 16:58:59 2023'
                * Node pg-152:
                * Node pg-153:

                Timeline history (latest): pg-152 promoted Tue Nov 21 16:59:29 2023, timeline 1 -> 2 at 0/220000A0 (failover)
                pgsql_REPL_INFO:pg-152|1|00000000220000A0

                """, attributes);
    }

    // Issue 15.7: status --json has a schema version, camelCase keys throughout (as the CIB and history --json) and
    // ISO-8601 times; the fields the README's schema names are there.
    @Test
    void statusJsonHasASchemaVersionCamelCaseKeysAndIsoTimes() throws Exception {
        ControllerActivity refusal = new ControllerActivity(ControllerActivity.Kind.NO_ELIGIBLE_NODE, "no promotion",
                Hint.cleanupNode("pg-151"));
        Cib lost = afterFailoverCib().withLease(new Lease(null, 3, 0)).withControllerActivity(refusal)
                .withSettings(ClusterSettings.DEFAULTS.withFailureTimeoutMillis(60_000));
        com.fasterxml.jackson.databind.ObjectMapper json = io.pgpacer.store.CibJson.mapper();
        com.fasterxml.jackson.databind.JsonNode doc = json.readTree(json.writeValueAsString(ClusterStatus.of(lost,
                n -> true, "pg-153", true, "pg-151", "2023-11-21T16:59:30.123456Z")));
        assertEquals(ClusterStatus.SCHEMA_VERSION, doc.get("schemaVersion").asInt());
        assertEquals(1, ClusterStatus.SCHEMA_VERSION, "the README documents version 1");
        assertEquals("2023-11-21T16:59:30.123456Z", doc.get("lastUpdated").asText());
        assertEquals(0, doc.get("configEpoch").asLong());
        assertEquals("pgpacer resource cleanup --node pg-151", doc.get("noPrimary").get("fix").asText());
        assertEquals("NO_ELIGIBLE_NODE", doc.get("controllerActivity").get("kind").asText());
        assertEquals("1m", doc.get("failureTimeout").asText());
        com.fasterxml.jackson.databind.JsonNode node1 = doc.get("nodes").get(0);
        assertEquals("2023-11-21T16:59:59Z", node1.get("failCountExpiry").get("expiresAt").asText(), node1.toString());
        assertEquals("2023-11-21T16:58:59Z", doc.get("failedActions").get(0).get("at").asText());
        for (String documented : List.of("cluster", "controller", "quorum", "answeredBy", "masters", "slaves",
                "stopped", "online", "offline", "leaseHolder", "nodes", "failedActions", "migrationThreshold",
                "lastPromotion", "replication", "writerVip", "readerVip")) {
            assertTrue(doc.has(documented), documented + " is in the README's schema: " + doc);
        }
        List<String> notCamel = new java.util.ArrayList<>();
        keys(doc, "", notCamel);
        assertEquals(List.of(), notCamel, "every key is camelCase");
    }

    private static void keys(com.fasterxml.jackson.databind.JsonNode node, String path, List<String> notCamel) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (!e.getKey().matches("[a-z][a-zA-Z0-9]*")) {
                    notCamel.add(path + "." + e.getKey());
                }
                keys(e.getValue(), path + "." + e.getKey(), notCamel);
            });
        } else if (node.isArray()) {
            node.forEach(element -> keys(element, path + "[]", notCamel));
        }
    }

    @Test
    void statusJsonShowsTheCommitGuardUnderEachNodeAndAnOlderAgentsAnswerStillReads() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = io.pgpacer.store.CibJson.mapper();
        com.fasterxml.jackson.databind.JsonNode nodes = json.readTree(json.writeValueAsString(afterFailover()))
                .get("nodes");
        assertEquals("pg-152", nodes.get(1).get("name").asText());
        com.fasterxml.jackson.databind.JsonNode guard = nodes.get(1).get("commitGuard");
        assertEquals("GRANTED", guard.get("state").asText(), guard.toString());
        assertEquals(3, guard.get("epoch").asLong(), guard.toString());
        assertEquals(2_350, guard.get("remainingMillis").asLong(), guard.toString());
        assertEquals("NOT_GRANTED", nodes.get(2).get("commitGuard").get("state").asText());
        assertEquals("INACTIVE", nodes.get(0).get("commitGuard").get("state").asText());

        // An agent of the version before answers /status without the field: the CLI reads it as unknown.
        com.fasterxml.jackson.databind.node.ObjectNode older = (com.fasterxml.jackson.databind.node.ObjectNode) json
                .readTree(json.writeValueAsString(afterFailover()));
        older.get("nodes").forEach(node -> ((com.fasterxml.jackson.databind.node.ObjectNode) node)
                .remove("commitGuard"));
        ClusterStatus read = json.convertValue(older, ClusterStatus.class);
        assertEquals(CommitGuardReport.UNKNOWN, read.nodes().get(1).commitGuard());
        assertTrue(StatusPrinter.render(read, true).contains(
                "    + commit-guard                    : unknown (from an agent of an earlier version)\n"));
    }
}
