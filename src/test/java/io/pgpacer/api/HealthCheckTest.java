package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.agent.LocalAgent.LoopProgress;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.store.MemberHealth;
import io.pgpacer.store.CibJson;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pins which status every health endpoint answers in every condition a node can be in. */
class HealthCheckTest {

    private static final Lsn PRIMARY_LSN = Lsn.parse("0/5000000");
    private static final long MB = 1 << 20;
    private static final LoopProgress LOOP_IDLE = new LoopProgress(true, 200, 0);
    private static final long NODE_TIMEOUT = 3_000;

    /** Columns: endpoint with its query; rows: the node's condition; cells: the expected HTTP status. */
    private static final String EXPECTED = """
            condition             | /primary | /leader | /replica | /replica?lag=1MB | /read-only | /read-only?lag=1MB | /health | /liveness | /readiness | /readiness?lag=1MB
            primary with lease    | 200      | 200     | 503      | 503              | 200        | 200                | 200     | 200       | 200        | 200
            primary without lease | 503      | 503     | 503      | 503              | 503        | 503                | 200     | 200       | 503        | 503
            streaming replica     | 503      | 503     | 200      | 200              | 200        | 200                | 200     | 200       | 200        | 200
            lagging replica       | 503      | 503     | 200      | 503              | 200        | 503                | 200     | 200       | 200        | 503
            disconnected standby  | 503      | 503     | 503      | 503              | 503        | 503                | 200     | 200       | 503        | 503
            stopped PostgreSQL    | 503      | 503     | 503      | 503              | 503        | 503                | 503     | 200       | 503        | 503
            witness               | 503      | 503     | 503      | 503              | 503        | 503                | 503     | 200       | 503        | 503
            """;

    private static final Map<String, HealthFacts> CONDITIONS = new LinkedHashMap<>();

    static {
        CONDITIONS.put("primary with lease", primary(true));
        // The lease keeper's clock ran out (fencing) before the store expired the lease: the CIB still names it.
        CONDITIONS.put("primary without lease", primary(false));
        CONDITIONS.put("streaming replica", standby(true, PRIMARY_LSN));
        CONDITIONS.put("lagging replica", standby(true, new Lsn(PRIMARY_LSN.value() - 2 * MB)));
        CONDITIONS.put("disconnected standby", standby(false, PRIMARY_LSN));
        CONDITIONS.put("stopped PostgreSQL", facts("node2", report("node2", PgState.STOPPED, 0, Lsn.parse("0/4000000"),
                null, false), false));
        CONDITIONS.put("witness", new HealthFacts("node4", true, report("node4", PgState.NO_DATA, 0, Lsn.ZERO, null,
                false), 10, false, false, "node1", PRIMARY_LSN, LOOP_IDLE, NODE_TIMEOUT, MemberHealth.HEALTHY));
    }

    @Test
    void everyEndpointInEveryConditionAnswersAsTheTableSays() {
        List<String> lines = EXPECTED.lines().toList();
        List<String> probes = cells(lines.get(0)).subList(1, cells(lines.get(0)).size());
        List<String> mismatches = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            List<String> row = cells(line);
            HealthFacts facts = CONDITIONS.get(row.get(0));
            for (int i = 0; i < probes.size(); i++) {
                HealthAnswer answer = probe(probes.get(i), facts);
                if (answer.status() != Integer.parseInt(row.get(i + 1))) {
                    mismatches.add(row.get(0) + ", " + probes.get(i) + ": expected " + row.get(i + 1) + ", got "
                            + answer.status() + " (" + answer.health().reason() + ")");
                }
            }
        }
        assertEquals(List.of(), mismatches);
        assertEquals(CONDITIONS.keySet().size(), lines.size() - 1, "every condition has a row");
    }

    @Test
    void patroniAliasesAnswerLikeTheirEndpoint() {
        for (String alias : List.of("/master", "/read-write", "/")) {
            assertEquals(HealthEndpoint.PRIMARY, HealthEndpoint.forPath(alias).orElseThrow(), alias);
        }
        assertTrue(HealthEndpoint.forPath("/primaryx").isEmpty());
        assertTrue(HealthEndpoint.forPath("/status").isEmpty());
    }

    @Test
    void aMalformedLagIsABadRequestNamingTheParameterAndTheExpectedForm() {
        for (String endpoint : List.of("/replica", "/read-only", "/readiness")) {
            for (String lag : List.of("abc", "", "-1", "1.5MB", "16XB", "MB", "99999999999999999999", "20000000TB")) {
                HealthAnswer answer = probe(endpoint + "?lag=" + lag, standby(true, PRIMARY_LSN));
                assertEquals(400, answer.status(), endpoint + "?lag=" + lag);
                assertTrue(answer.error().startsWith("query parameter 'lag': expected a number of bytes"), answer.error());
                assertTrue(answer.error().contains("like 1048576, 1024kB or 16MB"), answer.error());
                assertTrue(answer.error().endsWith("got '" + lag + "'"), answer.error());
                assertEquals(Map.of("error", answer.error()), answer.body());
            }
        }
        assertEquals(200, probe("/primary?lag=abc", primary(true)).status(), "endpoints without lag ignore it");
    }

    @Test
    void lagAcceptsBytesAndPostgresMemoryUnitsAsPatroniDoes() {
        Map<String, Long> cases = Map.of("1048576", MB, "1024kB", MB, "16MB", 16 * MB, "1GB", 1024 * MB,
                "1TB", 1024 * 1024 * MB, "10mb", 10 * MB, "512B", 512L, "0", 0L, " 2 MB ", 2 * MB);
        cases.forEach((text, bytes) -> assertEquals(bytes, MaxLag.parse(text).bytes(), text));
        assertThrows(IllegalArgumentException.class, () -> MaxLag.parse(null));
    }

    @Test
    void aReplicaExactlyAtTheLimitPassesAndOneByteMoreFails() {
        HealthFacts behindTwoMb = standby(true, new Lsn(PRIMARY_LSN.value() - 2 * MB));
        assertEquals(200, probe("/replica?lag=2MB", behindTwoMb).status());
        assertEquals(503, probe("/replica?lag=" + (2 * MB - 1), behindTwoMb).status());
        // A standby that reported after the primary may be ahead of the primary's last report: no lag, not negative.
        HealthAnswer ahead = probe("/replica?lag=0", standby(true, new Lsn(PRIMARY_LSN.value() + 100)));
        assertEquals(200, ahead.status());
        assertEquals(0L, ahead.health().lag());
    }

    @Test
    void withoutAPrimaryPositionALagLimitCannotBeMet() {
        HealthFacts noPrimary = withPrimaryLsn(standby(true, PRIMARY_LSN), null);
        assertEquals(200, probe("/replica", noPrimary).status());
        HealthAnswer limited = probe("/replica?lag=16MB", noPrimary);
        assertEquals(503, limited.status());
        assertTrue(limited.health().reason().contains("lag is unknown"), limited.health().reason());
        assertNull(limited.health().lag());
    }

    @Test
    void anObservationOlderThanTheNodeTimeoutIsNotTrusted() {
        HealthFacts p = primary(true);
        HealthFacts stale = new HealthFacts(p.node(), false, p.postgres(), NODE_TIMEOUT + 1, true, true, "node1",
                PRIMARY_LSN, LOOP_IDLE, NODE_TIMEOUT, MemberHealth.HEALTHY);
        HealthAnswer answer = probe("/primary", stale);
        assertEquals(503, answer.status());
        assertEquals("unknown", answer.health().state());
        assertTrue(answer.health().reason().contains("3001 ms ago"), answer.health().reason());
        assertEquals(503, probe("/health", stale).status());
        assertEquals(200, probe("/liveness", stale).status(), "liveness does not depend on PostgreSQL");
    }

    @Test
    void aGrayFailureTakesThePrimaryAndTheReplicaOutOfTheirPools() {
        HealthFacts p = withGrayFailure(primary(true), "commit probe timed out after 5 s: the commit has not returned"
                + " (5.1 s so far)");
        HealthAnswer answer = probe("/primary", p);
        assertEquals(503, answer.status());
        assertEquals("PostgreSQL answers as primary but cannot make a write durable (commit probe timed out after 5 s:"
                + " the commit has not returned (5.1 s so far)): do not send writes here", answer.health().reason());
        assertEquals(503, probe("/read-write", p).status());
        assertEquals(200, probe("/leader", p).status(), "the lease is still held until the failure is reported");
        HealthFacts s = withGrayFailure(standby(true, PRIMARY_LSN), "replication stalled: received WAL at 0/3000000"
                + " for 5.5 s while node1 is at 0/3000400");
        HealthAnswer replica = probe("/replica", s);
        assertEquals(503, replica.status());
        assertTrue(replica.health().reason().endsWith("but its replication hangs (replication stalled: received WAL"
                + " at 0/3000000 for 5.5 s while node1 is at 0/3000400)"), replica.health().reason());
        assertEquals(200, probe("/replica", standby(true, PRIMARY_LSN)).status());
    }

    @Test
    void aPostmasterThatDiedSinceTheLastPassIsNotRunning() {
        HealthFacts p = primary(true);
        HealthFacts killed = new HealthFacts(p.node(), false, p.postgres(), 100, false, true, "node1", PRIMARY_LSN,
                LOOP_IDLE, NODE_TIMEOUT, MemberHealth.HEALTHY);
        HealthAnswer answer = probe("/primary", killed);
        assertEquals(503, answer.status());
        assertEquals("failed", answer.health().state());
        assertEquals("the postmaster (pid 4242) has exited", answer.health().reason());
        assertEquals(503, probe("/health", killed).status());
    }

    @Test
    void aLeaseTheStoreGaveToAnotherNodeIsNotBelieved() {
        HealthFacts p = primary(true);
        HealthFacts superseded = new HealthFacts(p.node(), false, p.postgres(), 100, true, true, "node2", PRIMARY_LSN,
                LOOP_IDLE, NODE_TIMEOUT, MemberHealth.HEALTHY);
        assertEquals(503, probe("/primary", superseded).status());
        assertEquals(503, probe("/leader", superseded).status());
    }

    @Test
    void aStandbyBeingPromotedIsNoLongerAReplicaButIsTheLeader() {
        HealthFacts s = standby(true, PRIMARY_LSN);
        HealthFacts promoting = new HealthFacts(s.node(), false, s.postgres(), 100, true, true, s.node(), PRIMARY_LSN,
                LOOP_IDLE, NODE_TIMEOUT, MemberHealth.HEALTHY);
        assertEquals(503, probe("/replica", promoting).status());
        assertEquals(503, probe("/primary", promoting).status());
        assertEquals(200, probe("/leader", promoting).status(), "Patroni's /leader ignores PostgreSQL's role");
    }

    @Test
    void livenessFollowsTheAgentLoopNotPostgres() {
        HealthFacts stopped = CONDITIONS.get("stopped PostgreSQL");
        assertEquals(200, probe("/liveness", withLoop(stopped, new LoopProgress(true, 500, 0))).status());
        HealthAnswer longPass = probe("/liveness", withLoop(stopped, new LoopProgress(true, 600_000, 600_000)));
        assertEquals(200, longPass.status(), "a pg_basebackup inside a pass is not a dead loop");
        assertEquals(503, probe("/liveness", withLoop(stopped, new LoopProgress(true, NODE_TIMEOUT + 1, 0))).status());
        assertEquals(503, probe("/liveness", withLoop(stopped, new LoopProgress(false, 10, 0))).status());
    }

    @Test
    void aDamagedStoreMemberIsNotAliveAndSaysWhatIsDamagedAndTheRepair() throws Exception {
        HealthFacts streaming = withLoop(standby(true, PRIMARY_LSN), new LoopProgress(true, 500, 0));
        MemberHealth damaged = MemberHealth.damaged("the Raft log of store member node2 in /x/current is damaged",
                "stop this agent and run 'pgpacer store rejoin --config /etc/pgpacer.yml --node node2' on this host");
        HealthFacts cutOff = new HealthFacts(streaming.node(), false, streaming.postgres(), 100, true, false, "node1",
                PRIMARY_LSN, streaming.loop(), NODE_TIMEOUT, damaged);
        HealthAnswer answer = probe("/liveness", cutOff);
        assertEquals(503, answer.status());
        String reason = CibJson.mapper().valueToTree(answer.body()).get("reason").asText();
        assertEquals(damaged.describe(), reason);
        assertTrue(reason.contains("pgpacer store rejoin --config /etc/pgpacer.yml --node node2"), reason);
        assertEquals(200, probe("/liveness", streaming).status(), "the same node with a healthy member is alive");
        assertEquals(200, probe("/replica", cutOff).status(), "a standby cut off from the store may keep serving reads");
    }

    @Test
    void theDocumentSaysRoleStateTimelineLagAndLeaseHolderInPatroniStyle() throws Exception {
        HealthAnswer replica = probe("/replica", standby(true, new Lsn(PRIMARY_LSN.value() - 2 * MB)));
        JsonNode json = CibJson.mapper().valueToTree(replica.body());
        assertEquals("node2", json.get("node").asText());
        assertEquals("replica", json.get("role").asText());
        assertEquals("streaming", json.get("state").asText());
        assertEquals(3, json.get("timeline").asLong());
        assertEquals(2 * MB, json.get("lag").asLong());
        assertEquals("0/4E00000", json.get("lsn").asText());
        assertEquals("node1", json.get("upstream").asText());
        assertEquals("node1", json.get("lease_holder").asText());
        assertEquals(false, json.get("holds_lease").asBoolean());
        assertEquals(100, json.get("observed_ms_ago").asLong());
        assertEquals("PostgreSQL is a standby streaming from node1", json.get("reason").asText());

        JsonNode primary = CibJson.mapper().valueToTree(probe("/primary", primary(true)).body());
        assertEquals("primary", primary.get("role").asText());
        assertEquals("running", primary.get("state").asText());
        assertEquals(true, primary.get("holds_lease").asBoolean());
        assertTrue(!primary.has("lag"), "a primary has no lag field: " + primary);

        JsonNode witness = CibJson.mapper().valueToTree(probe("/health", CONDITIONS.get("witness")).body());
        assertEquals("witness", witness.get("role").asText());
        assertTrue(!witness.has("timeline") && !witness.has("lsn"), witness.toString());
    }

    // --- the conditions -----------------------------------------------------------------------------------

    private static HealthFacts primary(boolean leaseValid) {
        return facts("node1", report("node1", PgState.PRIMARY, 4242, PRIMARY_LSN, null, false), leaseValid);
    }

    private static HealthFacts standby(boolean streaming, Lsn lsn) {
        return facts("node2", report("node2", PgState.STANDBY, 4343, lsn, streaming ? "node1" : null, streaming), false);
    }

    private static HealthFacts facts(String node, NodeReport report, boolean leaseValid) {
        return new HealthFacts(node, false, report, 100, report.postmasterPid() > 0, leaseValid, "node1", PRIMARY_LSN,
                LOOP_IDLE, NODE_TIMEOUT, MemberHealth.HEALTHY);
    }

    private static NodeReport report(String node, PgState state, long pid, Lsn lsn, String upstream, boolean streaming) {
        return new NodeReport(node, 7, state, pid, state == PgState.NO_DATA ? 0 : 3, lsn, lsn, upstream, streaming,
                List.of(), "test", null, "2025-01-01T00:00:00Z");
    }

    private static HealthFacts withPrimaryLsn(HealthFacts f, Lsn primaryLsn) {
        return new HealthFacts(f.node(), f.witness(), f.postgres(), f.observedMillisAgo(), f.postmasterAlive(),
                f.holdsValidLease(), f.leaseHolder(), primaryLsn, f.loop(), f.staleAfterMillis(), f.storeMember());
    }

    private static HealthFacts withGrayFailure(HealthFacts f, String grayFailure) {
        return new HealthFacts(f.node(), f.witness(), f.postgres(), f.observedMillisAgo(), f.postmasterAlive(),
                f.holdsValidLease(), f.leaseHolder(), f.primaryLsn(), f.loop(), f.staleAfterMillis(), f.storeMember(),
                grayFailure);
    }

    private static HealthFacts withLoop(HealthFacts f, LoopProgress loop) {
        return new HealthFacts(f.node(), f.witness(), f.postgres(), f.observedMillisAgo(), f.postmasterAlive(),
                f.holdsValidLease(), f.leaseHolder(), f.primaryLsn(), loop, f.staleAfterMillis(), f.storeMember());
    }

    // --- probing ------------------------------------------------------------------------------------------

    private static HealthAnswer probe(String pathAndQuery, HealthFacts facts) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        Map<String, String> query = new LinkedHashMap<>();
        if (q >= 0) {
            String pair = pathAndQuery.substring(q + 1);
            int eq = pair.indexOf('=');
            query.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return HealthCheck.evaluate(HealthEndpoint.forPath(path).orElseThrow(), query, facts);
    }

    private static List<String> cells(String line) {
        return Arrays.stream(line.split("\\|")).map(String::trim).toList();
    }
}
