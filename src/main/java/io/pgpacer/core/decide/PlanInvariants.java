package io.pgpacer.core.decide;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.command.StoreCommand;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Safety rules every plan must keep, whatever the cluster looked like: checked on every golden scenario and on every
 * replayed recording. Pure: a snapshot and the plan made of it in, the broken rules out.
 *
 * <p>How the lease and the goals interplay, which {@link Rule#PRIMARY_GOAL_ONLY_WITH_THE_LEASE} checks: the scheduler
 * never hands the lease over. It expires a lease it saw unchanged for the lease time ({@code ExpireLease}), and it
 * assigns the primary goal; the node with that goal takes the free lease ({@code AcquireLease}, a compare-and-set in
 * the store) before its PostgreSQL accepts writes. So a plan may newly make a node primary only while the lease is
 * free, or already held by that node; "free" counts a lease the same plan expires first.
 */
public final class PlanInvariants {

    /** A rule with the sentence that says why it must hold. */
    public enum Rule {
        AT_MOST_ONE_PRIMARY_GOAL("two nodes told to be primary would each take the lease as soon as the other lost"
                + " it, and each believe it is the primary: one primary goal is where 'never two primaries' starts"),
        PRIMARY_GOAL_ONLY_WITH_THE_LEASE("a node is newly made primary only while the lease is free (or expired by"
                + " the same plan) or already its own: another holder may still be writing until its lease runs out"),
        GOALS_ONLY_FOR_DATA_NODES("a witness runs no PostgreSQL and an unknown name runs nothing: a goal there is"
                + " a promotion or a standby that never happens, while the plan counts on it"),
        UPSTREAM_IS_ANOTHER_DATA_NODE("a standby streams from a data node other than itself, or it never streams"
                + " and falls behind without anyone noticing"),
        STANDBYS_FOLLOW_THE_PRIMARY("a standby assigned in a plan follows the node that has the primary goal after"
                + " that plan, or it streams a timeline the cluster left behind"),
        DIVERGED_NEVER_PRIMARY("a DIVERGED node holds WAL past its timeline's fork, writes no other node has; made"
                + " primary it would fork the history again and lose what the real primary committed"),
        NODE_IN_STANDBY_NEVER_PRIMARY("an operator put the node in standby to run nothing there"
                + " ('pgpacer node standby'); making it primary would undo that without asking"),
        MAINTENANCE_UNTOUCHED("maintenance means observe, never act: a paused cluster gets no step at all, and a node"
                + " in maintenance keeps its goal"),
        EVERY_STEP_HAS_A_REASON("every action carries its reason into the log, the event feed and the status; an"
                + " action without one cannot be explained to the operator");

        private final String why;

        Rule(String why) {
            this.why = why;
        }

        public String why() {
            return why;
        }
    }

    /** A broken rule and what broke it. */
    public record Violation(Rule rule, String detail) {
        @Override
        public String toString() {
            return rule + ": " + detail + " (why the rule: " + rule.why() + ")";
        }
    }

    private PlanInvariants() {
    }

    /** The rules {@code plan} breaks when made of {@code snapshot}; empty when it keeps them all. */
    public static List<Violation> check(ClusterSnapshot snapshot, Plan plan) {
        Cib cib = snapshot.cib();
        List<Violation> violations = new ArrayList<>();
        Set<String> dataNodes = cib.dataNodes().stream().map(NodeSpec::name).collect(Collectors.toSet());
        Map<String, NodeGoal> assigned = new LinkedHashMap<>();
        String leaseHolder = cib.lease().holder();
        for (Plan.Step step : plan.steps()) {
            if (step.reason() == null || step.reason().isBlank()) {
                violations.add(new Violation(Rule.EVERY_STEP_HAS_A_REASON, step.command() + " has no reason"));
            }
            if (step.command() instanceof StoreCommand.AssignGoals goals) {
                assigned.putAll(goals.goals());
            }
            if (step.command() instanceof StoreCommand.ExpireLease expire
                    && Objects.equals(expire.holder(), leaseHolder)) {
                leaseHolder = null;
            }
        }
        Map<String, NodeGoal> after = new LinkedHashMap<>(cib.goals());
        after.putAll(assigned);
        List<String> primaries = after.entrySet().stream().filter(e -> e.getValue().role() == Role.PRIMARY)
                .map(Map.Entry::getKey).sorted().toList();
        if (primaries.size() > 1) {
            violations.add(new Violation(Rule.AT_MOST_ONE_PRIMARY_GOAL, "after the plan " + primaries
                    + " all have the primary goal"));
        }
        if (cib.maintenance().cluster() && !plan.steps().isEmpty()) {
            violations.add(new Violation(Rule.MAINTENANCE_UNTOUCHED, "the cluster is paused, yet the plan has "
                    + plan.steps().size() + " step(s)"));
        }
        for (Map.Entry<String, NodeGoal> e : assigned.entrySet()) {
            String node = e.getKey();
            NodeGoal goal = e.getValue();
            NodeGoal before = cib.goals().get(node);
            if (!dataNodes.contains(node)) {
                violations.add(new Violation(Rule.GOALS_ONLY_FOR_DATA_NODES, node + " is given the goal '"
                        + goal.describe() + "' but is not a data node of " + dataNodes.stream().sorted().toList()));
            }
            if (cib.maintenance().nodes().contains(node) && !goal.sameTarget(before)) {
                violations.add(new Violation(Rule.MAINTENANCE_UNTOUCHED, node + " is in maintenance, yet its goal"
                        + " changes from '" + (before == null ? "none" : before.describe()) + "' to '"
                        + goal.describe() + "'"));
            }
            if (goal.role() == Role.STANDBY) {
                if (goal.upstream() == null || goal.upstream().equals(node) || !dataNodes.contains(goal.upstream())) {
                    violations.add(new Violation(Rule.UPSTREAM_IS_ANOTHER_DATA_NODE, node + " is told to be '"
                            + goal.describe() + "'"));
                } else if (primaries.size() == 1 && !goal.upstream().equals(primaries.get(0))) {
                    violations.add(new Violation(Rule.STANDBYS_FOLLOW_THE_PRIMARY, node + " is told to be '"
                            + goal.describe() + "' while " + primaries.get(0) + " has the primary goal"));
                }
            }
            boolean newlyPrimary = goal.role() == Role.PRIMARY && (before == null || before.role() != Role.PRIMARY);
            if (!newlyPrimary) {
                continue;
            }
            if (leaseHolder != null && !leaseHolder.equals(node)) {
                violations.add(new Violation(Rule.PRIMARY_GOAL_ONLY_WITH_THE_LEASE, node + " is made primary while "
                        + leaseHolder + " holds the lease"));
            }
            NodeReport report = cib.reports().get(node);
            if (report != null && report.pgState() == PgState.DIVERGED) {
                violations.add(new Violation(Rule.DIVERGED_NEVER_PRIMARY, node + " reports DIVERGED and is made"
                        + " primary"));
            }
            if (cib.standby().contains(node)) {
                violations.add(new Violation(Rule.NODE_IN_STANDBY_NEVER_PRIMARY, node + " is in standby and is made"
                        + " primary"));
            }
        }
        return violations;
    }
}
