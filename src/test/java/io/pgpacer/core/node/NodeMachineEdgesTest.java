package io.pgpacer.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.Repair;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.node.NodeView.Lookup;
import io.pgpacer.core.timeline.TimelineCheck;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The edge check over every combination of the view's dimensions (goal, PostgreSQL, data directory, lease, long step,
 * memory, cluster, what a look finds): each decision leaves from the state it read and serves the goal, as the table
 * says; a pass ends within a few decisions whatever the looks find; and the safety rules hold for every combination,
 * not only for the paths the integration tests take: S1 (writable without the lease is stopped), S3 (no lease, start
 * or promotion on WAL that was not checked or went past the fork), S5 (no copy over a lost data directory).
 */
class NodeMachineEdgesTest {

    private static final TimelineCheck.Verdict CLEAN = new TimelineCheck.Verdict(false, "on the history");
    private static final TimelineCheck.Verdict PAST_FORK = new TimelineCheck.Verdict(true, "past the fork");

    /** What every look finds in one run of a pass. */
    private enum Finding {
        CLEAN_AND_A_PRIMARY, PAST_THE_FORK_AND_A_PRIMARY, A_PRIMARY_BUT_NO_VERDICT, NOTHING
    }

    private static List<NodeGoal> goals() {
        List<NodeGoal> goals = new ArrayList<>();
        goals.add(null);
        goals.add(NodeGoal.primary("Promote n2: n1 lease expired"));
        goals.add(NodeGoal.standbyOf("n1", "n1 is primary"));
        goals.add(NodeGoal.standbyOf("n9", "a node that is not configured"));
        goals.add(NodeGoal.standbyOf("n1", "repair").withRepair(new Repair(Repair.Kind.REWIND, false, "t1")));
        goals.add(NodeGoal.standbyOf("n1", "rebuild").withRepair(new Repair(Repair.Kind.REBUILD, false, "t1")));
        goals.add(new NodeGoal(Role.STOPPED, null, "standby mode"));
        return goals;
    }

    private static List<Cib> clusters() {
        Cib fresh = NodeViews.cluster();
        Cib failedOver = NodeViews.withHistory(NodeViews.serving(fresh, "n1", 3), "n1", 3);
        return List.of(fresh, failedOver, NodeViews.autoRewindOff(failedOver), NodeViews.handingOver(failedOver),
                NodeViews.withHistory(fresh, NodeViews.SELF, 2));
    }

    private static List<NodeMemory> memories() {
        return List.of(NodeMemory.FRESH, NodeMemory.FRESH.withConfiguredUpstream("n1").withNotStreamingSince(0),
                NodeMemory.FRESH.withConfiguredUpstream("n3").withRolesEnsured(),
                NodeMemory.FRESH.withUnstickAttempt("n1 on timeline 3"),
                NodeMemory.FRESH.withRepairDone("t1").withTriedUnstick("n1 on timeline 3"),
                NodeMemory.FRESH.withRewindFailed(true));
    }

    @Test
    void everyDecisionOfEveryCombinationFollowsTheTable() {
        List<NodeView.Postgres> postgres = List.of(NodeViews.STOPPED, NodeViews.STARTING, NodeViews.STREAMING,
                NodeViews.NOT_STREAMING, NodeViews.WRITABLE);
        List<NodeView.DataDirectory> data = List.of(NodeViews.EMPTY, NodeViews.LOST, NodeViews.PRIMARY_DATA,
                NodeViews.STANDBY_DATA, NodeViews.UNREADABLE);
        List<NodeView.LongStepKind> longSteps = new ArrayList<>();
        longSteps.add(null);
        longSteps.addAll(List.of(NodeView.LongStepKind.values()));
        Map<Edge, Set<NodeState>> taken = new EnumMap<>(Edge.class);
        int views = 0;
        for (NodeGoal goal : goals()) {
            for (Cib cib : clusters()) {
                for (NodeView.Postgres pg : postgres) {
                    for (NodeView.DataDirectory dir : data) {
                        for (long lease : new long[] {0, NodeViews.LEASE}) {
                            for (NodeView.LongStepKind longStep : longSteps) {
                                for (NodeMemory remembered : memories()) {
                                  for (boolean diverged : new boolean[] {false, true}) {
                                    NodeMemory memory = remembered.withDiverged(diverged);
                                    for (boolean vip : new boolean[] {false, true}) {
                                        for (String guard : new String[] {null, "the commit guard is required"}) {
                                            NodeView view = new NodeView(NodeViews.SELF, cib, goal, pg, dir, lease,
                                                    guard, vip, longStep, memory, NodeView.Looked.NOTHING, 20_000);
                                            for (Finding finding : Finding.values()) {
                                                views++;
                                                pass(view, finding, taken);
                                            }
                                        }
                                    }
                                  }
                                }
                            }
                        }
                    }
                }
            }
        }
        assertTrue(views > 100_000, "the enumeration shrank to " + views + " views");
        assertEquals(EnumSet.allOf(Edge.class), taken.keySet(),
                "edges the enumeration never took (a dead edge, or a dimension missing here)");
        List<String> differences = new ArrayList<>();
        for (Edge edge : Edge.values()) {
            if (!edge.from().equals(taken.get(edge))) {
                differences.add(edge + ": the table says " + new TreeSet<>(edge.from()) + ", the decisions took it from "
                        + new TreeSet<>(taken.get(edge)));
            }
        }
        assertEquals(List.of(), differences, "edges whose states in the table differ from those it is taken from");
    }

    // One pass: decisions until a step that ends it, each checked, the looks answered with the finding.
    private static void pass(NodeView first, Finding finding, Map<Edge, Set<NodeState>> taken) {
        NodeView view = first;
        List<NodeDecision> trail = new ArrayList<>();
        for (int step = 0; step < 6; step++) {
            NodeDecision decision = NodeMachine.next(view);
            trail.add(decision);
            taken.computeIfAbsent(decision.edge(), e -> EnumSet.noneOf(NodeState.class)).add(decision.state());
            check(view, decision, trail);
            if (!(decision.step() instanceof NodeStep.Look look)) {
                return;
            }
            view = view.withLooked(answer(look.what(), view.looked(), finding));
        }
        fail("no step ended the pass within 6 decisions: " + trail + " for " + first);
    }

    private static NodeView.Looked answer(NodeStep.Look.What what, NodeView.Looked looked, Finding finding) {
        UnaryOperator<NodeView.Looked> found = switch (finding) {
            case CLEAN_AND_A_PRIMARY -> l -> what == NodeStep.Look.What.SOURCE ? l.withSource(Lookup.found("n1"))
                    : what == NodeStep.Look.What.RUNNING_TIMELINE ? l.withRunningTimeline(Lookup.found(CLEAN))
                    : l.withTimeline(Lookup.found(CLEAN));
            case PAST_THE_FORK_AND_A_PRIMARY -> l -> what == NodeStep.Look.What.SOURCE
                    ? l.withSource(Lookup.found("n1"))
                    : what == NodeStep.Look.What.RUNNING_TIMELINE ? l.withRunningTimeline(Lookup.found(PAST_FORK))
                    : l.withTimeline(Lookup.found(PAST_FORK));
            case A_PRIMARY_BUT_NO_VERDICT -> l -> what == NodeStep.Look.What.SOURCE
                    ? l.withSource(Lookup.found("n1"))
                    : what == NodeStep.Look.What.RUNNING_TIMELINE ? l.withRunningTimeline(Lookup.none("no majority"))
                    : l.withTimeline(Lookup.none("pg_waldump failed"));
            case NOTHING -> l -> what == NodeStep.Look.What.SOURCE ? l.withSource(Lookup.none("no primary"))
                    : what == NodeStep.Look.What.RUNNING_TIMELINE ? l.withRunningTimeline(Lookup.none("no majority"))
                    : l.withTimeline(Lookup.none("no majority"));
        };
        return found.apply(looked);
    }

    private static void check(NodeView view, NodeDecision decision, List<NodeDecision> trail) {
        Supplier<String> where = () -> trail + " for " + view;
        Edge edge = decision.edge();
        assertEquals(NodeMachine.stateOf(view), decision.state(), where);
        assertTrue(edge.from().contains(decision.state()),
                () -> "the edge does not leave from the state: " + where.get());
        if (view.goal() == null) {
            assertTrue(edge == Edge.NO_GOAL || edge == Edge.CARRY_ON, where);
        } else {
            assertTrue(edge.goals().isEmpty() || edge.goals().contains(view.goal().role()),
                    () -> "the edge does not serve the goal: " + where.get());
        }
        assertEquals(decision, NodeMachine.next(view), () -> "the same view decides the same: " + where.get());
        NodeStep step = decision.step();
        NodeState state = decision.state();
        // S1: a writable PostgreSQL without the lease keeps running only while a writer VIP is released first.
        if (state == NodeState.UNLEASED_WRITABLE && view.goal() != null) {
            assertTrue(step instanceof NodeStep.Stop || step instanceof NodeStep.ReleaseWriterVip,
                    () -> "S1: writable without the lease and not stopped: " + where.get());
        }
        // S3: the lease, a start and a promotion only on WAL that is on the history.
        boolean checkedClean = view.looked().timeline() != null && view.looked().timeline().found()
                && !view.looked().timeline().value().diverged();
        if (step instanceof NodeStep.AcquireLease acquire) {
            assertTrue(state != NodeState.DIVERGED || acquire.resumingOwnTimeline(), () -> "S3: " + where.get());
            if ((state == NodeState.STOPPED || state == NodeState.DIVERGED) && !acquire.resumingOwnTimeline()) {
                assertTrue(checkedClean, () -> "S3: the lease taken on unchecked WAL: " + where.get());
            }
        }
        if (step instanceof NodeStep.StartStandby || step instanceof NodeStep.RestartUnstuck) {
            assertTrue(checkedClean, () -> "S3: started on unchecked WAL: " + where.get());
        }
        if (step instanceof NodeStep.StartToPromote || step instanceof NodeStep.StartPrimary
                || step instanceof NodeStep.Promote || step instanceof NodeStep.InitCluster) {
            assertTrue(view.holdsLease() && state != NodeState.DIVERGED, () -> "S3/S1: " + where.get());
        }
        // S5: nothing copies over a data directory that is gone, unless the operator asked.
        if (step instanceof NodeStep.Clone || step instanceof NodeStep.Rewind) {
            assertTrue(view.data().problem() == null && (view.looked().source() != null
                    && view.looked().source().found()), () -> "S5 / a copy without a primary: " + where.get());
        }
    }
}
