package io.pgpacer.sim;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.CommitGuardReport;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.ReplicaStatus;
import io.pgpacer.core.cib.Repair;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.cib.Switchover;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.decide.SyncPlanner;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.node.Edge;
import io.pgpacer.core.node.NodeDecision;
import io.pgpacer.core.node.NodeMachine;
import io.pgpacer.core.node.NodeMemory;
import io.pgpacer.core.node.NodeStep;
import io.pgpacer.core.node.NodeView;
import io.pgpacer.core.timeline.TimelineCheck;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A data node's agent loop (agent/Agent: observe, report, step) running the real {@link NodeMachine}, with a step runner
 * that does what agent/Executor does, against {@link SimPostgres} and {@link SimStore}. Fresh for every agent start: a
 * killed agent loses its memory, as the real one does.
 */
final class SimAgent {

    private static final int MAX_DECISIONS_PER_PASS = 8;
    /** The shutdown checkpoint record a clean stop of a primary writes last. */
    private static final long SHUTDOWN_CHECKPOINT_BYTES = 104;

    private final SimHost host;
    private final Simulation sim;
    private final SimPostgres pg;
    private final String self;
    private NodeMemory memory = NodeMemory.FRESH;
    private long sequence;
    private NodeReport lastReport;
    private long lastReportAt = Long.MIN_VALUE / 2;
    private boolean lastStepFailed;
    private int consecutiveFailures;
    private long backoffUntil = Long.MIN_VALUE / 2;
    private String activity = "starting";
    private String lastError;
    boolean unexpectedExit;
    private boolean writerVip;
    private TimelineCheck.Verdict verdict;
    private List<Object> checkedFor;
    private final Map<String, Long> notStreamingSince = new HashMap<>();
    private SyncPlanner.Waiting waiting = SyncPlanner.Waiting.NONE;
    private long waitingAppliedAt;
    private LongStep underway;
    private int loopToken;
    private Edge lastTracedEdge;

    /** A clone or rewind off the loop: done once {@code doneAt} passed on the host's clock. */
    private record LongStep(NodeView.LongStepKind kind, String source, String wantedUpstream, long doneAt,
            Runnable then) {
    }

    SimAgent(SimHost host) {
        this.host = host;
        this.sim = host.sim;
        this.pg = host.pg;
        this.self = host.name;
        this.sequence = sim.now * 1000 + host.incarnation;
        // why: an agent that starts holds no lease, so it removes a writer VIP a crashed agent left behind
        this.writerVip = false;
    }

    /** Runs a pass now, instead of at the end of the current pause (the CIB changed what this node should do). */
    void wake() {
        int token = ++loopToken;
        host.later(0, () -> pass(token));
    }

    private void pass(int token) {
        if (token != loopToken) {
            return;
        }
        String outcome;
        try {
            outcome = runOnce();
        } catch (SimStore.Unavailable e) {
            outcome = "store unavailable: " + e.getMessage();
        }
        if (!outcome.equals(activity) && outcome.startsWith("store unavailable")) {
            sim.trace.say(sim.now, self, outcome);
        }
        int next = ++loopToken;
        host.later(settled() ? Simulation.MONITOR_MILLIS : Simulation.FAST_MILLIS, () -> pass(next));
    }

    // --- Agent.runOnce ----------------------------------------------------------------------------------------

    private String runOnce() {
        Cib cib = host.copy;
        if (unexpectedExit) {
            unexpectedExit = false;
            fail("monitor", 7, "not running: the postmaster exited unexpectedly");
        }
        NodeView.Postgres observed = observe();
        NodeView.DataDirectory data = inspect();
        report(cib, observed, data);
        if (host.clock() < backoffUntil) {
            return activity;
        }
        NodeGoal goal = cib.goals().get(self);
        String outcome;
        try {
            outcome = step(cib, goal, observed, data);
        } catch (IllegalStateException e) {
            fail(goal != null && goal.role() == Role.PRIMARY && observed.running() ? "promote" : "start", 1,
                    e.getMessage());
            return "failed: " + e.getMessage();
        }
        consecutiveFailures = 0;
        lastStepFailed = false;
        activity = outcome;
        return outcome;
    }

    private NodeView.Postgres observe() {
        return new NodeView.Postgres(pg.running, pg.running, pg.inRecovery, pg.streaming, null);
    }

    private NodeView.DataDirectory inspect() {
        return new NodeView.DataDirectory(pg.initialized, null, pg.standbySignal, pg.timeline());
    }

    private void fail(String operation, int rc, String reason) {
        writerVip = false;
        lastError = operation + ": " + reason;
        activity = "failed " + operation + ": " + reason;
        sim.trace.say(sim.now, self, "failed ", operation + ": " + reason);
        consecutiveFailures++;
        lastStepFailed = true;
        long backoff = 500;
        for (int i = 1; i < consecutiveFailures && backoff < 30_000; i++) {
            backoff *= 2;
        }
        backoffUntil = host.clock() + Math.min(backoff, 30_000);
        try {
            CommandResult result = sim.submit(host, new StoreCommand.ReportFailure(self, operation, rc, reason,
                    sim.wallClock()));
            if (result.lease() == CommandResult.LeaseEffect.RELEASED) {
                host.forget();
            }
        } catch (SimStore.Unavailable e) {
            // not recorded; fencing stops PostgreSQL if the lease ends otherwise
        }
    }

    /** LeaseKeeper's fence: the writer VIP first, then PostgreSQL, immediately. */
    void fence() {
        writerVip = false;
        if (pg.running) {
            pg.stop();
        }
        wake();
    }

    private void report(Cib cib, NodeView.Postgres observed, NodeView.DataDirectory data) {
        NodeReport next = buildReport(observed, data);
        long now = host.clock();
        boolean changed = lastReport == null || !sameObservation(lastReport, next)
                || awaitedBySwitchover(cib) && !next.lsn().equals(lastReport.lsn());
        long interval = settled() ? cib.settings().nodeTimeoutMillis() / 2 : Simulation.FAST_MILLIS;
        if (!changed && now - lastReportAt < interval) {
            return;
        }
        sim.submit(host, new StoreCommand.ReportStatus(next));
        lastReport = next;
        lastReportAt = now;
    }

    private NodeReport buildReport(NodeView.Postgres observed, NodeView.DataDirectory data) {
        sequence++;
        PgState state = NodeMachine.reported(observed, data, diverged(), lastStepFailed);
        long timeline = data.initialized() ? pg.timeline() : 0;
        Lsn lsn = data.initialized() ? new Lsn(pg.end()) : Lsn.ZERO;
        String upstream = observed.streaming() ? pg.upstream : null;
        List<ReplicaStatus> replicas = new ArrayList<>();
        if (pg.running && !pg.inRecovery) {
            for (SimHost other : sim.hosts) {
                SimPostgres standby = other.pg;
                if (standby != null && standby.streaming && self.equals(standby.upstream)) {
                    replicas.add(new ReplicaStatus(other.name, "streaming",
                            pg.waitingFor.contains(other.name) ? "sync" : "async", new Lsn(standby.end()),
                            new Lsn(standby.end())));
                }
            }
        }
        CommitGuardReport guard = !pg.running ? CommitGuardReport.inactive("PostgreSQL is not running")
                : CommitGuardReport.held(pg.grantGeneration, pg.grantGeneration == 0 ? OptionalLong.empty()
                        : OptionalLong.of(pg.grantDeadline - host.clock()), 0, 0);
        return new NodeReport(self, sequence, state, pg.running ? pg.pid : 0, timeline, lsn,
                pg.running && pg.inRecovery ? lsn : Lsn.ZERO, upstream, observed.streaming(), replicas, activity,
                lastError, sim.wallClock(), false, 0, Map.of(), guard);
    }

    private static boolean sameObservation(NodeReport a, NodeReport b) {
        return a.pgState() == b.pgState() && a.timeline() == b.timeline() && a.streaming() == b.streaming()
                && Objects.equals(a.upstream(), b.upstream()) && Objects.equals(a.activity(), b.activity())
                && a.replicas().size() == b.replicas().size() && a.commitGuard().sameStateAs(b.commitGuard());
    }

    private boolean awaitedBySwitchover(Cib cib) {
        Switchover planned = cib.switchover();
        return planned != null && planned.phase() == Switchover.Phase.CATCHING_UP && self.equals(planned.to());
    }

    private boolean settled() {
        Cib cib = host.copy;
        if (cib.lease().isFree() || lastReport == null) {
            return false;
        }
        NodeGoal goal = cib.goals().get(self);
        if (goal == null) {
            return false;
        }
        return switch (goal.role()) {
            case PRIMARY -> lastReport.pgState() == PgState.PRIMARY && cib.syncSet().standbys().stream()
                    .allMatch(n -> lastReport.replicas().stream()
                            .anyMatch(r -> r.name().equals(n) && "streaming".equals(r.state())));
            case STANDBY -> lastReport.streaming() && goal.upstream().equals(lastReport.upstream());
            case STOPPED -> lastReport.pgState() == PgState.STOPPED;
        };
    }

    // --- Executor.step ----------------------------------------------------------------------------------------

    private boolean diverged() {
        return verdict != null && verdict.diverged();
    }

    private NodeView viewOf(Cib cib, NodeGoal goal, NodeView.Postgres observed, NodeView.DataDirectory data,
            NodeView.Looked looked, boolean vipMayBeHere) {
        LongStep current = underway;
        return new NodeView(self, cib, goal, observed, data, host.holdsLease() ? host.generation : 0, null,
                vipMayBeHere, current == null ? null : current.kind(), memory.withDiverged(diverged()), looked,
                host.clock());
    }

    private String step(Cib cib, NodeGoal goal, NodeView.Postgres observed, NodeView.DataDirectory data) {
        NodeView view = viewOf(cib, goal, observed, data, NodeView.Looked.NOTHING, writerVip);
        NodeDecision decision = null;
        for (int decisions = 0; decisions < MAX_DECISIONS_PER_PASS; decisions++) {
            decision = NodeMachine.next(view);
            keepNotStreamingTimer(decision.edge(), view.nowMillis());
            sim.edgesTaken.add(decision.edge());
            if (decision.edge() != lastTracedEdge || !(decision.step() instanceof NodeStep.Wait)) {
                lastTracedEdge = decision.edge();
                sim.trace.say(sim.now, self, decision.state() + " -" + decision.edge() + "-> ", decision.step());
            }
            NodeStep step = decision.step();
            if (step instanceof NodeStep.Look look) {
                view = view.withLooked(lookUp(look.what(), view.looked(), view));
                continue;
            }
            if (step instanceof NodeStep.ReleaseWriterVip release) {
                if (writerVip) {
                    writerVip = false;
                    return "released the writer VIP: " + release.because();
                }
                view = view.withWriterVipGone();
                continue;
            }
            if (step instanceof NodeStep.Stop stop) {
                if (stop.kind() == NodeStep.StopKind.FAST) {
                    stopPg();
                } else {
                    pg.stop();
                }
                if (!stop.lookAgain()) {
                    return stop.did();
                }
                view = viewOf(cib, goal, observe(), inspect(), view.looked(), view.writerVipMayBeHere());
                continue;
            }
            if (step instanceof NodeStep.StopStuck stuck) {
                stopPg();
                if (!stuck.autoRewind()) {
                    memory = memory.withTriedUnstick(stuck.attempt());
                    forgetVerdict();
                    return "stopped a stuck standby to check it";
                }
                memory = memory.withUnstickAttempt(stuck.attempt());
                view = viewOf(cib, goal, observe(), inspect(), view.looked(), view.writerVipMayBeHere());
                continue;
            }
            return carryOut(cib, goal, view, step);
        }
        throw new IllegalStateException("the node state machine did not settle within " + MAX_DECISIONS_PER_PASS
                + " decisions; the last: " + decision);
    }

    private void keepNotStreamingTimer(Edge edge, long now) {
        if (edge == Edge.NOT_STREAMING_YET && memory.notStreamingSinceMillis() < 0) {
            memory = memory.withNotStreamingSince(now);
        } else if (edge == Edge.STREAMING_AS_WANTED || edge == Edge.STOP_STUCK) {
            memory = memory.withNotStreamingSince(-1);
        }
    }

    private NodeView.Looked lookUp(NodeStep.Look.What what, NodeView.Looked looked, NodeView view) {
        return switch (what) {
            case TIMELINE, TIMELINE_TOLERANT -> {
                try {
                    yield looked.withTimeline(NodeView.Lookup.found(checkDivergence()));
                } catch (SimStore.Unavailable e) {
                    yield looked.withTimeline(NodeView.Lookup.none(e.getMessage()));
                }
            }
            case RUNNING_TIMELINE -> {
                try {
                    Cib fresh = sim.store.read(host);
                    yield looked.withRunningTimeline(NodeView.Lookup.found(TimelineCheck.check(fresh.history(),
                            pg.localWal())));
                } catch (SimStore.Unavailable e) {
                    yield looked.withRunningTimeline(NodeView.Lookup.none(e.getMessage()));
                }
            }
            case SOURCE -> looked.withSource(currentPrimary());
        };
    }

    // DivergenceCheck.check: read through the majority, remembered until the data or the history changes.
    private TimelineCheck.Verdict checkDivergence() {
        Cib fresh = sim.store.read(host);
        List<Object> key = List.of(pg.wal, fresh.history());
        if (!key.equals(checkedFor)) {
            verdict = TimelineCheck.check(fresh.history(), pg.localWal());
            checkedFor = key;
        }
        return verdict;
    }

    private void forgetVerdict() {
        verdict = null;
        checkedFor = null;
    }

    private NodeView.Lookup<String> currentPrimary() {
        Cib fresh;
        try {
            fresh = sim.store.read(host);
        } catch (SimStore.Unavailable e) {
            return NodeView.Lookup.none("the store's majority cannot be read (" + e.getMessage() + ")");
        }
        String holder = fresh.lease().holder();
        if (holder == null) {
            return NodeView.Lookup.none("no node holds the primary lease now");
        }
        if (holder.equals(self)) {
            return NodeView.Lookup.none("the store still names this node the lease holder");
        }
        if (!Simulation.reportsPrimary(fresh, holder)) {
            return NodeView.Lookup.none(holder + " holds the primary lease but does not report PRIMARY yet");
        }
        return NodeView.Lookup.found(holder);
    }

    private String carryOut(Cib cib, NodeGoal goal, NodeView view, NodeStep step) {
        if (step instanceof NodeStep.Wait wait) {
            return wait.why();
        }
        if (step instanceof NodeStep.Refuse refuse) {
            fail(refuse.operation(), refuse.rc(), refuse.why());
            return "failed: " + refuse.why();
        }
        if (step instanceof NodeStep.CarryOn) {
            return carryOn(goal);
        }
        if (step instanceof NodeStep.StepDown down) {
            writerVip = false;
            stopPg();
            host.release();
            return down.did();
        }
        if (step instanceof NodeStep.HandOver handOver) {
            writerVip = false;
            long gen = host.generation;
            stopPg();
            CommandResult result = sim.submit(host, new StoreCommand.HandOver(self, gen, new Lsn(pg.checkpointLsn)));
            if (!result.applied()) {
                return "stopped PostgreSQL for the switchover, but the store refused the hand-over: "
                        + result.message();
            }
            host.forget();
            return "switchover to " + handOver.to() + ": handed the lease over, WAL ends at " + pg.checkpointLsn;
        }
        if (step instanceof NodeStep.AcquireLease acquire) {
            if (acquire.resumingOwnTimeline()) {
                forgetVerdict();
            }
            long sentAt = host.clock();
            CommandResult result = sim.submit(host, new StoreCommand.AcquireLease(self));
            if (!result.applied() && result.lease() != CommandResult.LeaseEffect.ALREADY_HELD) {
                return "waiting for the primary lease: " + result.message();
            }
            if (result.lease() == CommandResult.LeaseEffect.ALREADY_HELD) {
                // as Executor.acquireLease: held again only through a renewal the controller sees
                sentAt = host.clock();
                CommandResult renewed = sim.submit(host, new StoreCommand.RenewLease(self, result.value()));
                if (!renewed.applied()) {
                    return "waiting for the primary lease: still named its holder, but not renewed: "
                            + renewed.message();
                }
            }
            host.hold(result.value(), sentAt);
            return "acquired the primary lease (generation " + result.value() + ")";
        }
        if (step instanceof NodeStep.InitCluster) {
            long gen = heldGeneration();
            pg.initialized = true;
            pg.standbySignal = false;
            pg.wal = List.of(new SimPostgres.Segment(sim.newBranch(), 1, 0, 0x1000));
            configure(null);
            startPg();
            host.grantCommitGuard();
            memory = memory.withRolesEnsured();
            record(gen, new PromotionRecord(self, 0, new Lsn(pg.end()), 1, sim.wallClock(), "initial start (initdb)",
                    true));
            return "initialised a new cluster with initdb and started it as primary";
        }
        if (step instanceof NodeStep.StartToPromote) {
            configure(NodeMachine.formerPrimary(view));
            pg.standbySignal = true;
            startPg();
            return "started PostgreSQL as a standby, to promote it";
        }
        if (step instanceof NodeStep.StartPrimary) {
            configure(null);
            pg.standbySignal = false;
            startPg();
            host.grantCommitGuard();
            return "started PostgreSQL as primary on its recorded timeline";
        }
        if (step instanceof NodeStep.Promote promote) {
            return promote(heldGeneration(), promote.cause().words());
        }
        if (step instanceof NodeStep.RecordInitialPrimary) {
            record(heldGeneration(), new PromotionRecord(self, pg.timeline(), new Lsn(pg.end()), pg.timeline(),
                    sim.wallClock(), "initial start (existing data)", true));
            return "recorded this node as the initial primary";
        }
        if (step instanceof NodeStep.ServePrimary serve) {
            long gen = heldGeneration();
            if (serve.ensureRoles()) {
                memory = memory.withRolesEnsured();
            }
            if (host.holdsLease()) {
                writerVip = true;
            }
            String sync = keepSyncStandbys(gen);
            return sync != null ? sync : "primary on timeline " + pg.timeline() + " holding lease generation " + gen;
        }
        if (step instanceof NodeStep.ReportDiverged) {
            return "DIVERGED: " + (verdict == null ? "?" : verdict.reason());
        }
        if (step instanceof NodeStep.Clone clone) {
            return copyThenFollow(NodeView.LongStepKind.CLONE, clone.source(), goal);
        }
        if (step instanceof NodeStep.Rewind rewind) {
            return copyThenFollow(NodeView.LongStepKind.REWIND, rewind.source(), goal);
        }
        if (step instanceof NodeStep.RebuildAfterFailedRewind rebuild) {
            return copyThenFollow(NodeView.LongStepKind.CLONE, rebuild.source(), goal);
        }
        if (step instanceof NodeStep.StartStandby start) {
            configure(start.upstream());
            pg.standbySignal = true;
            startPg();
            return "started as standby of " + start.upstream();
        }
        if (step instanceof NodeStep.Follow follow) {
            configure(follow.upstream());
            pg.upstream = follow.upstream();
            pg.streaming = false;
            return "now following " + follow.upstream();
        }
        if (step instanceof NodeStep.StopDiverged diverged) {
            stopPg();
            forgetVerdict();
            memory = memory.withConfiguredUpstream(null);
            return "stopped PostgreSQL instead of following " + diverged.upstream();
        }
        if (step instanceof NodeStep.RestartUnstuck restart) {
            memory = memory.withoutUnstickAttempt();
            forgetVerdict();
            configure(restart.source());
            pg.standbySignal = true;
            startPg();
            return "restarted a stuck standby without pg_rewind";
        }
        if (step instanceof NodeStep.RewindUnstuck rewind) {
            memory = memory.withoutUnstickAttempt();
            return copyThenFollow(NodeView.LongStepKind.REWIND, rewind.source(), goal);
        }
        if (step instanceof NodeStep.RepairAlreadyDone) {
            return completeRepair(goal.repair(), "already done");
        }
        if (step instanceof NodeStep.Repair repair) {
            return repair(goal, repair);
        }
        throw new IllegalStateException("the simulator has no runner for the step " + step);
    }

    // Executor.repair: nothing to rewind (restart as a standby), pg_rewind, or a new copy; then CompleteRepair.
    private String repair(NodeGoal goal, NodeStep.Repair step) {
        Repair repair = goal.repair();
        String source = step.source();
        Runnable finish = () -> {
            forgetVerdict();
            configure(source);
            pg.standbySignal = true;
            startPg();
            memory = memory.withRepairDone(repair.requestedAt());
            completeRepair(repair, "repaired from " + source);
        };
        if (step.way() == NodeStep.RepairWay.NOTHING_TO_REWIND) {
            finish.run();
            return "repaired: nothing to rewind; started as standby of " + source;
        }
        return startLongStep(step.way() == NodeStep.RepairWay.REWIND ? NodeView.LongStepKind.REWIND
                : NodeView.LongStepKind.CLONE, source, goal, () -> {
                    copyFrom(source);
                    finish.run();
                });
    }

    private String completeRepair(Repair repair, String done) {
        CommandResult result = sim.submit(host, new StoreCommand.CompleteRepair(self, repair.requestedAt()));
        return result.applied() ? done : done + " (the request stays: " + result.message() + ")";
    }

    private long heldGeneration() {
        if (!host.holdsLease()) {
            // what lease.held().getAsLong() throws when the lease ran out between the decision and the step
            throw new IllegalStateException("the lease ran out before the step");
        }
        return host.generation;
    }

    private String promote(long gen, String cause) {
        long oldTimeline = pg.timeline();
        long switchLsn = pg.end();
        record(gen, new PromotionRecord(self, oldTimeline, new Lsn(switchLsn), oldTimeline + 1, sim.wallClock(),
                cause, false));
        waitFromTheFirstCommit(gen);
        host.grantCommitGuard();
        List<SimPostgres.Segment> wal = new ArrayList<>(pg.wal);
        wal.add(new SimPostgres.Segment(sim.newBranch(), oldTimeline + 1, switchLsn, switchLsn));
        pg.wal = List.copyOf(wal);
        pg.inRecovery = false;
        pg.streaming = false;
        pg.upstream = null;
        host.grantCommitGuard();
        configure(null);
        CommandResult confirmed = sim.submit(host, new StoreCommand.ConfirmPromotion(self, gen, oldTimeline + 1,
                new Lsn(switchLsn)));
        if (!confirmed.applied()) {
            throw new IllegalStateException("promoted, but could not confirm the promotion: " + confirmed.message());
        }
        writerVip = host.holdsLease();
        return "promoted to primary: timeline " + oldTimeline + " -> " + (oldTimeline + 1) + " at " + switchLsn;
    }

    // As Executor.waitFromTheFirstCommit: in sync modes the new primary waits for the other data nodes from its first
    // commit, recorded first.
    private void waitFromTheFirstCommit(long gen) {
        Cib cib = host.copy;
        List<String> candidates = cib.dataNodes().stream().map(NodeSpec::name).filter(n -> !n.equals(self)).toList();
        SyncPlanner.AtPromotion first = SyncPlanner.atPromotion(cib.settings().sync(), cib.syncSet(), candidates);
        if (first.waiting().names().isEmpty()) {
            return;
        }
        if (first.record() != null && !sim.submit(host, new StoreCommand.SetSyncStandbys(self, gen,
                first.record().version(), first.record().standbys(), first.record().minAcks())).applied()) {
            return;
        }
        waiting = first.waiting();
        waitingAppliedAt = host.clock();
        pg.waitingFor = waiting.names();
        pg.waitingK = waiting.k();
        notStreamingSince.clear();
        candidates.forEach(candidate -> notStreamingSince.put(candidate, waitingAppliedAt));
        sim.trace.say(sim.now, self, "PostgreSQL waits for any " + waiting.k() + " of " + waiting.names()
                + " from its first commit as primary");
    }

    private void record(long gen, PromotionRecord entry) {
        CommandResult result = sim.submit(host, new StoreCommand.RecordPromotion(gen, entry));
        if (!result.applied()) {
            throw new IllegalStateException("could not record the promotion in the timeline history: "
                    + result.message());
        }
    }

    // SyncPlanner's protocol, as Executor.keepSyncStandbys runs it: a record and the PostgreSQL change it allows.
    private String keepSyncStandbys(long gen) {
        String done = null;
        for (int round = 0; round < 3; round++) {
            Cib cib = host.copy;
            long now = host.clock();
            List<ReplicaStatus> replicas = lastReplicas();
            List<String> candidates = cib.dataNodes().stream().map(NodeSpec::name).filter(n -> !n.equals(self))
                    .toList();
            for (String candidate : candidates) {
                if (replicas.stream().anyMatch(r -> r.name().equals(candidate))) {
                    notStreamingSince.remove(candidate);
                } else {
                    notStreamingSince.putIfAbsent(candidate, now);
                }
            }
            SyncPlanner.Step step = SyncPlanner.next(new SyncPlanner.Input(cib.settings().sync(), cib.syncSet(),
                    waiting, replicas, notStreamingSince, candidates, now, waitingAppliedAt));
            if (step.record() != null) {
                CommandResult result = sim.submit(host, new StoreCommand.SetSyncStandbys(self, gen,
                        cib.syncSet().version(), step.record().standbys(), step.record().minAcks()));
                sim.trace.say(sim.now, self, "sync set recorded " + step.record().standbys() + ": ", step.reason());
                done = step.reason();
                if (!result.applied()) {
                    return "sync set unchanged (" + result.message() + "): " + step.reason();
                }
                continue;
            }
            if (step.apply() != null) {
                waiting = step.apply();
                waitingAppliedAt = now;
                pg.waitingFor = waiting.names();
                pg.waitingK = waiting.k();
                sim.trace.say(sim.now, self, "PostgreSQL waits for any " + waiting.k() + " of " + waiting.names()
                        + ": ", step.reason());
                done = step.reason();
                continue;
            }
            break;
        }
        return done;
    }

    private List<ReplicaStatus> lastReplicas() {
        List<ReplicaStatus> replicas = new ArrayList<>();
        for (SimHost other : sim.hosts) {
            SimPostgres standby = other.pg;
            if (standby != null && standby.streaming && self.equals(standby.upstream)) {
                replicas.add(new ReplicaStatus(other.name, "streaming", "async", new Lsn(standby.end()),
                        new Lsn(standby.end())));
            }
        }
        return replicas;
    }

    // A clone or a rewind: the source's WAL copied (both end as its copy here), then started as its standby.
    private String copyThenFollow(NodeView.LongStepKind kind, String source, NodeGoal goal) {
        return startLongStep(kind, source, goal, () -> {
            copyFrom(source);
            forgetVerdict();
            configure(source);
            pg.standbySignal = true;
            startPg();
        });
    }

    private String startLongStep(NodeView.LongStepKind kind, String source, NodeGoal goal, Runnable then) {
        long took = 300 + sim.random.nextInt(2_500);
        underway = new LongStep(kind, source, goal.upstream(), host.clock() + took, then);
        host.later(took, this::wake);
        return (kind == NodeView.LongStepKind.CLONE ? "pg_basebackup" : "pg_rewind") + " from " + source
                + " started";
    }

    private String carryOn(NodeGoal goal) {
        LongStep current = underway;
        boolean unwanted = goal == null || goal.role() != Role.STANDBY
                || !Objects.equals(goal.upstream(), current.wantedUpstream());
        if (host.clock() < current.doneAt()) {
            if (!unwanted || current.kind() == NodeView.LongStepKind.REWIND) {
                return "running " + current.kind() + " from " + current.source();
            }
            underway = null;
            return "cancelled the " + current.kind() + ": the goal changed";
        }
        underway = null;
        if (unwanted) {
            forgetVerdict();
            return current.kind() + " ended; not followed up: the goal changed";
        }
        current.then().run();
        return current.kind() + " from " + current.source() + " done; started as standby";
    }

    // pg_basebackup or pg_rewind: the source's WAL as it is now; fails unless the source runs and is reachable.
    private void copyFrom(String source) {
        SimHost from = sim.byName.get(source);
        if (from.pg == null || !from.pg.running || from.frozen || !sim.connected(host, from)) {
            throw new IllegalStateException("could not connect to " + source + " to copy its data");
        }
        pg.initialized = true;
        pg.wal = from.pg.wal;
    }

    private void configure(String upstream) {
        pg.upstream = upstream;
        if (upstream != null) {
            waiting = SyncPlanner.Waiting.NONE;
            notStreamingSince.clear();
        }
        memory = memory.withConfiguredUpstream(upstream).withoutUnstickAttempt();
    }

    private void startPg() {
        pg.start(sim.now + 1);
        if (!pg.inRecovery) {
            waiting = SyncPlanner.Waiting.NONE;
        }
    }

    // A stop the agent expects (no unexpected exit); a fast stop of a primary hands its WAL to connected standbys.
    private void stopPg() {
        pg.checkpointLsn = pg.end();
        if (pg.running && !pg.inRecovery) {
            pg.write(SHUTDOWN_CHECKPOINT_BYTES);
            sim.flushToStandbys(host);
        }
        pg.stop();
        waiting = SyncPlanner.Waiting.NONE;
    }
}
