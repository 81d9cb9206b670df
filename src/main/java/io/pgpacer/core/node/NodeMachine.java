package io.pgpacer.core.node;

import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionCause;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.Repair;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.cib.Switchover;
import io.pgpacer.core.cib.SyncSet;
import io.pgpacer.core.node.NodeStep.Look;
import io.pgpacer.core.node.NodeStep.RepairWay;
import io.pgpacer.core.node.NodeStep.StopKind;
import io.pgpacer.core.node.NodeView.Lookup;
import io.pgpacer.core.timeline.TimelineCheck;
import java.util.function.Function;

/**
 * The node state machine (issue 16): given everything a node knows ({@link NodeView}), the one next step towards its
 * goal, with the state it read and the edge of {@link Edge}'s table it took. Pure: the agent's step runner carries the
 * step out and asks again within the same pass after a {@link Look}.
 */
public final class NodeMachine {

    /** Two of PostgreSQL's default WAL-retrieval retry intervals: a standby that merely reconnects streams by then. */
    public static final long STUCK_MILLIS = 10_000;

    private NodeMachine() {
    }

    /** The node's state as its own observation shows it (the goal is not part of it). */
    public static NodeState stateOf(NodeView view) {
        if (view.longStep() != null) {
            return view.longStep() == NodeView.LongStepKind.CLONE ? NodeState.CLONING : NodeState.REWINDING;
        }
        NodeView.Postgres pg = view.postgres();
        NodeView.DataDirectory data = view.data();
        if (!pg.running()) {
            if (data.problem() != null) {
                return NodeState.FAILED;
            }
            if (!data.initialized()) {
                return NodeState.NO_DATA;
            }
            Lookup<TimelineCheck.Verdict> looked = view.looked().timeline();
            boolean diverged = looked != null && looked.found() ? looked.value().diverged() : view.memory().diverged();
            return diverged ? NodeState.DIVERGED : NodeState.STOPPED;
        }
        if (!pg.reachable()) {
            return NodeState.STARTING;
        }
        if (pg.inRecovery()) {
            return view.holdsLease() ? NodeState.PROMOTING : pg.streaming() ? NodeState.STREAMING
                    : NodeState.CATCHING_UP;
        }
        return view.holdsLease() ? NodeState.PRIMARY : NodeState.UNLEASED_WRITABLE;
    }

    /**
     * The state a node's report gives for what its agent observed: PostgreSQL's side of {@link #stateOf}, where a
     * stopped node whose last step failed is FAILED.
     */
    public static PgState reported(NodeView.Postgres pg, NodeView.DataDirectory data, boolean diverged,
            boolean lastStepFailed) {
        if (!data.initialized()) {
            return data.problem() != null ? PgState.FAILED : PgState.NO_DATA;
        }
        if (!pg.running()) {
            return diverged ? PgState.DIVERGED : lastStepFailed ? PgState.FAILED : PgState.STOPPED;
        }
        if (!pg.reachable()) {
            return PgState.UNRESPONSIVE;
        }
        return pg.inRecovery() ? PgState.STANDBY : PgState.PRIMARY;
    }

    /**
     * Whether the node's last report shows it where its goal wants it (the agent then looks at the monitor interval
     * instead of closely). A primary whose recorded sync standby stopped streaming is not: writes may be waiting.
     */
    public static boolean goalReached(NodeGoal goal, NodeReport report, SyncSet syncSet) {
        if (goal == null || report == null) {
            return false;
        }
        return switch (goal.role()) {
            case PRIMARY -> report.pgState() == PgState.PRIMARY && syncSet.standbys().stream()
                    .allMatch(n -> report.replicas().stream()
                            .anyMatch(r -> r.name().equals(n) && r.streaming()));
            case STANDBY -> report.streaming() && goal.upstream().equals(report.upstream());
            case STOPPED -> report.pgState() == PgState.STOPPED;
        };
    }

    /** The next step towards the node's goal. */
    public static NodeDecision next(NodeView view) {
        NodeState state = stateOf(view);
        NodeGoal goal = view.goal();
        if (state == NodeState.CLONING || state == NodeState.REWINDING) {
            return decide(state, Edge.CARRY_ON, new NodeStep.CarryOn());
        }
        if (goal == null) {
            return decide(state, Edge.NO_GOAL, new NodeStep.Wait("waiting for the controller to assign a role"));
        }
        if (goal.role() != Role.STOPPED && state == NodeState.FAILED && goal.repair() == null) {
            return decide(state, Edge.UNUSABLE_DATA, unusableData(view));
        }
        return switch (goal.role()) {
            case PRIMARY -> view.holdsLease() ? asLeaseHolder(view, state) : towardsLease(view, state);
            case STANDBY -> towardsStandby(view, state);
            case STOPPED -> towardsStopped(view, state);
        };
    }

    private static NodeDecision decide(NodeState state, Edge edge, NodeStep step) {
        return new NodeDecision(state, edge, step);
    }

    private static NodeStep.Refuse unusableData(NodeView view) {
        NodeView.DataDirectory data = view.data();
        String advice = data.initialized()
                ? "; PostgreSQL's OS user must own the data directory (mode 0700 or 0750)"
                : "; pgpacer does not copy over a lost data directory on its own: check the mount and the path (the"
                        + " node recovers by itself once it is back), or run 'pgpacer rebuild " + view.self() + "'";
        return new NodeStep.Refuse("cannot start PostgreSQL: " + data.problem() + advice, "start",
                data.initialized() ? 1 : 5);
    }

    // --- primary ----------------------------------------------------------------------------------------

    private static NodeDecision towardsLease(NodeView view, NodeState state) {
        if (state == NodeState.UNLEASED_WRITABLE) {
            return decide(state, Edge.FENCE_WRITABLE, new NodeStep.Stop(StopKind.IMMEDIATE,
                    "stopped PostgreSQL: it was writable without holding the lease", false));
        }
        boolean resuming = (state == NodeState.STOPPED || state == NodeState.DIVERGED) && recordedPrimary(view);
        if ((state == NodeState.STOPPED || state == NodeState.DIVERGED) && !resuming) {
            Lookup<TimelineCheck.Verdict> verdict = view.looked().timeline();
            if (verdict == null) {
                return decide(state, Edge.LOOK_UP_TIMELINE, new Look(Look.What.TIMELINE));
            }
            if (!verdict.found()) {
                return decide(state, Edge.WAIT_FOR_HISTORY, waitingForHistory(verdict.missing()));
            }
            if (verdict.value().diverged()) {
                return decide(state, Edge.STAY_DIVERGED, new NodeStep.ReportDiverged(null, false));
            }
        }
        if (view.commitGuardRefusal() != null) {
            return decide(state, Edge.GUARD_REFUSES, new NodeStep.Refuse(view.commitGuardRefusal(), "start", 5));
        }
        boolean standby = state == NodeState.CATCHING_UP || state == NodeState.STREAMING;
        return decide(state, standby ? Edge.ACQUIRE_LEASE_TO_PROMOTE : Edge.ACQUIRE_LEASE,
                new NodeStep.AcquireLease(resuming));
    }

    private static NodeDecision asLeaseHolder(NodeView view, NodeState state) {
        NodeView.DataDirectory data = view.data();
        switch (state) {
            case NO_DATA -> {
                if (!view.cib().history().isEmpty()) {
                    return decide(state, Edge.REFUSE_INITDB, new NodeStep.Refuse("cannot run as primary: the data"
                            + " directory is empty but the cluster already has a timeline history; another node must"
                            + " become primary", "start", 5));
                }
                return decide(state, Edge.INIT_CLUSTER, new NodeStep.InitCluster());
            }
            case DIVERGED -> {
                return decide(state, Edge.GIVE_UP_DIVERGED_LEASE, new NodeStep.StepDown(
                        "gave the primary lease up: this node's data diverged from the timeline history"));
            }
            case STOPPED, FAILED -> {
                if (data.standbySignal() || !recordedPrimary(view)) {
                    return decide(state, Edge.START_TO_PROMOTE, new NodeStep.StartToPromote());
                }
                return decide(state, Edge.START_PRIMARY, new NodeStep.StartPrimary(data.timeline()));
            }
            case STARTING -> {
                return decide(state, Edge.WAIT_TO_ANSWER, new NodeStep.Wait("PostgreSQL runs but does not answer yet: "
                        + view.postgres().error()));
            }
            case PROMOTING -> {
                return decide(state, Edge.PROMOTE, new NodeStep.Promote(PromotionCause.of(view.goal())));
            }
            default -> {
                if (view.cib().history().isEmpty()) {
                    return decide(state, Edge.RECORD_INITIAL_PRIMARY, new NodeStep.RecordInitialPrimary());
                }
                return decide(state, Edge.SERVE_PRIMARY, new NodeStep.ServePrimary(!view.memory().rolesEnsured()));
            }
        }
    }

    /** Only the recorded primary may resume its own timeline; any other node must be promoted (timeline + 1). */
    static boolean recordedPrimary(NodeView view) {
        return view.cib().lastPromotion().filter(p -> p.confirmed() && p.node().equals(view.self())
                && p.newTimeline() == view.data().timeline()).isPresent();
    }


    // --- standby ----------------------------------------------------------------------------------------

    private static NodeDecision towardsStandby(NodeView view, NodeState state) {
        NodeGoal goal = view.goal();
        if (view.holdsLease()) {
            Switchover planned = view.cib().switchover();
            if (planned != null && planned.phase() == Switchover.Phase.HANDING_OVER
                    && view.self().equals(planned.from())) {
                return decide(state, Edge.HAND_OVER, new NodeStep.HandOver(planned.to()));
            }
            return decide(state, Edge.STEP_DOWN, new NodeStep.StepDown(
                    "stepped down: stopped the writer VIP and PostgreSQL, released the primary lease"));
        }
        if (view.writerVipMayBeHere()) {
            return decide(state, Edge.RELEASE_WRITER_VIP,
                    new NodeStep.ReleaseWriterVip("this node is not the primary"));
        }
        if (state == NodeState.UNLEASED_WRITABLE) {
            return decide(state, Edge.FENCE_WRITABLE, new NodeStep.Stop(StopKind.IMMEDIATE,
                    "stopped PostgreSQL: it was writable but this node is not the primary", false));
        }
        NodeSpec upstreamNode = view.cib().node(goal.upstream()).orElse(null);
        if (upstreamNode == null) {
            return decide(state, Edge.UPSTREAM_UNKNOWN, new NodeStep.Wait("waiting: upstream " + goal.upstream()
                    + " is not a configured node"));
        }
        String upstream = upstreamNode.name();
        boolean upstreamServes = serves(view, upstream);
        if (goal.repair() != null) {
            return repair(view, state, upstream, upstreamServes);
        }
        boolean running = view.postgres().running();
        if (!running && view.memory().unstickAttempt() != null && view.data().initialized()) {
            return finishUnstick(view, state);
        }
        if (state == NodeState.NO_DATA) {
            if (!upstreamServes) {
                return decide(state, Edge.WAIT_FOR_PRIMARY, new NodeStep.Wait("waiting for " + upstream
                        + " to run as primary to clone it"));
            }
            return withSource(view, state, "waiting to clone: ", source -> decide(state, Edge.CLONE,
                    new NodeStep.Clone(source)));
        }
        if (!running) {
            boolean formerPrimary = !view.data().standbySignal();
            // A former primary's WAL may go past the point where the new primary's timeline forked, which the
            // history shows once the new primary confirmed its promotion.
            if (formerPrimary && !upstreamServes) {
                return decide(state, Edge.WAIT_FOR_PRIMARY, new NodeStep.Wait("waiting for " + upstream
                        + " to run as primary to rejoin it"));
            }
            return startAsStandby(view, state, upstream, upstreamServes, formerPrimary);
        }
        if (!upstream.equals(view.memory().configuredUpstream())) {
            return follow(view, state, upstream, upstreamServes);
        }
        if (view.postgres().streaming()) {
            return decide(state, Edge.STREAMING_AS_WANTED, new NodeStep.Wait("streaming from " + upstream));
        }
        return unstick(view, state, upstream, upstreamServes);
    }

    private static boolean serves(NodeView view, String node) {
        return view.cib().report(node).map(NodeReport::pgState).filter(s -> s == PgState.PRIMARY).isPresent();
    }

    /** The decision once the current primary is known: {@code then} with its name, a wait, or a look first. */
    private static NodeDecision withSource(NodeView view, NodeState state, String waiting,
            Function<String, NodeDecision> then) {
        Lookup<String> source = view.looked().source();
        if (source == null) {
            return decide(state, Edge.LOOK_UP_SOURCE, new Look(Look.What.SOURCE));
        }
        if (!source.found()) {
            return decide(state, Edge.WAIT_FOR_SOURCE, new NodeStep.Wait(waiting + source.missing()));
        }
        return then.apply(source.value());
    }

    // S3, the start-time check: a node whose WAL ends at or before the point where its timeline was forked streams
    // the rest as it is. That includes an old primary shut down cleanly for a switchover: at a clean shutdown the
    // WAL senders wait until connected standbys flushed all WAL, so the target's timeline forks at the end of the
    // shutdown checkpoint, where the old primary's WAL ends. A node that went past the fork is rewound when
    // auto-rewind allows and a primary serves, and rebuilt once pg_rewind failed on it; otherwise it stays DIVERGED,
    // never started as a standby.
    private static NodeDecision startAsStandby(NodeView view, NodeState state, String upstream,
            boolean upstreamServes, boolean formerPrimary) {
        Lookup<TimelineCheck.Verdict> looked = view.looked().timeline();
        if (looked == null) {
            return decide(state, Edge.LOOK_UP_TIMELINE, new Look(Look.What.TIMELINE));
        }
        if (!looked.found()) {
            return decide(state, Edge.WAIT_FOR_HISTORY, waitingForHistory(looked.missing()));
        }
        TimelineCheck.Verdict verdict = looked.value();
        if (verdict.diverged()) {
            if (!view.cib().settings().recovery().autoRewind() || !upstreamServes) {
                return decide(state, Edge.STAY_DIVERGED, new NodeStep.ReportDiverged(upstream, upstreamServes));
            }
            if (view.memory().rewindFailed()) {
                return withSource(view, state, "waiting to rebuild after a failed pg_rewind (" + verdict.reason()
                        + "): ", source -> decide(state, Edge.REBUILD_AFTER_FAILED_REWIND,
                                new NodeStep.RebuildAfterFailedRewind(source, verdict)));
            }
            return withSource(view, state, "waiting to rewind (" + verdict.reason() + "): ",
                    source -> decide(state, Edge.REWIND, new NodeStep.Rewind(source, verdict)));
        }
        return decide(state, Edge.START_STANDBY, new NodeStep.StartStandby(upstream, formerPrimary,
                verdict.reason()));
    }

    // S3 for a running standby (issue 17.4): one that replayed WAL past the point where the new upstream's
    // timeline forked cannot follow it by a reload (PostgreSQL loops on "forked off ... before current recovery
    // point"). It is stopped before it ever connects, and the start-time check rewinds it or says DIVERGED. The check
    // needs the new upstream's promotion confirmed: it waits until it serves.
    private static NodeDecision follow(NodeView view, NodeState state, String upstream, boolean upstreamServes) {
        if (!upstreamServes) {
            return decide(state, Edge.WAIT_FOR_PRIMARY, new NodeStep.Wait("standby, waiting for " + upstream
                    + " to run as primary to follow it"));
        }
        Lookup<TimelineCheck.Verdict> looked = view.looked().runningTimeline();
        if (looked == null) {
            return decide(state, Edge.LOOK_UP_RUNNING_TIMELINE, new Look(Look.What.RUNNING_TIMELINE));
        }
        if (!looked.found()) {
            return decide(state, Edge.WAIT_FOR_HISTORY, waitingForHistory(looked.missing()));
        }
        if (looked.value().diverged()) {
            return decide(state, Edge.STOP_DIVERGED, new NodeStep.StopDiverged(upstream, looked.value().reason()));
        }
        return decide(state, Edge.FOLLOW, new NodeStep.Follow(upstream));
    }

    // The operator's repair (pg_rewind) or rebuild (a new copy; the old data directory kept aside unless the operator
    // said otherwise, S5). The store clears the request once it is done; a failure is retried after the back-off.
    private static NodeDecision repair(NodeView view, NodeState state, String upstream, boolean upstreamServes) {
        Repair repair = view.goal().repair();
        if (repair.requestedAt().equals(view.memory().repairDone())) {
            return decide(state, Edge.REPAIR_ALREADY_DONE, new NodeStep.RepairAlreadyDone());
        }
        if (!upstreamServes) {
            return decide(state, Edge.WAIT_FOR_PRIMARY, new NodeStep.Wait("waiting for " + upstream
                    + " to run as primary for the requested " + repair.describe()));
        }
        return withSource(view, state, "waiting for the requested " + repair.describe() + ": ", source -> {
            if (view.postgres().running()) {
                return decide(state, Edge.STOP_FOR_REPAIR, new NodeStep.Stop(StopKind.FAST,
                        "stopped PostgreSQL for the requested " + repair.describe(), true));
            }
            Checked checked = checkedStoppedData(view);
            if (checked == null) {
                return decide(state, Edge.LOOK_UP_STOPPED_DATA, new Look(Look.What.TIMELINE_TOLERANT));
            }
            RepairWay way = repair.kind() == Repair.Kind.REWIND
                    ? checked.verdict() != null && !checked.verdict().diverged() ? RepairWay.NOTHING_TO_REWIND
                            : RepairWay.REWIND
                    : RepairWay.REBUILD;
            Edge edge = way == RepairWay.NOTHING_TO_REWIND ? Edge.REPAIR_WITHOUT_REWIND
                    : way == RepairWay.REWIND ? Edge.REPAIR_REWIND : Edge.REBUILD;
            return decide(state, edge, new NodeStep.Repair(source, checked.verdict(), checked.why(), way));
        });
    }

    /** The timeline check of the stopped data: a verdict, or why there is none (null verdict, null why: no cluster). */
    private record Checked(TimelineCheck.Verdict verdict, String why) {
    }

    // Null while the check is still to be made. A directory without a cluster holds nothing to check or report.
    private static Checked checkedStoppedData(NodeView view) {
        if (!view.data().initialized()) {
            return new Checked(null, null);
        }
        Lookup<TimelineCheck.Verdict> looked = view.looked().timeline();
        if (looked == null) {
            return null;
        }
        return looked.found() ? new Checked(looked.value(), null)
                : new Checked(null, "the timeline check failed: " + looked.missing());
    }

    // A standby that cannot stream from a serving primary may have WAL past the point where that primary's
    // timeline forked (an old primary kept streaming commits it never acknowledged). It is stopped and checked, and
    // rewound when it went past the fork. Tried once per upstream timeline.
    private static NodeDecision unstick(NodeView view, NodeState state, String upstream, boolean upstreamServes) {
        NodeMemory memory = view.memory();
        long since = memory.notStreamingSinceMillis() < 0 ? view.nowMillis() : memory.notStreamingSinceMillis();
        long upstreamTimeline = view.cib().report(upstream).map(NodeReport::timeline).orElse(0L);
        String attempt = upstream + " on timeline " + upstreamTimeline;
        if (!upstreamServes || view.nowMillis() - since < STUCK_MILLIS || attempt.equals(memory.lastUnstickAttempt())) {
            return decide(state, Edge.NOT_STREAMING_YET, new NodeStep.Wait("standby of " + upstream
                    + ", not streaming yet"));
        }
        boolean autoRewind = view.cib().settings().recovery().autoRewind();
        if (!autoRewind) {
            return decide(state, Edge.STOP_STUCK, new NodeStep.StopStuck(attempt, false));
        }
        return withSource(view, state, "standby of " + upstream + ", not streaming yet; no rewind now: ",
                source -> decide(state, Edge.STOP_STUCK, new NodeStep.StopStuck(attempt, true)));
    }

    // The stuck standby was stopped this pass or the last one: checked, then restarted or rewound.
    private static NodeDecision finishUnstick(NodeView view, NodeState state) {
        String attempt = view.memory().unstickAttempt();
        return withSource(view, state, "standby stopped after not streaming from " + attempt + "; no rewind now: ",
                source -> {
                    Checked checked = checkedStoppedData(view);
                    if (checked == null) {
                        return decide(state, Edge.LOOK_UP_STOPPED_DATA, new Look(Look.What.TIMELINE_TOLERANT));
                    }
                    if (checked.verdict() != null && !checked.verdict().diverged()) {
                        return decide(state, Edge.RESTART_UNSTUCK, new NodeStep.RestartUnstuck(source, attempt,
                                checked.verdict().reason()));
                    }
                    return decide(state, Edge.REWIND_UNSTUCK, new NodeStep.RewindUnstuck(source, attempt,
                            checked.verdict(), checked.why()));
                });
    }

    private static NodeStep.Wait waitingForHistory(String missing) {
        return new NodeStep.Wait("waiting to check this node's WAL against the timeline history: the store's majority"
                + " cannot be read now (" + missing + ")");
    }

    // --- stopped ----------------------------------------------------------------------------------------

    private static NodeDecision towardsStopped(NodeView view, NodeState state) {
        if (view.holdsLease()) {
            return decide(state, Edge.STEP_DOWN, new NodeStep.StepDown(
                    "stopped PostgreSQL and released the primary lease"));
        }
        if (view.postgres().running()) {
            return decide(state, Edge.STOP_AS_ASSIGNED, new NodeStep.Stop(StopKind.FAST, "stopped PostgreSQL", false));
        }
        if (view.writerVipMayBeHere()) {
            return decide(state, Edge.RELEASE_WRITER_VIP,
                    new NodeStep.ReleaseWriterVip("this node is not the primary"));
        }
        return decide(state, Edge.STOPPED_AS_ASSIGNED, new NodeStep.Wait("stopped, as assigned"));
    }

    /** The previous primary's record, for a node that starts in order to be promoted (its upstream meanwhile). */
    public static String formerPrimary(NodeView view) {
        return view.cib().lastPromotion().map(PromotionRecord::node).filter(n -> !n.equals(view.self()))
                .orElseGet(() -> view.cib().dataNodes().stream().map(NodeSpec::name)
                        .filter(n -> !n.equals(view.self())).findFirst().orElse(view.self()));
    }
}
