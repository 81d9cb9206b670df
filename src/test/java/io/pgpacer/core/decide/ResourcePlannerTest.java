package io.pgpacer.core.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pgpacer.core.command.StoreCommand.PlaceResources;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The placement rules the golden scenarios do not spell out one by one: the stickiness rule as a table, ties,
 * colocation between the operator's resources, group members that are disabled or unmanaged, and cycles. States are
 * written in the golden scenarios' YAML ({@link SchedulerGoldenTest#snapshot}).
 */
class ResourcePlannerTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Three healthy nodes, n1 the primary; {@code resources} is the scenario's resources: section, indented. */
    private static Plan plan(String nodes, String properties, String resources) throws Exception {
        String doc = "nodes: " + nodes + "\n"
                + "properties: {" + properties + "}\n"
                + "primary: {node: n1, timeline: 1}\n"
                + "lease: {holder: n1, seen: 500ms}\n"
                + "resources:\n" + resources.stripIndent().indent(2)
                + "reports:\n"
                + "  n1: {pg: primary, lsn: 0/5000}\n"
                + "  n2: {pg: standby, lsn: 0/5000, upstream: n1}\n"
                + "  n3: {pg: standby, lsn: 0/5000, upstream: n1}\n";
        return ResourcePlanner.plan(SchedulerGoldenTest.snapshot(YAML.readTree(doc)));
    }

    private static Plan plan(String resources) throws Exception {
        return plan("[n1, n2, n3]", "", resources);
    }

    private static Map<String, String> placed(Plan plan) {
        if (plan.steps().isEmpty()) {
            return Map.of();
        }
        assertEquals(1, plan.steps().size(), "at most one placement step per pass");
        return ((PlaceResources) plan.steps().get(0).command()).placement();
    }

    /** A move is a stop first (a resource never runs twice); its reason names where it goes. */
    private static void assertStopsToMoveTo(String node, Plan plan, String... members) {
        Map<String, String> stops = new LinkedHashMap<>();
        for (String member : members) {
            stops.put(member, null);
        }
        assertEquals(stops, placed(plan));
        assertTrue(plan.steps().get(0).reason().contains("(to move to " + node + ": "), plan.steps().get(0).reason());
    }

    private static Map<String, String> map(String... idNode) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < idNode.length; i += 2) {
            map.put(idNode[i], idNode[i + 1]);
        }
        return map;
    }

    @ParameterizedTest(name = "current {0}, best {1}, stickiness {2}: leaves {3}")
    @CsvSource({
        "0, 100, 50, true",
        "0, 100, 100, false",
        "0, 101, 100, true",
        "60, 60, 0, false",
        "50, 60, 0, true",
        "0, 999999, 1000000, false",
        "0, 1000000, 1000000, true",
        "1000000, 1000000, 0, false",
        "-50, 0, 49, true",
    })
    void stickinessRule(int current, int best, int stickiness, boolean leaves) {
        assertEquals(leaves, ResourcePlanner.leaves(current, best, stickiness));
    }

    @Test
    void withoutPreferenceTheFirstNodeInTheConfiguredOrderWins() throws Exception {
        assertEquals(map("ip-a", "n3"), placed(plan("[n3, n1, n2]", "", """
                primitives:
                  ip-a: {}
                """)));
    }

    @Test
    void equalScoresKeepTheResourceWhereItIsEvenWithoutStickiness() throws Exception {
        Plan plan = plan("[n1, n2, n3]", "resource-stickiness: 0", """
                primitives:
                  ip-a: {}
                constraints:
                  - location ip-a prefers n1 100
                  - location ip-a prefers n3 100
                placement: {ip-a: n3}
                """);
        assertEquals(Plan.NOTHING, plan);
    }

    @Test
    void aHigherScoreByExactlyTheStickinessDoesNotMoveIt() throws Exception {
        String resources = """
                primitives:
                  ip-a: {}
                constraints:
                  - location ip-a prefers n1 100
                placement: {ip-a: n2}
                """;
        assertEquals(Plan.NOTHING, plan("[n1, n2, n3]", "resource-stickiness: 100", resources));
        assertStopsToMoveTo("n1", plan("[n1, n2, n3]", "resource-stickiness: 99", resources), "ip-a");
    }

    @Test
    void locationScoresAddUpAndANegativeOneIsAvoidedNotForbidden() throws Exception {
        assertEquals(map("ip-a", "n3"), placed(plan("""
                primitives:
                  ip-a: {}
                constraints:
                  - location ip-a avoids n1 -10
                  - location ip-a avoids n2 -5
                  - location ip-a avoids n3 -1
                """)));
    }

    @Test
    void aFiniteColocationPullsTowardsTheOtherResource() throws Exception {
        Plan plan = plan("""
                primitives:
                  ip-a: {}
                  ip-b: {}
                constraints:
                  - location ip-a prefers n2 10
                  - location ip-b prefers n3 50
                  - colocation ip-b with ip-a 100
                """);
        assertEquals(map("ip-a", "n2", "ip-b", "n2"), placed(plan));
        assertTrue(plan.steps().get(0).reason().contains("ip-b starts on n2 (n2 runs ip-a (constraint"),
                plan.steps().get(0).reason());
    }

    @Test
    void aMinusInfinityColocationKeepsTwoResourcesApart() throws Exception {
        assertEquals(map("ip-a", "n1", "ip-b", "n2"), placed(plan("""
                primitives:
                  ip-a: {}
                  ip-b: {}
                constraints:
                  - colocation ip-b with ip-a -INFINITY
                """)));
    }

    @Test
    void aResourceColocatedWithOneThatRunsNowhereRunsNowhereAndSaysWhy() throws Exception {
        Plan plan = plan("""
                primitives:
                  ip-a: {disabled: true}
                  ip-b: {}
                constraints:
                  - colocation ip-b with ip-a INFINITY
                """);
        assertEquals(Map.of(), placed(plan));
        assertEquals(List.of("ip-a is disabled (pgpacer resource enable ip-a): it runs nowhere",
                "ip-b cannot run anywhere: n1, n2, n3 do not run ip-a, which runs nowhere (constraint"
                        + " colocation-ip-b-ip-a)"), plan.notes());
    }

    @Test
    void aDisabledGroupMemberStopsTheMembersAfterItOnly() throws Exception {
        Plan plan = plan("""
                primitives:
                  ip-a: {}
                  ip-b: {disabled: true}
                  ip-c: {}
                groups:
                  g: [ip-a, ip-b, ip-c]
                placement: {ip-a: n1, ip-b: n1, ip-c: n1}
                """);
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("ip-b", null);
        expected.put("ip-c", null);
        assertEquals(expected, placed(plan));
        assertEquals(List.of("ip-b is disabled (pgpacer resource enable ip-b); ip-c stays stopped: it follows ip-b"
                + " in group g"), plan.notes());
        assertEquals("g (ip-b) stops on n1 (ip-b is disabled (pgpacer resource enable ip-b)); g (ip-c) stops on n1"
                + " (ip-c stays stopped: it follows ip-b in group g)", plan.steps().get(0).reason());
    }

    @Test
    void anUnmanagedGroupMemberStaysWhileTheOthersMoveWithTheGroup() throws Exception {
        Plan plan = plan("""
                primitives:
                  ip-a: {}
                  ip-b: {unmanaged: true}
                groups:
                  g: [ip-a, ip-b]
                constraints:
                  - location g avoids n1 -INFINITY ban
                placement: {ip-a: n1, ip-b: n1}
                """);
        assertStopsToMoveTo("n2", plan, "ip-a");
        assertEquals(List.of("ip-b is unmanaged: pgpacer leaves it on n1 and does not start, stop or move it"
                + " (pgpacer resource manage ip-b)"), plan.notes());
    }

    @Test
    void aFailCountOfOneMemberKeepsTheWholeGroupOffThatNode() throws Exception {
        Plan plan = plan("""
                primitives:
                  ip-a: {}
                  ip-b: {}
                groups:
                  g: [ip-a, ip-b]
                placement: {ip-a: n1, ip-b: n1}
                fail-counts: {ip-b: {n1: {count: 1, failed: 5s}}}
                """);
        assertStopsToMoveTo("n2", plan, "ip-a", "ip-b");
    }

    @Test
    void aPrimitiveMigrationThresholdOverridesTheClusterProperty() throws Exception {
        assertEquals(Plan.NOTHING, plan("[n1, n2, n3]", "migration-threshold: 1", """
                primitives:
                  ip-a: {migration-threshold: 3}
                placement: {ip-a: n1}
                fail-counts: {ip-a: {n1: {count: 2, failed: 5s}}}
                """));
        assertStopsToMoveTo("n2", plan("[n1, n2, n3]", "migration-threshold: 5", """
                primitives:
                  ip-a: {migration-threshold: 2}
                placement: {ip-a: n1}
                fail-counts: {ip-a: {n1: {count: 2, failed: 5s}}}
                """), "ip-a");
    }

    @Test
    void aMinusInfinityColocationWithTheMasterKeepsOffThePrimary() throws Exception {
        assertEquals(map("ip-a", "n2"), placed(plan("""
                primitives:
                  ip-a: {}
                constraints:
                  - colocation ip-a with master msPostgresql -INFINITY
                """)));
    }

    @Test
    void aFiniteColocationWithTheSlaveRoleAddsToEveryStreamingStandby() throws Exception {
        assertEquals(map("ip-a", "n3"), placed(plan("""
                primitives:
                  ip-a: {}
                constraints:
                  - location ip-a prefers n1 120
                  - colocation ip-a with slave msPostgresql 100
                  - location ip-a prefers n3 30
                """)));
    }

    @Test
    void aColocationCycleStoredBeforeLoopsWereRefusedIsNamedAndItsClosingConstraintIgnored() throws Exception {
        Plan plan = plan("""
                stored-before-validation: true
                primitives:
                  ip-a: {}
                  ip-b: {}
                constraints:
                  - colocation ip-a with ip-b INFINITY
                  - colocation ip-b with ip-a INFINITY
                """);
        assertEquals(map("ip-a", "n1", "ip-b", "n1"), placed(plan));
        assertEquals(List.of("constraint colocation-ip-b-ip-a is ignored: ip-b and ip-a depend on each other through"
                + " colocation or order constraints"), plan.notes());
    }

    @Test
    void anOrderAfterTheStartOfPostgresWaitsWherePostgresDoesNotRun() throws Exception {
        String doc = """
                nodes: [n1, n2, n3]
                primary: {node: n1, timeline: 1}
                lease: {holder: n1, seen: 500ms}
                resources:
                  primitives:
                    ip-a: {}
                  constraints:
                    - location ip-a prefers n3 10
                    - order start msPostgresql then start ip-a
                reports:
                  n1: {pg: primary, lsn: 0/5000}
                  n2: {pg: standby, lsn: 0/5000, upstream: n1}
                  n3: {pg: stopped, lsn: 0/5000}
                """;
        Plan plan = ResourcePlanner.plan(SchedulerGoldenTest.snapshot(YAML.readTree(doc)));
        assertEquals(List.of("waiting for start msPostgresql before start ip-a on n3"), plan.notes());
    }

    @Test
    void noResourcesNoPlan() throws Exception {
        assertEquals(Plan.NOTHING, plan("""
                constraints: []
                """));
    }

    @Test
    void aMoveWinsOverStickinessEvenWhereAFinitePreferenceLowersItsNode() throws Exception {
        assertStopsToMoveTo("n3", plan("""
                primitives:
                  ip-a: {}
                constraints:
                  - location ip-a prefers n3 INFINITY move
                  - location ip-a avoids n3 -10
                placement: {ip-a: n1}
                """), "ip-a");
    }

    @Test
    void aBlockedResourceIsNotStartedElsewhere() throws Exception {
        String doc = """
                nodes: [n1, n2, n3]
                primary: {node: n1, timeline: 1}
                lease: {holder: n1, seen: 500ms}
                resources:
                  primitives:
                    ip-a: {}
                  constraints:
                    - location ip-a avoids n2 -INFINITY ban
                reports:
                  n1: {pg: primary, lsn: 0/5000}
                  n2: {pg: standby, lsn: 0/5000, upstream: n1, resources: {ip-a: blocked}}
                  n3: {pg: standby, lsn: 0/5000, upstream: n1}
                """;
        Plan plan = ResourcePlanner.plan(SchedulerGoldenTest.snapshot(YAML.readTree(doc)));
        assertEquals(List.of(), plan.steps());
        assertEquals(List.of("ip-a waits before it starts on n1: n2 reports it blocked after a failed stop"
                + " (pgpacer resource cleanup ip-a --node n2)"), plan.notes());
    }
}
