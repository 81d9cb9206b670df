package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.command.CibReducer;
import io.pgpacer.core.command.Outcome;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.command.StoreCommand.ReplaceConfiguration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code cib query} and {@code cib replace}: the document round-trips, a change applies, bad input changes nothing. */
class CibDocumentTest {

    private static final List<NodeSpec> NODES = List.of(
            new NodeSpec("n1", "10.0.0.1", 8008, 7001, 5432, false),
            new NodeSpec("n2", "10.0.0.2", 8008, 7001, 5432, false),
            new NodeSpec("w", "10.0.0.3", 8008, 7001, 0, true));

    private final Cib cib = CibReducer.apply(CibReducer.apply(Cib.EMPTY, new StoreCommand.InitializeCluster("pgc",
            NODES, new ClusterSettings(1, 3000, 3000, 30000))).cib(), new StoreCommand.SetStandby("n2", true)).cib();

    private String query() {
        return CibDocument.yaml(CibDocument.render(cib));
    }

    private List<String> problems(String document) {
        return assertThrows(CibDocument.InvalidDocumentException.class, () -> CibDocument.parse(document, cib))
                .problems();
    }

    @Test
    void aQueryPrintsTheConfigurationPart() {
        assertEquals("""
                # pgpacer CIB configuration. Edit, then apply with 'pgpacer cib replace FILE'.
                # 'epoch' is the configuration it was queried at; 'nodes' and 'settings' are read-only here.
                epoch: 2
                cluster-name: pgc
                nodes:
                - name: n1
                  address: 10.0.0.1
                  api-port: 8008
                  raft-port: 7001
                  pg-port: 5432
                  role: data
                - name: n2
                  address: 10.0.0.2
                  api-port: 8008
                  raft-port: 7001
                  pg-port: 5432
                  role: data
                - name: w
                  address: 10.0.0.3
                  api-port: 8008
                  raft-port: 7001
                  role: witness
                properties:
                  no-quorum-policy: stop
                  migration-threshold: 1
                  failure-timeout: 0
                  write-probe-timeout: 5s
                  write-probe-failure: failover
                  maintenance-mode: false
                  failsafe: false
                  auto-rewind: true
                  resource-stickiness: INFINITY
                settings:
                  lease-time: 3000ms
                  node-timeout: 3000ms
                  bootstrap-wait: 30000ms
                  replication: async
                  reader-vip: none
                maintenance-nodes: []
                standby-nodes:
                - n2
                resources:
                  msPostgresql:
                    operations: []
                    target-role: Started
                    is-managed: true
                  primitives: []
                  groups: []
                constraints: []
                """, query());
    }

    @Test
    void queryThenReplaceUnchangedIsANoOp() throws Exception {
        ReplaceConfiguration same = CibDocument.parse(query(), cib);
        assertEquals(List.of(), CibDocument.diff(cib, same));
        Outcome outcome = CibReducer.apply(cib, same);
        assertEquals(cib.configEpoch(), outcome.cib().configEpoch());
        assertEquals("configuration unchanged", outcome.result().message());
        String json = new ObjectMapper().writeValueAsString(CibDocument.render(cib));
        assertEquals(List.of(), CibDocument.diff(cib, CibDocument.parse(json, cib)), "JSON reads as well");
    }

    @Test
    void aChangeIsShownAndAppliedAtOnce() {
        String edited = query().replace("migration-threshold: 1", "migration-threshold: 3")
                .replace("maintenance-nodes: []", "maintenance-nodes: [w]")
                .replace("standby-nodes:\n- n2\n", "standby-nodes: []\n")
                .replace("  failsafe: false\n", "");
        ReplaceConfiguration replacement = CibDocument.parse(edited, cib);
        assertEquals(List.of("property migration-threshold: 1 -> 3", "maintenance-nodes: + w", "standby-nodes: - n2"),
                CibDocument.diff(cib, replacement));
        Cib next = CibReducer.apply(cib, replacement).cib();
        assertEquals(3, next.settings().migrationThreshold());
        assertEquals(List.of("w"), next.maintenance().nodes());
        assertEquals(List.of(), next.standby());
        assertEquals(cib.configEpoch() + 1, next.configEpoch());
    }

    @Test
    void resourcesAndConstraintsRoundTripAndAChangeIsShownAsADiff() {
        Cib withResources = cib.withResources(io.pgpacer.core.resource.ResourceFixtures.sample()
                .withoutConstraints(c -> c instanceof io.pgpacer.core.resource.Constraint.Location));
        String queried = CibDocument.yaml(CibDocument.render(withResources));
        ReplaceConfiguration same = CibDocument.parse(queried, withResources);
        assertEquals(withResources.resources(), same.resources());
        assertEquals(List.of(), CibDocument.diff(withResources, same));
        String edited = queried.replace("interval=5s", "interval=7s")
                .replace("constraints:\n", "constraints:\n- location pgbouncer avoids n2 id=no-bouncer-on-n2\n");
        ReplaceConfiguration change = CibDocument.parse(edited, withResources);
        assertEquals(List.of("resource ~ pgbouncer", "constraint + location pgbouncer avoids n2=INFINITY"
                + " id=no-bouncer-on-n2"), CibDocument.diff(withResources, change));
    }

    @Test
    void aResourceProblemIsNamedByItsKeyAndNothingIsReplaced() {
        Cib withResources = cib.withResources(io.pgpacer.core.resource.ResourceFixtures.sample()
                .withoutConstraints(c -> c instanceof io.pgpacer.core.resource.Constraint.Location));
        String queried = CibDocument.yaml(CibDocument.render(withResources));
        assertEquals(List.of("key 'resources.primitives[0].type': unknown resource type 'daemon'; types are ip, exec"
                + " (IPaddr2 is accepted for ip)"), problems(queried.replace("type: exec", "type: daemon"),
                withResources));
        assertEquals(List.of("key 'constraints[0]': unknown constraint type 'near' in 'near pgbouncer n1'; types are"
                + " colocation, order, location"), problems(queried.replace("constraints:\n",
                "constraints:\n- near pgbouncer n1\n"), withResources));
        assertEquals(List.of("key 'resources': constraint 'c1' names the unknown data node 'n7'; data nodes are [n1,"
                + " n2]"), problems(queried.replace("constraints:\n", "constraints:\n- location pgbouncer prefers n7"
                + " id=c1\n"), withResources));
        assertEquals(List.of("key 'resources': constraint 'colocation-pgbouncer-msPostgresql-INFINITY' names the"
                + " missing resource 'pgbouncer'; resources are [msPostgresql, reports-ip, reports-group]", "key"
                + " 'resources': constraint 'order-msPostgresql-pgbouncer-mandatory' names the missing resource"
                + " 'pgbouncer'; resources are [msPostgresql, reports-ip, reports-group]"), problems(queried.replaceAll("(?s)- id: pgbouncer.*?(- id: reports-ip)", "$1"), withResources));
    }

    private static List<String> problems(String document, Cib current) {
        return assertThrows(CibDocument.InvalidDocumentException.class, () -> CibDocument.parse(document, current))
                .problems();
    }

    @Test
    void nodeNamesThatLookLikeNumbersRoundTrip() {
        Cib numbered = CibReducer.apply(CibReducer.apply(Cib.EMPTY, new StoreCommand.InitializeCluster("007",
                List.of(new NodeSpec("007", "10.0.0.1", 8008, 7001, 5432, false),
                        new NodeSpec("1e3", "10.0.0.2", 8008, 7001, 5432, false)),
                new ClusterSettings(1, 3000, 3000, 30000))).cib(), new StoreCommand.SetStandby("007", true)).cib();
        String yaml = CibDocument.yaml(CibDocument.render(numbered));
        assertEquals(List.of(), CibDocument.diff(numbered, CibDocument.parse(yaml, numbered)), yaml);
    }

    @Test
    void badYamlIsNamedWithItsLine() {
        List<String> problems = problems("epoch: 2\nproperties: {migration-threshold: [\n");
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).startsWith("the document is not valid YAML or JSON at line "), problems.get(0));
    }

    @Test
    void everyProblemIsNamedByItsKey() {
        String bad = query().replace("epoch: 2\n", "epoch: 2\ncolour: blue\n")
                .replace("migration-threshold: 1", "migration-threshold: 0")
                .replace("no-quorum-policy: stop", "no-quorum-policy: ignore\n  stonith-enabled: false")
                .replace("lease-time: 3000ms", "lease-time: 5000ms")
                .replace("standby-nodes:\n- n2\n", "standby-nodes: [w, n9]\n");
        assertEquals(List.of(
                "unknown key 'colour'; the keys are epoch, cluster-name, nodes, properties, settings, maintenance-nodes,"
                        + " standby-nodes, resources, constraints",
                "key 'properties.no-quorum-policy': 'ignore' is unsafe here: a primary cut off from the majority would"
                        + " keep accepting writes after the majority promoted another node (two primaries). Use 'stop'"
                        + " (the default) or 'demote' (the cut-off primary serves reads only)",
                "key 'properties.stonith-enabled': 'stonith-enabled' is not a property here: pgpacer needs no"
                        + " STONITH device, a primary fences itself by stopping writes before its lease can expire",
                "key 'properties.migration-threshold': expected a whole number from 1 to 1000000, got '0'",
                "key 'settings.lease-time' is read-only here (3000ms -> 5000ms): it comes from the agents'"
                        + " configuration file",
                "key 'standby-nodes': w is a witness and runs no resources",
                "key 'standby-nodes': unknown data node 'n9'; data nodes are [n1, n2]"), problems(bad));
    }

    @Test
    void membershipCannotBeReplacedAndTheEpochMustBeThere() {
        String moved = query().replace("address: 10.0.0.2", "address: 10.0.0.9").replace("epoch: 2\n", "");
        assertEquals(List.of("key 'epoch' is missing: keep the epoch 'pgpacer cib query' wrote, so that a configuration"
                + " changed meanwhile is not overwritten", "key 'nodes': membership cannot be changed with 'cib"
                + " replace'; add or remove members in the agents' configuration file. Restore 'nodes' as 'pgpacer cib"
                + " query' wrote it"), problems(moved));
        assertEquals(List.of("key 'cluster-name': the cluster is 'pgc' and cannot be renamed, got 'other'"),
                problems(query().replace("cluster-name: pgc", "cluster-name: other")));
    }

    @Test
    void aStaleEpochIsRefusedByTheStoreAndChangesNothing() {
        ReplaceConfiguration replacement = CibDocument.parse(query().replace("migration-threshold: 1",
                "migration-threshold: 4"), cib);
        Cib changedMeanwhile = CibReducer.apply(cib, new StoreCommand.SetMaintenance("n1", true)).cib();
        Outcome outcome = CibReducer.apply(changedMeanwhile, replacement);
        assertSame(changedMeanwhile, outcome.cib());
        assertTrue(outcome.result().message().startsWith("the configuration changed since it was queried (epoch 3,"
                + " the document says 2)"), outcome.result().message());
    }
}
