package io.pgpacer.core.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.decide.PlanInvariants.Rule;
import io.pgpacer.replay.DecisionFile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * The invariant checker can fail: for every rule, a hand-made plan that breaks it, on a cluster written in the
 * scenarios' words. SchedulerGoldenTest runs the same checker on every scheduler plan.
 */
class PlanInvariantsTest {

    /** n1 primary holding the lease, n2 and n3 streaming from it; a witness w. */
    private static final String HEALTHY = """
            format: 1
            description: healthy
            nodes: [n1, n2, n3, {name: w, witness: true}]
            primary: {node: n1, timeline: 1}
            lease: {holder: n1, seen: 500ms}
            reports:
              n1: {pg: primary, lsn: 0/5000}
              n2: {pg: standby, lsn: 0/5000, upstream: n1}
              n3: {pg: standby, lsn: 0/5000, upstream: n1}
            """;

    /** n1 lost, the lease free; {@code extra} adds keys (a diverged n2, n2 in standby). */
    private static String lost(String n2Report, String extra) {
        return """
                format: 1
                description: n1 lost
                nodes: [n1, n2, n3]
                primary: {node: n1, timeline: 1}
                lease: {holder: null, seen: 300ms}
                heard: {n1: 6s}
                reports:
                  n2: %s
                  n3: {pg: standby, lsn: 0/4000, streaming: true}
                %s
                """.formatted(n2Report, extra);
    }

    private static final String RUNNING_N2 = "{pg: standby, lsn: 0/5000, streaming: true}";

    private record Case(String cluster, List<Plan.Step> steps) {
    }

    private static Plan.Step assign(String... goals) {
        Map<String, NodeGoal> map = new LinkedHashMap<>();
        for (String g : goals) {
            String[] kv = g.split("=", 2);
            map.put(kv[0], kv[1].equals("primary") ? NodeGoal.primary("t")
                    : NodeGoal.standbyOf(kv[1].substring("standby of ".length()), "t"));
        }
        return new Plan.Step(new StoreCommand.AssignGoals(1, map), "made by hand");
    }

    private static final Plan.Step FAILOVER_TO_N2 = assign("n1=standby of n2", "n2=primary", "n3=standby of n2");

    private static Case badPlan(Rule rule) {
        return switch (rule) {
            case AT_MOST_ONE_PRIMARY_GOAL -> new Case(lost(RUNNING_N2, ""), List.of(assign("n2=primary")));
            case PRIMARY_GOAL_ONLY_WITH_THE_LEASE -> new Case(HEALTHY, List.of(FAILOVER_TO_N2));
            case GOALS_ONLY_FOR_DATA_NODES -> new Case(HEALTHY, List.of(assign("w=standby of n1")));
            case UPSTREAM_IS_ANOTHER_DATA_NODE -> new Case(HEALTHY, List.of(assign("n3=standby of n3")));
            case STANDBYS_FOLLOW_THE_PRIMARY -> new Case(HEALTHY, List.of(assign("n3=standby of n2")));
            case DIVERGED_NEVER_PRIMARY -> new Case(lost("{pg: diverged, lsn: 0/9000}", ""),
                    List.of(FAILOVER_TO_N2));
            case NODE_IN_STANDBY_NEVER_PRIMARY -> new Case(lost(RUNNING_N2, "standby: [n2]"),
                    List.of(FAILOVER_TO_N2));
            case MAINTENANCE_UNTOUCHED -> new Case(lost(RUNNING_N2, "maintenance: {cluster: false, nodes: [n3]}"),
                    List.of(FAILOVER_TO_N2));
            case EVERY_STEP_HAS_A_REASON -> new Case(HEALTHY, List.of(new Plan.Step(
                    new StoreCommand.MoveReaderVip(0, "n2", "t"), " ")));
        };
    }

    private static List<PlanInvariants.Violation> check(String cluster, List<Plan.Step> steps) {
        return PlanInvariants.check(DecisionFile.read(cluster).snapshot(), new Plan(steps, List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Rule.class)
    void aPlanBreakingTheRuleIsCaughtByThatRuleAlone(Rule rule) {
        Case bad = badPlan(rule);
        List<PlanInvariants.Violation> violations = check(bad.cluster(), bad.steps());
        assertEquals(List.of(rule), violations.stream().map(PlanInvariants.Violation::rule).toList(),
                violations.toString());
        assertTrue(violations.get(0).toString().contains(rule.why()), "a violation says why the rule exists");
    }

    @Test
    void theFailoverPlansAreFineWhereTheRulesAllowThem() {
        assertEquals(List.of(), check(lost(RUNNING_N2, ""), List.of(FAILOVER_TO_N2)), "lease free, n2 eligible");
        assertEquals(List.of(), check(HEALTHY, List.of(new Plan.Step(new StoreCommand.ExpireLease("n1", 4, 17),
                "expired"), FAILOVER_TO_N2)), "the same plan frees the lease first");
    }

    @Test
    void aPausedClusterGetsNoStepAtAll() {
        List<PlanInvariants.Violation> violations = check(HEALTHY + "maintenance: {cluster: true}\n",
                List.of(new Plan.Step(new StoreCommand.ExpireLease("n1", 4, 17), "expired")));
        assertEquals(List.of(Rule.MAINTENANCE_UNTOUCHED), violations.stream().map(PlanInvariants.Violation::rule)
                .toList(), violations.toString());
    }
}
