package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.ReplicaStatus;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.store.CibJson;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The /cluster and /history documents, from a CIB with a primary, a sync and an async standby, and a witness. */
class ClusterViewTest {

    private static final Cib CIB = Cib.EMPTY
            .initializedAs("pgcluster", List.of(
                    new NodeSpec("node1", "10.0.0.1", 8008, 7400, 5432, false),
                    new NodeSpec("node2", "10.0.0.2", 8008, 7400, 5432, false),
                    new NodeSpec("node3", "fd00::3", 8008, 7400, 5432, false),
                    new NodeSpec("node4", "10.0.0.4", 8008, 7400, 5432, true)), ClusterSettings.DEFAULTS)
            .withReport(report("node1", PgState.PRIMARY, "0/5000000", null, List.of(
                    new ReplicaStatus("node2", "streaming", "sync", Lsn.parse("0/5000000"), Lsn.parse("0/5000000")),
                    new ReplicaStatus("node3", "streaming", "async", Lsn.parse("0/4F00000"), Lsn.parse("0/4F00000")))))
            .withReport(report("node2", PgState.STANDBY, "0/5000000", "node1", List.of()))
            .withReport(report("node3", PgState.STANDBY, "0/4F00000", "node1", List.of()))
            .withLease(new Lease("node1", 2, 40))
            .withHistoryEntry(new PromotionRecord("node1", 0, Lsn.parse("0/3000000"), 1, "2025-01-01T00:00:00Z",
                    "initial start (initdb)", true))
            .withHistoryEntry(new PromotionRecord("node2", 1, Lsn.parse("0/4000148"), 2, "2025-01-02T00:00:00Z",
                    "failover", false));

    @Test
    void membersCarryRoleStateLagAndTheirAddresses() {
        ClusterStatus status = ClusterStatus.of(CIB, n -> !n.equals("node3"), "node1", true, "node2", "now");
        JsonNode json = CibJson.mapper().valueToTree(ClusterView.of(CIB, status));
        assertEquals("pgcluster", json.get("scope").asText());
        assertEquals("node1", json.get("leader").asText());
        assertEquals(true, json.get("quorum").asBoolean());

        JsonNode leader = json.get("members").get(0);
        assertEquals("leader", leader.get("role").asText());
        assertEquals("running", leader.get("state").asText());
        assertEquals(0, leader.get("lag").asLong());
        assertEquals("http://10.0.0.1:8008/health", leader.get("api_url").asText());
        assertEquals(5432, leader.get("port").asInt());
        assertEquals(3, leader.get("timeline").asLong());
        assertEquals("0/5000000", leader.get("lsn").asText());

        JsonNode sync = json.get("members").get(1);
        assertEquals("sync_standby", sync.get("role").asText());
        assertEquals("streaming", sync.get("state").asText());
        assertEquals(0, sync.get("lag").asLong());
        assertEquals("node1", sync.get("upstream").asText());

        JsonNode offline = json.get("members").get(2);
        assertEquals("replica", offline.get("role").asText());
        assertEquals("offline", offline.get("state").asText(), "an agent that stopped reporting is not trusted");
        assertEquals(0x100000, offline.get("lag").asLong());
        assertEquals("http://[fd00::3]:8008/health", offline.get("api_url").asText());

        JsonNode witness = json.get("members").get(3);
        assertEquals("witness", witness.get("role").asText());
        assertTrue(!witness.has("lag") && !witness.has("port"), witness.toString());
    }

    @Test
    void withoutALeaseHolderLagsAreUnknownAndAWritableNonHolderIsNamedSo() {
        Cib fencing = CIB.withLease(Lease.FREE);
        ClusterStatus status = ClusterStatus.of(fencing, n -> true, "node1", false, "node2", "now");
        JsonNode json = CibJson.mapper().valueToTree(ClusterView.of(fencing, status));
        assertTrue(!json.has("leader"), json.toString());
        assertEquals("primary_without_lease", json.get("members").get(0).get("role").asText());
        assertEquals(ClusterView.UNKNOWN_LAG, json.get("members").get(1).get("lag").asText());
    }

    @Test
    void historyListsEveryPromotionWithPatroniNames() {
        JsonNode json = CibJson.mapper().valueToTree(ClusterView.history(CIB));
        assertEquals(2, json.size());
        JsonNode failover = json.get(1);
        assertEquals(Set.of("timeline", "lsn", "new_timeline", "reason", "timestamp", "new_leader", "confirmed"),
                Set.copyOf(iterable(failover)));
        assertEquals(1, failover.get("timeline").asLong());
        assertEquals("0/4000148", failover.get("lsn").asText());
        assertEquals(2, failover.get("new_timeline").asLong());
        assertEquals("failover", failover.get("reason").asText());
        assertEquals("node2", failover.get("new_leader").asText());
        assertEquals(false, failover.get("confirmed").asBoolean());
    }

    private static List<String> iterable(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static NodeReport report(String node, PgState state, String lsn, String upstream,
            List<ReplicaStatus> replicas) {
        return new NodeReport(node, 1, state, 100, 3, Lsn.parse(lsn), Lsn.parse(lsn), upstream, upstream != null,
                replicas, "test", null, "2025-01-01T00:00:00Z");
    }
}
