package io.pgpacer.core.node;

import static io.pgpacer.core.node.NodeViews.EMPTY;
import static io.pgpacer.core.node.NodeViews.LOST;
import static io.pgpacer.core.node.NodeViews.NOT_STREAMING;
import static io.pgpacer.core.node.NodeViews.PRIMARY_DATA;
import static io.pgpacer.core.node.NodeViews.SELF;
import static io.pgpacer.core.node.NodeViews.STANDBY_DATA;
import static io.pgpacer.core.node.NodeViews.STARTING;
import static io.pgpacer.core.node.NodeViews.STOPPED;
import static io.pgpacer.core.node.NodeViews.STREAMING;
import static io.pgpacer.core.node.NodeViews.UNREADABLE;
import static io.pgpacer.core.node.NodeViews.WRITABLE;
import static io.pgpacer.core.node.NodeViews.cluster;
import static io.pgpacer.core.node.NodeViews.handingOver;
import static io.pgpacer.core.node.NodeViews.holding;
import static io.pgpacer.core.node.NodeViews.serving;
import static io.pgpacer.core.node.NodeViews.view;
import static io.pgpacer.core.node.NodeViews.withHistory;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.CommitGuardReport;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionCause;
import io.pgpacer.core.cib.Repair;
import io.pgpacer.core.cib.ReplicaStatus;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.cib.SyncSet;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.node.NodeStep.Look;
import io.pgpacer.core.node.NodeView.Lookup;
import io.pgpacer.core.timeline.TimelineCheck;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The node state machine, one row per situation: the view, the state read from it, the edge taken and the step. The
 * rows follow the paths the agent's integration tests take against real PostgreSQL (bootstrap, failover, switchover,
 * rejoin, rewind, repair, a stuck standby), so a change of a decision shows here first.
 */
class NodeMachineTest {

    private static final Cib AFTER_FAILOVER = withHistory(serving(cluster(), "n1", 3), "n1", 3);
    private static final NodeGoal PRIMARY = NodeGoal.primary("Promote n2 (standby -> primary): n1 lease expired");
    private static final NodeGoal STANDBY = NodeGoal.standbyOf("n1", "n1 is primary");
    private static final NodeGoal STOP = new NodeGoal(Role.STOPPED, null, "standby mode");
    private static final TimelineCheck.Verdict CLEAN = new TimelineCheck.Verdict(false, "WAL ends before the fork");
    private static final TimelineCheck.Verdict PAST_FORK = new TimelineCheck.Verdict(true, "WAL goes past the fork");

    private record Row(String situation, NodeView view, NodeState state, Edge edge, NodeStep step) {
    }

    private static NodeView looked(NodeView view, UnaryOperator<NodeView.Looked> look) {
        return view.withLooked(look.apply(view.looked()));
    }

    private static NodeView memory(NodeView view, UnaryOperator<NodeMemory> change) {
        return view.withMemory(change.apply(view.memory()));
    }

    private static NodeView since(NodeView view, long notStreamingSince) {
        return memory(view, m -> m.withConfiguredUpstream("n1").withNotStreamingSince(notStreamingSince));
    }

    private static final List<Row> ROWS = List.of(
            new Row("no goal yet", view(cluster(), null, STOPPED, EMPTY), NodeState.NO_DATA, Edge.NO_GOAL,
                    new NodeStep.Wait("waiting for the controller to assign a role")),
            new Row("bootstrap: the first primary takes the lease on an empty directory",
                    view(cluster(), PRIMARY, STOPPED, EMPTY), NodeState.NO_DATA, Edge.ACQUIRE_LEASE,
                    new NodeStep.AcquireLease(false)),
            new Row("bootstrap: under the lease, initdb", holding(view(cluster(), PRIMARY, STOPPED, EMPTY)),
                    NodeState.NO_DATA, Edge.INIT_CLUSTER, new NodeStep.InitCluster()),
            new Row("an empty directory never becomes a new cluster beside a history",
                    holding(view(AFTER_FAILOVER, PRIMARY, STOPPED, EMPTY)), NodeState.NO_DATA, Edge.REFUSE_INITDB,
                    new NodeStep.Refuse("cannot run as primary: the data directory is empty but the cluster already"
                            + " has a timeline history; another node must become primary", "start", 5)),
            new Row("a stopped node to be promoted is checked before it takes the lease",
                    view(AFTER_FAILOVER, PRIMARY, STOPPED, STANDBY_DATA), NodeState.STOPPED, Edge.LOOK_UP_TIMELINE,
                    new Look(Look.What.TIMELINE)),
            new Row("a diverged node is never promoted",
                    looked(view(AFTER_FAILOVER, PRIMARY, STOPPED, STANDBY_DATA),
                            l -> l.withTimeline(Lookup.found(PAST_FORK))),
                    NodeState.DIVERGED, Edge.STAY_DIVERGED, new NodeStep.ReportDiverged(null, false)),
            new Row("the recorded primary resumes its own timeline without a check",
                    view(withHistory(cluster(), SELF, 2), PRIMARY, STOPPED, PRIMARY_DATA), NodeState.STOPPED,
                    Edge.ACQUIRE_LEASE, new NodeStep.AcquireLease(true)),
            new Row("a streaming standby to be primary takes the lease",
                    view(AFTER_FAILOVER, PRIMARY, STREAMING, STANDBY_DATA), NodeState.STREAMING,
                    Edge.ACQUIRE_LEASE_TO_PROMOTE, new NodeStep.AcquireLease(false)),
            new Row("a standby holding the lease is promoted, the cause from the goal",
                    holding(view(AFTER_FAILOVER, PRIMARY, STREAMING, STANDBY_DATA)), NodeState.PROMOTING,
                    Edge.PROMOTE, new NodeStep.Promote(PromotionCause.FAILOVER)),
            new Row("a switchover's promotion is recorded as one",
                    holding(view(AFTER_FAILOVER, NodeGoal.primary("switchover from n1"), NOT_STREAMING,
                            STANDBY_DATA)), NodeState.PROMOTING, Edge.PROMOTE,
                    new NodeStep.Promote(PromotionCause.SWITCHOVER)),
            new Row("a stopped standby under the lease starts in recovery, to be promoted",
                    holding(view(AFTER_FAILOVER, PRIMARY, STOPPED, STANDBY_DATA)), NodeState.STOPPED,
                    Edge.START_TO_PROMOTE, new NodeStep.StartToPromote()),
            new Row("the recorded primary under the lease starts on its own timeline",
                    holding(view(withHistory(cluster(), SELF, 2), PRIMARY, STOPPED, PRIMARY_DATA)),
                    NodeState.STOPPED, Edge.START_PRIMARY, new NodeStep.StartPrimary(2)),
            new Row("the primary as wanted", holding(view(AFTER_FAILOVER, PRIMARY, WRITABLE, PRIMARY_DATA)),
                    NodeState.PRIMARY, Edge.SERVE_PRIMARY, new NodeStep.ServePrimary(true)),
            new Row("S1: writable without the lease is stopped at once",
                    view(AFTER_FAILOVER, PRIMARY, WRITABLE, PRIMARY_DATA), NodeState.UNLEASED_WRITABLE,
                    Edge.FENCE_WRITABLE, new NodeStep.Stop(NodeStep.StopKind.IMMEDIATE,
                            "stopped PostgreSQL: it was writable without holding the lease", false)),
            new Row("a lost data directory is never copied over without the operator (S5)",
                    view(AFTER_FAILOVER, STANDBY, STOPPED, LOST), NodeState.FAILED, Edge.UNUSABLE_DATA,
                    new NodeStep.Refuse("cannot start PostgreSQL: the data directory is gone; pgpacer does not copy"
                            + " over a lost data directory on its own: check the mount and the path (the node"
                            + " recovers by itself once it is back), or run 'pgpacer rebuild n2'", "start", 5)),
            new Row("an unreadable data directory fails the start",
                    view(AFTER_FAILOVER, STANDBY, STOPPED, UNREADABLE), NodeState.FAILED, Edge.UNUSABLE_DATA,
                    new NodeStep.Refuse("cannot start PostgreSQL: permission denied; PostgreSQL's OS user must own"
                            + " the data directory (mode 0700 or 0750)", "start", 1)),
            new Row("switchover: the old primary hands over under its lease",
                    holding(view(handingOver(AFTER_FAILOVER), STANDBY, WRITABLE, PRIMARY_DATA)), NodeState.PRIMARY,
                    Edge.HAND_OVER, new NodeStep.HandOver("n1")),
            new Row("a primary demoted by the controller steps down",
                    holding(view(AFTER_FAILOVER, STANDBY, WRITABLE, PRIMARY_DATA)), NodeState.PRIMARY,
                    Edge.STEP_DOWN, new NodeStep.StepDown("stepped down: stopped the writer VIP and PostgreSQL,"
                            + " released the primary lease")),
            new Row("a new standby waits for its upstream to serve before it clones",
                    view(cluster(), STANDBY, STOPPED, EMPTY), NodeState.NO_DATA, Edge.WAIT_FOR_PRIMARY,
                    new NodeStep.Wait("waiting for n1 to run as primary to clone it")),
            new Row("a new standby reads the current primary through the majority",
                    view(AFTER_FAILOVER, STANDBY, STOPPED, EMPTY), NodeState.NO_DATA, Edge.LOOK_UP_SOURCE,
                    new Look(Look.What.SOURCE)),
            new Row("and clones it",
                    looked(view(AFTER_FAILOVER, STANDBY, STOPPED, EMPTY), l -> l.withSource(Lookup.found("n1"))),
                    NodeState.NO_DATA, Edge.CLONE, new NodeStep.Clone("n1")),
            new Row("no clone without a primary to copy, and no failure counted",
                    looked(view(AFTER_FAILOVER, STANDBY, STOPPED, EMPTY),
                            l -> l.withSource(Lookup.none("no node holds the primary lease now"))),
                    NodeState.NO_DATA, Edge.WAIT_FOR_SOURCE,
                    new NodeStep.Wait("waiting to clone: no node holds the primary lease now")),
            new Row("a clone under way carries on", withLongStep(view(AFTER_FAILOVER, STANDBY, STOPPED, EMPTY)),
                    NodeState.CLONING, Edge.CARRY_ON, new NodeStep.CarryOn()),
            new Row("a former primary waits for its successor to serve",
                    view(withHistory(cluster(), "n1", 3), STANDBY, STOPPED, PRIMARY_DATA), NodeState.STOPPED,
                    Edge.WAIT_FOR_PRIMARY, new NodeStep.Wait("waiting for n1 to run as primary to rejoin it")),
            new Row("a former primary whose WAL ends before the fork rejoins without a rewind",
                    looked(view(AFTER_FAILOVER, STANDBY, STOPPED, PRIMARY_DATA),
                            l -> l.withTimeline(Lookup.found(CLEAN))),
                    NodeState.STOPPED, Edge.START_STANDBY,
                    new NodeStep.StartStandby("n1", true, "WAL ends before the fork")),
            new Row("a former primary past the fork is rewound (auto-rewind)",
                    looked(view(AFTER_FAILOVER, STANDBY, STOPPED, PRIMARY_DATA),
                            l -> l.withTimeline(Lookup.found(PAST_FORK)).withSource(Lookup.found("n1"))),
                    NodeState.DIVERGED, Edge.REWIND, new NodeStep.Rewind("n1", PAST_FORK)),
            new Row("and rebuilt, its old data kept aside, once pg_rewind failed on it",
                    looked(memory(view(AFTER_FAILOVER, STANDBY, STOPPED, PRIMARY_DATA), m -> m.withRewindFailed(true)),
                            l -> l.withTimeline(Lookup.found(PAST_FORK)).withSource(Lookup.found("n1"))),
                    NodeState.DIVERGED, Edge.REBUILD_AFTER_FAILED_REWIND,
                    new NodeStep.RebuildAfterFailedRewind("n1", PAST_FORK)),
            new Row("but a failed pg_rewind does not override auto-rewind off",
                    looked(memory(view(NodeViews.autoRewindOff(AFTER_FAILOVER), STANDBY, STOPPED, PRIMARY_DATA),
                            m -> m.withRewindFailed(true)), l -> l.withTimeline(Lookup.found(PAST_FORK))),
                    NodeState.DIVERGED, Edge.STAY_DIVERGED, new NodeStep.ReportDiverged("n1", true)),
            new Row("without auto-rewind it stays diverged and says how to fix it",
                    looked(view(NodeViews.autoRewindOff(AFTER_FAILOVER), STANDBY, STOPPED, PRIMARY_DATA),
                            l -> l.withTimeline(Lookup.found(PAST_FORK))),
                    NodeState.DIVERGED, Edge.STAY_DIVERGED, new NodeStep.ReportDiverged("n1", true)),
            new Row("no verdict while the history cannot be read",
                    looked(view(AFTER_FAILOVER, STANDBY, STOPPED, STANDBY_DATA),
                            l -> l.withTimeline(Lookup.none("no leader"))),
                    NodeState.STOPPED, Edge.WAIT_FOR_HISTORY, new NodeStep.Wait("waiting to check this node's WAL"
                            + " against the timeline history: the store's majority cannot be read now (no leader)")),
            new Row("a standby of the old primary is checked before it follows the new one",
                    memory(view(AFTER_FAILOVER, STANDBY, NOT_STREAMING, STANDBY_DATA),
                            m -> m.withConfiguredUpstream("n3")),
                    NodeState.CATCHING_UP, Edge.LOOK_UP_RUNNING_TIMELINE, new Look(Look.What.RUNNING_TIMELINE)),
            new Row("and follows it by a reload",
                    looked(memory(view(AFTER_FAILOVER, STANDBY, NOT_STREAMING, STANDBY_DATA),
                            m -> m.withConfiguredUpstream("n3")), l -> l.withRunningTimeline(Lookup.found(CLEAN))),
                    NodeState.CATCHING_UP, Edge.FOLLOW, new NodeStep.Follow("n1")),
            new Row("or is stopped when it replayed past the new upstream's fork",
                    looked(memory(view(AFTER_FAILOVER, STANDBY, STREAMING, STANDBY_DATA),
                            m -> m.withConfiguredUpstream("n3")),
                            l -> l.withRunningTimeline(Lookup.found(PAST_FORK))),
                    NodeState.STREAMING, Edge.STOP_DIVERGED, new NodeStep.StopDiverged("n1", "WAL goes past the fork")),
            new Row("streaming as wanted", since(view(AFTER_FAILOVER, STANDBY, STREAMING, STANDBY_DATA), -1),
                    NodeState.STREAMING, Edge.STREAMING_AS_WANTED, new NodeStep.Wait("streaming from n1")),
            new Row("not streaming for less than the stuck time",
                    since(view(AFTER_FAILOVER, STANDBY, NOT_STREAMING, STANDBY_DATA), 1_000_000 - 9_999),
                    NodeState.CATCHING_UP, Edge.NOT_STREAMING_YET, new NodeStep.Wait("standby of n1, not streaming"
                            + " yet")),
            new Row("stuck for the stuck time: the primary is read before the standby is stopped",
                    since(view(AFTER_FAILOVER, STANDBY, NOT_STREAMING, STANDBY_DATA), 1_000_000 - 10_000),
                    NodeState.CATCHING_UP, Edge.LOOK_UP_SOURCE, new Look(Look.What.SOURCE)),
            new Row("then stopped to be checked",
                    looked(since(view(AFTER_FAILOVER, STANDBY, NOT_STREAMING, STANDBY_DATA), 1_000_000 - 10_000),
                            l -> l.withSource(Lookup.found("n1"))),
                    NodeState.CATCHING_UP, Edge.STOP_STUCK, new NodeStep.StopStuck("n1 on timeline 3", true)),
            new Row("once per upstream timeline",
                    memory(since(view(AFTER_FAILOVER, STANDBY, NOT_STREAMING, STANDBY_DATA), 0),
                            m -> m.withTriedUnstick("n1 on timeline 3")),
                    NodeState.CATCHING_UP, Edge.NOT_STREAMING_YET, new NodeStep.Wait("standby of n1, not streaming"
                            + " yet")),
            new Row("the stopped stuck standby on the history restarts without pg_rewind",
                    looked(memory(view(AFTER_FAILOVER, STANDBY, STOPPED, STANDBY_DATA),
                            m -> m.withUnstickAttempt("n1 on timeline 3")),
                            l -> l.withSource(Lookup.found("n1")).withTimeline(Lookup.found(CLEAN))),
                    NodeState.STOPPED, Edge.RESTART_UNSTUCK,
                    new NodeStep.RestartUnstuck("n1", "n1 on timeline 3", "WAL ends before the fork")),
            new Row("one past the fork is rewound",
                    looked(memory(view(AFTER_FAILOVER, STANDBY, STOPPED, STANDBY_DATA),
                            m -> m.withUnstickAttempt("n1 on timeline 3")),
                            l -> l.withSource(Lookup.found("n1")).withTimeline(Lookup.found(PAST_FORK))),
                    NodeState.DIVERGED, Edge.REWIND_UNSTUCK,
                    new NodeStep.RewindUnstuck("n1", "n1 on timeline 3", PAST_FORK, null)),
            new Row("a repair stops the running standby first",
                    looked(view(AFTER_FAILOVER, STANDBY.withRepair(new Repair(Repair.Kind.REWIND, false, "t1")),
                            STREAMING, STANDBY_DATA), l -> l.withSource(Lookup.found("n1"))),
                    NodeState.STREAMING, Edge.STOP_FOR_REPAIR, new NodeStep.Stop(NodeStep.StopKind.FAST,
                            "stopped PostgreSQL for the requested pg_rewind", true)),
            new Row("a repair of WAL on the history runs no pg_rewind",
                    looked(view(AFTER_FAILOVER, STANDBY.withRepair(new Repair(Repair.Kind.REWIND, false, "t1")),
                            STOPPED, STANDBY_DATA),
                            l -> l.withSource(Lookup.found("n1")).withTimeline(Lookup.found(CLEAN))),
                    NodeState.STOPPED, Edge.REPAIR_WITHOUT_REWIND,
                    new NodeStep.Repair("n1", CLEAN, null, NodeStep.RepairWay.NOTHING_TO_REWIND)),
            new Row("a rebuild whose check failed still rebuilds, and reports why the check failed",
                    looked(view(AFTER_FAILOVER, STANDBY.withRepair(new Repair(Repair.Kind.REBUILD, false, "t1")),
                            STOPPED, STANDBY_DATA),
                            l -> l.withSource(Lookup.found("n1")).withTimeline(Lookup.none("pg_waldump failed"))),
                    NodeState.STOPPED, Edge.REBUILD, new NodeStep.Repair("n1", null,
                            "the timeline check failed: pg_waldump failed", NodeStep.RepairWay.REBUILD)),
            new Row("a repair carried out is reported again until the store clears it",
                    memory(view(AFTER_FAILOVER, STANDBY.withRepair(new Repair(Repair.Kind.REWIND, false, "t1")),
                            STREAMING, STANDBY_DATA), m -> m.withRepairDone("t1")),
                    NodeState.STREAMING, Edge.REPAIR_ALREADY_DONE, new NodeStep.RepairAlreadyDone()),
            new Row("a postmaster that does not answer yet is waited for",
                    holding(view(AFTER_FAILOVER, PRIMARY, STARTING, PRIMARY_DATA)), NodeState.STARTING,
                    Edge.WAIT_TO_ANSWER, new NodeStep.Wait("PostgreSQL runs but does not answer yet: the database"
                            + " system is starting up")),
            new Row("stopped as assigned", view(AFTER_FAILOVER, STOP, STREAMING, STANDBY_DATA), NodeState.STREAMING,
                    Edge.STOP_AS_ASSIGNED, new NodeStep.Stop(NodeStep.StopKind.FAST, "stopped PostgreSQL", false)),
            new Row("a stopped node that may still carry the writer VIP removes it",
                    writerVip(view(AFTER_FAILOVER, STOP, STOPPED, STANDBY_DATA)), NodeState.STOPPED,
                    Edge.RELEASE_WRITER_VIP, new NodeStep.ReleaseWriterVip("this node is not the primary")));

    private static NodeView withLongStep(NodeView view) {
        return new NodeView(view.self(), view.cib(), view.goal(), view.postgres(), view.data(), 0, null, false,
                NodeView.LongStepKind.CLONE, view.memory(), view.looked(), view.nowMillis());
    }

    private static NodeView writerVip(NodeView view) {
        return new NodeView(view.self(), view.cib(), view.goal(), view.postgres(), view.data(), 0, null, true,
                view.longStep(), view.memory(), view.looked(), view.nowMillis());
    }

    @Test
    void eachSituationTakesItsEdge() {
        for (Row row : ROWS) {
            NodeDecision decision = NodeMachine.next(row.view());
            assertEquals(List.of(row.state(), row.edge(), row.step()),
                    List.of(decision.state(), decision.edge(), decision.step()), row.situation());
        }
    }

    private static NodeReport report(PgState state, boolean streaming,
            String upstream, List<ReplicaStatus> replicas) {
        return new NodeReport(SELF, 1, state, 100, 3, Lsn.ZERO,
                Lsn.ZERO, upstream, streaming, replicas, null, null, null, false, 0,
                Map.of(), CommitGuardReport.UNKNOWN);
    }

    @Test
    void theGoalIsReachedWhenTheReportShowsTheNodeWhereTheGoalWantsIt() {
        SyncSet none = SyncSet.NONE;
        SyncSet syncN3 = new SyncSet(List.of("n3"), 1, 1);
        ReplicaStatus n3 = new ReplicaStatus("n3", "streaming", "sync",
                Lsn.ZERO, Lsn.ZERO);
        ReplicaStatus n3CatchingUp = new ReplicaStatus("n3", "catchup",
                "async", Lsn.ZERO, Lsn.ZERO);
        PgState primary = PgState.PRIMARY;
        assertEquals(List.of(true, true, false, false, true, false, true, false, false),
                List.of(NodeMachine.goalReached(PRIMARY, report(primary, false, null, List.of()), none),
                        NodeMachine.goalReached(PRIMARY, report(primary, false, null, List.of(n3)), syncN3),
                        NodeMachine.goalReached(PRIMARY, report(primary, false, null, List.of(n3CatchingUp)), syncN3),
                        NodeMachine.goalReached(PRIMARY, report(PgState.STANDBY, true, "n1",
                                List.of()), none),
                        NodeMachine.goalReached(STANDBY, report(PgState.STANDBY, true, "n1",
                                List.of()), none),
                        NodeMachine.goalReached(STANDBY, report(PgState.STANDBY, true, "n3",
                                List.of()), none),
                        NodeMachine.goalReached(STOP, report(PgState.STOPPED, false, null,
                                List.of()), none),
                        NodeMachine.goalReached(null, report(primary, false, null, List.of()), none),
                        NodeMachine.goalReached(STANDBY, null, none)));
    }

    @Test
    void theReportedStateIsPostgresqlsSideOfTheNodeState() {
        assertEquals(PgState.NO_DATA, NodeMachine.reported(STOPPED, EMPTY, false, true));
        assertEquals(PgState.FAILED, NodeMachine.reported(STOPPED, LOST, false, false));
        assertEquals(PgState.DIVERGED, NodeMachine.reported(STOPPED, PRIMARY_DATA, true, true));
        assertEquals(PgState.FAILED, NodeMachine.reported(STOPPED, PRIMARY_DATA, false, true));
        assertEquals(PgState.STOPPED, NodeMachine.reported(STOPPED, PRIMARY_DATA, false, false));
        assertEquals(PgState.UNRESPONSIVE, NodeMachine.reported(STARTING, PRIMARY_DATA, false,
                false));
        assertEquals(PgState.STANDBY, NodeMachine.reported(NOT_STREAMING, STANDBY_DATA, false,
                false));
        assertEquals(PgState.PRIMARY, NodeMachine.reported(WRITABLE, PRIMARY_DATA, false,
                false));
    }
}
