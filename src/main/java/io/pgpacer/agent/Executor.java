package io.pgpacer.agent;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.DiscardReport;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionCause;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.Switchover;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand.AcquireLease;
import io.pgpacer.core.command.StoreCommand.ConfirmPromotion;
import io.pgpacer.core.command.StoreCommand.CompleteRepair;
import io.pgpacer.core.command.StoreCommand.HandOver;
import io.pgpacer.core.command.StoreCommand.RecordFailedAction;
import io.pgpacer.core.command.StoreCommand.WithdrawFailedAction;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.Repair;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.timeline.TimelineCheck;
import io.pgpacer.core.node.Edge;
import io.pgpacer.core.node.NodeDecision;
import io.pgpacer.core.node.NodeMachine;
import io.pgpacer.core.node.NodeMemory;
import io.pgpacer.core.node.NodeStep;
import io.pgpacer.core.node.NodeView;
import java.nio.file.Path;
import io.pgpacer.core.command.StoreCommand.RecordPromotion;
import io.pgpacer.core.command.StoreCommand.RenewLease;
import io.pgpacer.core.command.StoreCommand.SetSyncStandbys;
import io.pgpacer.core.cib.ReplicaStatus;
import io.pgpacer.core.decide.SyncPlanner;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.timeline.TimelineFork;
import io.pgpacer.postgres.DataDirState;
import io.pgpacer.postgres.PgObservation;
import io.pgpacer.postgres.PostgresException;
import io.pgpacer.postgres.PostgresInstance;
import io.pgpacer.postgres.RewindFailedException;
import io.pgpacer.postgres.StopMode;
import io.pgpacer.postgres.Upstream;
import io.pgpacer.store.ClusterStore;
import io.pgpacer.store.StoreUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * The PostgreSQL resource agent's reconcile step: given the node's goal and what it observes, take the one
 * next action towards the goal and say what it did. Writes happen only under the lease: the lease is
 * acquired before PostgreSQL starts as a primary or is promoted, and the promotion is recorded in the
 * timeline history before PostgreSQL is told to promote.
 */
final class Executor {

    /**
     * What one step did; {@code failure} names the failed operation for the fail-count, else null. While a long step
     * runs, {@code text} names it in one sentence that stays the same and {@code progress} says how far it got (the
     * node's activity); else {@code progress} is null.
     */
    record StepOutcome(String text, String failedOperation, int rc, String progress) {

        StepOutcome(String text, String failedOperation, int rc) {
            this(text, failedOperation, rc, null);
        }

        static StepOutcome did(String text) {
            return new StepOutcome(text, null, 0);
        }

        static StepOutcome underway(LongStep step) {
            return new StepOutcome(step.summary(), null, 0, step.activity());
        }
    }

    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(2);

    private final String self;
    private final ClusterStore store;
    private final PostgresInstance pg;
    private final LeaseKeeper lease;
    private final WriterVip writerVip;
    private final LongSupplier millis;
    private final Runnable expectStop;
    private final FailsafePromise failsafe;
    private final Runnable releaseLeaseBound;
    /** What the node state machine remembers from this agent's earlier passes. */
    private NodeMemory memory = NodeMemory.FRESH;
    /** The decision the pass took last, for the failure that says a pass did not settle on a step. */
    private NodeDecision lastDecision;
    private final DivergenceCheck divergence;
    /**
     * The DIVERGED failed action this executor recorded for the data directory as it is, so that it is recorded
     * once, and withdrawn if the same data later checks out; null once the data was rewound or replaced.
     */
    private FailedAction divergenceRecorded;
    /** What this node's PostgreSQL waits for, as last applied; it waits for nobody after every (re)start. */
    private SyncPlanner.Waiting waiting = SyncPlanner.Waiting.NONE;
    private long waitingAppliedAt;
    private final Map<String, Long> notStreamingSince = new HashMap<>();
    private final DiscardReporter discards;
    private final PromotionTiming promotions;
    /** The clone or rewind under way, off the loop. */
    private final LongSteps longSteps = new LongSteps();

    /** An executor whose lost-transaction reports and promotion phases go to the CIB only (no events, no files). */
    Executor(String self, ClusterStore store, PostgresInstance pg, LeaseKeeper lease, WriterVip writerVip,
            LongSupplier monotonicMillis, Runnable expectStop, FailsafePromise failsafe, Runnable releaseLeaseBound) {
        this(self, store, pg, lease, writerVip, monotonicMillis, expectStop, failsafe, releaseLeaseBound,
                new DiscardReporter(self, pg, store, STORE_TIMEOUT, text -> { }, null),
                new PromotionTiming(self, store, monotonicMillis, false, text -> { }, () -> { }));
    }

    /**
     * @param discards reports what a rewind or a rebuild is about to discard, before it does
     * @param promotions is told when this node took the lease and was promoted, and records the phases
     */
    Executor(String self, ClusterStore store, PostgresInstance pg, LeaseKeeper lease, WriterVip writerVip,
            LongSupplier monotonicMillis, Runnable expectStop, FailsafePromise failsafe, Runnable releaseLeaseBound,
            DiscardReporter discards, PromotionTiming promotions) {
        this.self = self;
        this.promotions = promotions;
        this.discards = discards;
        this.releaseLeaseBound = releaseLeaseBound;
        this.failsafe = failsafe;
        this.writerVip = writerVip;
        this.store = store;
        this.pg = pg;
        this.lease = lease;
        this.millis = monotonicMillis;
        this.expectStop = expectStop;
        this.divergence = new DivergenceCheck(self, pg, store, STORE_TIMEOUT);
    }

    /**
     * One pass's step: asks the node state machine for the next step and carries it out; a look, a writer VIP found
     * absent or a stop that looks again feed what they found back into the same pass.
     */
    StepOutcome step(Cib cib, NodeGoal goal, PgObservation observed, DataDirState data) {
        Pass pass = new Pass(cib, goal, observed, data);
        NodeView view = viewOf(pass, NodeView.Looked.NOTHING, writerVip.mayBeHere());
        boolean heldBefore = lease.held().isPresent();
        try {
            for (int decisions = 0; decisions < MAX_DECISIONS_PER_PASS; decisions++) {
                NodeDecision decision = NodeMachine.next(view);
                lastDecision = decision;
                keepNotStreamingTimer(decision.edge(), view.nowMillis());
                Carried carried = carryOut(pass, view, decision.step());
                if (carried.outcome() != null) {
                    return carried.outcome();
                }
                view = carried.view();
            }
        } catch (PostgresException | IllegalStateException e) {
            // A step that failed because the lease ran out under it (a slow start on a loaded machine; fencing stops
            // what it started) is no failure of this node's: counted, it would keep the node from the primary role by
            // migration-threshold, even when it holds the cluster's only data (a bootstrap that never formed a
            // cluster).
            if (goal != null && goal.role() == Role.PRIMARY && heldBefore && lease.held().isEmpty()) {
                return StepOutcome.did("lost the primary lease during the step, so it stopped: " + e.getMessage());
            }
            throw e;
        }
        throw new IllegalStateException("the node state machine did not settle on a step within "
                + MAX_DECISIONS_PER_PASS + " decisions; the last: " + lastDecision);
    }

    // The stuck-standby timer runs from the first pass that finds the standby of its goal's upstream not streaming
    // (not from an earlier upstream's end) and ends when it streams or was stopped to be checked.
    private void keepNotStreamingTimer(Edge edge, long now) {
        if (edge == Edge.NOT_STREAMING_YET && memory.notStreamingSinceMillis() < 0) {
            memory = memory.withNotStreamingSince(now);
        } else if (edge == Edge.STREAMING_AS_WANTED || edge == Edge.STOP_STUCK) {
            memory = memory.withNotStreamingSince(-1);
        }
    }

    /** The clone or rewind under way, for the loop's look and the agent's stop. */
    LongSteps longSteps() {
        return longSteps;
    }

    /** What one pass works on; the observation is renewed when a stop looks again. */
    private static final class Pass {
        final Cib cib;
        final NodeGoal goal;
        PgObservation observed;
        DataDirState data;

        Pass(Cib cib, NodeGoal goal, PgObservation observed, DataDirState data) {
            this.cib = cib;
            this.goal = goal;
            this.observed = observed;
            this.data = data;
        }
    }

    /** A step's end: the pass's outcome, or (outcome null) the view the next decision of the same pass reads. */
    private record Carried(StepOutcome outcome, NodeView view) {

        static Carried ended(StepOutcome outcome) {
            return new Carried(outcome, null);
        }

        static Carried goOn(NodeView view) {
            return new Carried(null, view);
        }
    }

    private NodeView viewOf(Pass pass, NodeView.Looked looked, boolean writerVipMayBeHere) {
        PgObservation observed = pass.observed;
        DataDirState data = pass.data;
        NodeView.LongStepKind longStep = longSteps.kind();
        return new NodeView(self, pass.cib, pass.goal, postgresOf(observed), dataOf(data),
                lease.held().orElse(0), lease.commitGuard().primaryRefusal(), writerVipMayBeHere, longStep,
                memory.withDiverged(divergence.diverged()), looked, millis.getAsLong());
    }

    static NodeView.Postgres postgresOf(PgObservation observed) {
        return new NodeView.Postgres(observed.running(), observed.reachable(), observed.inRecovery(),
                observed.streaming(), observed.error());
    }

    static NodeView.DataDirectory dataOf(DataDirState data) {
        return new NodeView.DataDirectory(data.initialized(), data.problem(), data.standbySignal(), data.timeline());
    }

    private static final int MAX_DECISIONS_PER_PASS = 8;

    // The step runner: each step's I/O, in the order the step names.
    private Carried carryOut(Pass pass, NodeView view, NodeStep step) {
        Cib cib = pass.cib;
        NodeGoal goal = pass.goal;
        if (step instanceof NodeStep.Wait wait) {
            return Carried.ended(StepOutcome.did(wait.why()));
        }
        if (step instanceof NodeStep.Refuse refuse) {
            return Carried.ended(new StepOutcome(refuse.why(), refuse.operation(),
                    refuse.rc()));
        }
        if (step instanceof NodeStep.Look look) {
            return Carried.goOn(view.withLooked(lookUp(look.what(), view.looked(), pass)));
        }
        if (step instanceof NodeStep.CarryOn carryOn) {
            try {
                return Carried.ended(longSteps.carryOn(goal, this::dataReplaced));
            } catch (RewindFailedException e) {
                memory = memory.withRewindFailed(true);
                throw e;
            }
        }
        if (step instanceof NodeStep.Stop stop) {
            stop(stop.kind() == NodeStep.StopKind.IMMEDIATE ? StopMode.IMMEDIATE : StopMode.FAST);
            if (!stop.lookAgain()) {
                return Carried.ended(StepOutcome.did(stop.did()));
            }
            return Carried.goOn(lookAgain(pass, view));
        }
        if (step instanceof NodeStep.ReleaseWriterVip release) {
            String vip = writerVip.release();
            return vip != null ? Carried.ended(StepOutcome.did(vip + ": " + release.because()))
                    : Carried.goOn(view.withWriterVipGone());
        }
        if (step instanceof NodeStep.StepDown down) {
            writerVip.release();
            releaseLeaseBound.run();
            stop(StopMode.FAST);
            lease.release();
            return Carried.ended(StepOutcome.did(down.did()));
        }
        if (step instanceof NodeStep.HandOver handOver) {
            return Carried.ended(handOver(lease.held().getAsLong(), handOver.to()));
        }
        if (step instanceof NodeStep.AcquireLease acquire) {
            return Carried.ended(acquireLease(acquire));
        }
        if (step instanceof NodeStep.InitCluster init) {
            return Carried.ended(initCluster(cib));
        }
        if (step instanceof NodeStep.StartToPromote start) {
            // why: only the recorded primary may resume its own timeline; any other node must be promoted
            // (timeline + 1), or it would continue a timeline beside another primary's writes.
            configure(upstreamOf(cib.node(NodeMachine.formerPrimary(view)).orElseThrow()));
            pg.start();
            return Carried.ended(StepOutcome.did("started PostgreSQL as a standby, to promote it"));
        }
        if (step instanceof NodeStep.StartPrimary start) {
            configure(null);
            pg.start();
            lease.grantCommitGuard();
            return Carried.ended(StepOutcome.did("started PostgreSQL as primary on its recorded timeline "
                    + start.timeline()));
        }
        if (step instanceof NodeStep.Promote promote) {
            return Carried.ended(promote(lease.held().getAsLong(), goal, promote.cause(), pass.observed));
        }
        if (step instanceof NodeStep.RecordInitialPrimary initial) {
            PgObservation observed = pass.observed;
            record(lease.held().getAsLong(), new PromotionRecord(self, observed.timeline(),
                    observed.currentLsn(), observed.timeline(), wallClock(), "initial start (existing data)",
                    true));
            return Carried.ended(StepOutcome.did("recorded this node as the initial primary"));
        }
        if (step instanceof NodeStep.ServePrimary serve) {
            return Carried.ended(servePrimary(cib, serve, pass.observed));
        }
        if (step instanceof NodeStep.ReportDiverged report) {
            return Carried.ended(diverged(cib, report.upstream(),
                    report.upstreamServes()));
        }
        if (step instanceof NodeStep.Clone clone) {
            Upstream primary = upstreamNamed(cib, clone.source());
            return Carried.ended(longSteps.start(LongStep.Kind.CLONE, primary, goal,
                    progress -> pg.baseBackupFrom(primary, progress), () -> {
                        configure(primary);
                        pg.start();
                        return StepOutcome.did("cloned from " + primary.nodeName()
                                + " with pg_basebackup and started as standby");
                    }));
        }
        if (step instanceof NodeStep.Rewind rewind) {
            return Carried.ended(rewindAtStart(cib, goal, rewind));
        }
        if (step instanceof NodeStep.RebuildAfterFailedRewind rebuild) {
            return Carried.ended(rebuildAfterFailedRewind(cib, goal, rebuild, pass.data));
        }
        if (step instanceof NodeStep.StartStandby start) {
            Upstream upstream = upstreamNamed(cib, start.upstream());
            configure(upstream);
            pg.start();
            return Carried.ended(StepOutcome.did(start.formerPrimary() ? "rejoined as standby of "
                    + upstream.nodeName() + " without a rewind: " + start.reason()
                    : "started as standby of " + upstream.nodeName()));
        }
        if (step instanceof NodeStep.Follow follow) {
            configure(upstreamNamed(cib, follow.upstream()));
            pg.reload();
            return Carried.ended(StepOutcome.did("now following " + follow.upstream()));
        }
        if (step instanceof NodeStep.StopDiverged diverged) {
            stop(StopMode.FAST);
            divergence.forget();
            memory = memory.withConfiguredUpstream(null);
            return Carried.ended(StepOutcome.did("stopped PostgreSQL instead of following " + diverged.upstream()
                    + ": " + diverged.reason() + "; it is checked as a starting standby next"));
        }
        if (step instanceof NodeStep.StopStuck stuck) {
            stop(StopMode.FAST);
            if (!stuck.autoRewind()) {
                // why: without auto-rewind the start-time check decides, on the next pass: DIVERGED, or start again.
                memory = memory.withTriedUnstick(stuck.attempt());
                divergence.forget();
                return Carried.ended(StepOutcome.did("could not stream from " + stuck.attempt() + " for "
                        + NodeMachine.STUCK_MILLIS / 1000 + " s: stopped PostgreSQL to check its WAL against the"
                        + " timeline history"));
            }
            memory = memory.withUnstickAttempt(stuck.attempt());
            return Carried.goOn(lookAgain(pass, view));
        }
        if (step instanceof NodeStep.RestartUnstuck restart) {
            memory = memory.withoutUnstickAttempt();
            return Carried.ended(restartUnstuck(upstreamNamed(cib, restart.source()), "could not stream from "
                    + restart.attempt() + " for " + NodeMachine.STUCK_MILLIS / 1000 + " s: restarted without"
                    + " pg_rewind (" + restart.reason() + ")"));
        }
        if (step instanceof NodeStep.RewindUnstuck rewind) {
            memory = memory.withoutUnstickAttempt();
            Upstream primary = upstreamNamed(cib, rewind.source());
            // why a report only for a rewind: a standby that merely restarts discards nothing, and a report of it
            // on every restart of a cluster would bury the reports of real rewinds in the history.
            reportDiscards("pg_rewind", rewind.verdict(), rewind.why(), pass.data, primary);
            return Carried.ended(longSteps.start(LongStep.Kind.REWIND, primary, goal,
                    progress -> pg.rewindFrom(primary, progress),
                    () -> restartUnstuck(primary, "could not stream from " + rewind.attempt() + " for "
                            + NodeMachine.STUCK_MILLIS / 1000 + " s: ran pg_rewind against "
                            + primary.nodeName() + " and restarted")));
        }
        if (step instanceof NodeStep.RepairAlreadyDone done) {
            return Carried.ended(completeRepair(goal.repair(), "already done"));
        }
        if (step instanceof NodeStep.Repair repair) {
            return Carried.ended(repair(goal, repair, pass.data, upstreamNamed(cib,
                    repair.source())));
        }
        throw new IllegalStateException("no runner for the step " + step);
    }

    // After a stop: PostgreSQL and its data directory as they are now; what was looked up this pass stays.
    private NodeView lookAgain(Pass pass, NodeView view) {
        pass.observed = pg.observe();
        pass.data = pg.inspect();
        return viewOf(pass, view.looked(), view.writerVipMayBeHere());
    }

    private NodeView.Looked lookUp(NodeStep.Look.What what, NodeView.Looked looked, Pass pass) {
        return switch (what) {
            case TIMELINE -> {
                try {
                    yield looked.withTimeline(NodeView.Lookup.found(checkDivergence(pass.data)));
                } catch (StoreUnavailableException e) {
                    yield looked.withTimeline(NodeView.Lookup.none(e.getMessage()));
                }
            }
            case TIMELINE_TOLERANT -> {
                try {
                    yield looked.withTimeline(NodeView.Lookup.found(divergence.check(pass.data)));
                } catch (StoreUnavailableException | PostgresException e) {
                    yield looked.withTimeline(NodeView.Lookup.none(e.getMessage()));
                }
            }
            case RUNNING_TIMELINE -> {
                try {
                    yield looked.withRunningTimeline(NodeView.Lookup.found(divergence.checkRunning(pass.observed)));
                } catch (StoreUnavailableException e) {
                    yield looked.withRunningTimeline(NodeView.Lookup.none(e.getMessage()));
                }
            }
            case SOURCE -> looked.withSource(currentPrimary());
        };
    }

    private StepOutcome acquireLease(NodeStep.AcquireLease acquire) {
        if (acquire.resumingOwnTimeline()) {
            // why: the recorded primary resuming its own timeline is on the history by definition.
            divergence.forget();
            withdrawFalseDivergence();
        }
        // why: every way to the lease (failover, switchover, forced promotion) passes here; a member that
        // confirmed a failsafe ping promised the primary not to take it for a lease time (FailsafePromise).
        String promised = failsafe.tryBeginAcquire();
        if (promised != null) {
            return StepOutcome.did(promised);
        }
        long sentAt = millis.getAsLong();
        CommandResult result;
        try {
            result = store.submit(new AcquireLease(self), STORE_TIMEOUT);
        } finally {
            failsafe.endAcquire();
        }
        if (!result.applied() && result.lease() != CommandResult.LeaseEffect.ALREADY_HELD) {
            return StepOutcome.did("waiting for the primary lease: " + result.message());
        }
        if (result.lease() == CommandResult.LeaseEffect.ALREADY_HELD) {
            // why a renewal (S1): the store still names this node (an agent restarted, or fenced while the store was
            // away), but its renewals stopped; held again from now without one, its deadline would be later than the
            // controller's, which counts the lease from the last renewal it saw. A renewal moves both.
            sentAt = millis.getAsLong();
            CommandResult renewed = store.submit(new RenewLease(self, result.value()), STORE_TIMEOUT);
            if (!renewed.applied()) {
                return StepOutcome.did("waiting for the primary lease: still named its holder, but not renewed: "
                        + renewed.message());
            }
        }
        lease.hold(result.value(), sentAt);
        promotions.leaseAcquired();
        return StepOutcome.did("acquired the primary lease (generation " + result.value() + ")");
    }

    private StepOutcome initCluster(Cib cib) {
        long gen = lease.held().getAsLong();
        pg.initdb();
        pg.writeHba(cib.dataNodes().stream().map(NodeSpec::address).distinct().toList());
        configure(null);
        pg.start();
        lease.grantCommitGuard();
        pg.ensureRoles();
        memory = memory.withRolesEnsured();
        PgObservation now = pg.observe();
        record(gen, new PromotionRecord(self, 0, now.currentLsn(), Math.max(1, now.timeline()), wallClock(),
                "initial start (initdb)", true));
        return StepOutcome.did("initialised a new cluster with initdb and started it as primary");
    }

    private StepOutcome servePrimary(Cib cib, NodeStep.ServePrimary serve, PgObservation observed) {
        long gen = lease.held().getAsLong();
        if (serve.ensureRoles()) {
            // why once per agent as primary: a bootstrap whose first start lost the lease before the roles existed
            // becomes primary by another path, and standbys cannot clone without the replication role.
            pg.ensureRoles();
            memory = memory.withRolesEnsured();
        }
        String vip = writerVip.claim(() -> lease.held().isPresent());
        promotions.recordWhenComplete();
        String sync = keepSyncStandbys(cib, gen, observed);
        return StepOutcome.did(sync != null ? sync : vip != null ? vip
                : "primary on timeline " + observed.timeline() + " holding lease generation " + gen);
    }

    // The steps of the sync standby protocol (SyncPlanner) that are due now, one after the other, so that a
    // record and the PostgreSQL change it allows take one pass; null when nothing changed.
    private String keepSyncStandbys(Cib cib, long gen, PgObservation observed) {
        String done = null;
        for (int step = 0; step < 3; step++) {
            SyncOutcome outcome = syncStep(step == 0 ? cib : store.localCopy(), gen, observed);
            if (outcome == null) {
                break;
            }
            done = outcome.text();
            if (!outcome.progressed()) {
                break;
            }
        }
        return done;
    }

    /** What one sync step did; {@code progressed} is false when the store refused it (retried next pass). */
    private record SyncOutcome(String text, boolean progressed) {
    }

    private SyncOutcome syncStep(Cib cib, long gen, PgObservation observed) {
        long now = millis.getAsLong();
        List<ReplicaStatus> replicas = replicaStatuses(observed);
        List<String> candidates = cib.dataNodes().stream().map(NodeSpec::name).filter(n -> !n.equals(self)).toList();
        for (String candidate : candidates) {
            if (replicas.stream().anyMatch(r -> r.name().equals(candidate) && r.streaming())) {
                notStreamingSince.remove(candidate);
            } else {
                notStreamingSince.putIfAbsent(candidate, now);
            }
        }
        SyncPlanner.Step step = SyncPlanner.next(new SyncPlanner.Input(cib.settings().sync(), cib.syncSet(), waiting,
                replicas, notStreamingSince, candidates, now, waitingAppliedAt));
        if (step.record() != null) {
            CommandResult result = store.submit(new SetSyncStandbys(self, gen, cib.syncSet().version(),
                    step.record().standbys(), step.record().minAcks()), STORE_TIMEOUT);
            return result.applied() ? new SyncOutcome(step.reason(), true)
                    : new SyncOutcome("sync set unchanged (" + result.message() + "): " + step.reason(), false);
        }
        if (step.apply() != null) {
            pg.waitForStandbys(step.apply().names(), step.apply().k());
            waiting = step.apply();
            waitingAppliedAt = now;
            return new SyncOutcome(step.reason() + ": PostgreSQL now waits for " + (waiting.names().isEmpty()
                    ? "no standby" : "any " + waiting.k() + " of " + waiting.names()), true);
        }
        return null;
    }

    // S2: PostgreSQL takes writes the moment it is promoted, so in sync modes it waits for the other data nodes before
    // (SyncPlanner.atPromotion), recorded first; the sync steps of the next passes narrow or, past sync-timeout, drop
    // the wait. A record the store refuses leaves the wait to those steps, as before.
    private void waitFromTheFirstCommit(long gen) {
        Cib cib = store.localCopy();
        List<String> candidates = cib.dataNodes().stream().map(NodeSpec::name).filter(n -> !n.equals(self)).toList();
        SyncPlanner.AtPromotion first = SyncPlanner.atPromotion(cib.settings().sync(), cib.syncSet(), candidates);
        if (first.waiting().names().isEmpty()) {
            return;
        }
        if (first.record() != null && !store.submit(new SetSyncStandbys(self, gen, first.record().version(),
                first.record().standbys(), first.record().minAcks()), STORE_TIMEOUT).applied()) {
            return;
        }
        pg.waitForStandbys(first.waiting().names(), first.waiting().k());
        waiting = first.waiting();
        waitingAppliedAt = millis.getAsLong();
        notStreamingSince.clear();
        candidates.forEach(candidate -> notStreamingSince.put(candidate, waitingAppliedAt));
    }

    /** The primary's replication rows as the CIB records them. */
    static List<ReplicaStatus> replicaStatuses(PgObservation observed) {
        return observed.replicas().stream()
                .map(r -> new ReplicaStatus(r.applicationName(), r.state(), r.syncState(), r.flushLsn(), r.replayLsn()))
                .toList();
    }

    private StepOutcome promote(long gen, NodeGoal goal, PromotionCause cause, PgObservation observed) {
        Lsn switchLsn = Lsn.max(observed.receiveLsn(), observed.replayLsn());
        long oldTimeline = observed.timeline();
        record(gen, new PromotionRecord(self, oldTimeline, switchLsn, oldTimeline + 1, wallClock(), cause.words(),
                false));
        waitFromTheFirstCommit(gen);
        // why a grant before and after: a standby that has the extension takes it, so commits work from the first
        // moment; one promoted before the extension existed creates it once it is writable.
        lease.grantCommitGuard();
        // why: standby.signal stays until PostgreSQL removes it itself; PostgreSQL 15 stops with FATAL at the end
        // of recovery when the file it found at start is gone.
        pg.promote();
        lease.grantCommitGuard();
        configure(null);
        PgObservation after = pg.observe();
        long timeline = after.reachable() && after.timeline() > oldTimeline ? after.timeline() : oldTimeline + 1;
        // why: PostgreSQL's own switchpoint, not the received position, is what other nodes' WAL is checked against.
        Lsn forkedAt = pg.timelineHistory(timeline).stream().filter(f -> f.parent() == oldTimeline)
                .map(TimelineFork::switchpoint).reduce((first, last) -> last).orElse(null);
        CommandResult confirmed = store.submit(new ConfirmPromotion(self, gen, timeline, forkedAt), STORE_TIMEOUT);
        if (!confirmed.applied()) {
            throw new IllegalStateException("promoted, but could not confirm the promotion: " + confirmed.message());
        }
        promotions.promoted();
        String vip = writerVip.claim(() -> lease.held().isPresent());
        return StepOutcome.did("promoted to primary: timeline " + oldTimeline + " -> " + timeline + " at "
                + switchLsn + " (" + goal.reason() + ")" + (vip == null ? "" : "; " + vip));
    }

    private static Upstream upstreamOf(NodeSpec node) {
        return new Upstream(node.name(), node.address(), node.pgPort());
    }

    private void record(long gen, PromotionRecord entry) {
        CommandResult result = store.submit(new RecordPromotion(gen, entry), STORE_TIMEOUT);
        if (!result.applied()) {
            throw new IllegalStateException("could not record the promotion in the timeline history: "
                    + result.message());
        }
    }

    /** The configured node named, as PostgreSQL connects to it. */
    private static Upstream upstreamNamed(Cib cib, String node) {
        return upstreamOf(cib.node(node).orElseThrow(() -> new IllegalStateException(node
                + " is not a configured node")));
    }

    // --- standby --------------------------------------------------------------------------------------

    // The operator's repair (pg_rewind) or rebuild (a new copy; the old data directory kept aside unless the operator
    // said otherwise, S5), PostgreSQL stopped. The store clears the request once it is done; a failure is retried
    // after the back-off.
    private StepOutcome repair(NodeGoal goal, NodeStep.Repair step, DataDirState data, Upstream primary) {
        Repair repair = goal.repair();
        String action = repair.kind() == Repair.Kind.REWIND ? "repair"
                : repair.discardOld() ? "rebuild --discard-old" : "rebuild";
        // why a report even when nothing is rewound: the operator asked, and is told that nothing was lost.
        DiscardReport report = reportDiscards(action, step.verdict(), step.why(), data, primary);
        if (step.way() == NodeStep.RepairWay.NOTHING_TO_REWIND) {
            // why no pg_rewind: see NodeMachine's repair; the node restarts as a standby of the primary, as a rewind
            // would leave it
            return finishRepair(repair, primary, "repaired: nothing to rewind (" + step.verdict().reason() + ")",
                    null);
        }
        if (step.way() == NodeStep.RepairWay.REWIND) {
            return longSteps.start(LongStep.Kind.REWIND, primary, goal, progress -> pg.rewindFrom(primary, progress),
                    () -> finishRepair(repair, primary, "repaired: rewound onto " + primary.nodeName()
                            + " with pg_rewind", null));
        }
        Path aside = setAside(asideStamp(repair.requestedAt()), report);
        return longSteps.start(LongStep.Kind.CLONE, primary, goal, progress -> pg.baseBackupFrom(primary, progress),
                () -> finishRepair(repair, primary, "rebuilt: a new copy of " + primary.nodeName()
                        + " with pg_basebackup" + (aside == null ? "" : "; the old data directory is " + aside),
                        aside));
    }

    // The data directory renamed aside (null when it held nothing), the lost-transaction report written into it.
    private Path setAside(String stamp, DiscardReport report) {
        Path aside = pg.setAsideDataDirectory(stamp);
        if (aside != null && report != null) {
            discards.keepWith(report, aside);
        }
        return aside;
    }

    // The name a set-aside data directory gets from an ISO instant: 2026-12-07T21:40:00.123Z -> 20261207T214000Z.
    private static String asideStamp(String instant) {
        return instant.replaceAll("\\.\\d+", "").replaceAll("[^0-9TZ]", "");
    }

    // What follows the operator's repair or rebuild once the data is in place: the node starts as a standby of the
    // primary, a set-aside directory goes if the operator said so, and the store is told.
    private StepOutcome finishRepair(Repair repair, Upstream primary, String did, Path aside) {
        String done = did;
        dataReplaced();
        configure(primary);
        pg.start();
        if (aside != null && repair.discardOld()) {
            pg.discardSetAside(aside);
            done += ", deleted as asked (--discard-old)";
        }
        memory = memory.withRepairDone(repair.requestedAt());
        return completeRepair(repair, done + "; started as standby of " + primary.nodeName());
    }

    /**
     * The lost-transaction report of what a rewind or a new copy is about to discard, before it does: from the timeline
     * check's verdict on the stopped data (or why there is none); null for a directory without a cluster.
     */
    private DiscardReport reportDiscards(String action, TimelineCheck.Verdict verdict, String why, DataDirState data,
            Upstream primary) {
        return data.initialized() ? discards.beforeDiscarding(action, verdict, why, primary) : null;
    }

    private StepOutcome completeRepair(Repair repair, String done) {
        CommandResult result = store.submit(new CompleteRepair(self, repair.requestedAt()), STORE_TIMEOUT);
        return StepOutcome.did(result.applied() ? done : done + " (the request stays until the store takes the"
                + " report: " + result.message() + ")");
    }

    // Switchover: stop PostgreSQL cleanly while still holding the lease, so that nothing is written after the
    // shutdown checkpoint and the walsenders pass every record to the standbys before they exit; then give
    // the lease up, naming where the WAL ended.
    private StepOutcome handOver(long gen, String to) {
        writerVip.release();
        releaseLeaseBound.run();
        stop(StopMode.FAST);
        DataDirState stopped = pg.inspect();
        if (!"shut down".equals(stopped.clusterState())) {
            throw new IllegalStateException("switchover: PostgreSQL did not shut down cleanly (state '"
                    + stopped.clusterState() + "'); keeping the lease");
        }
        CommandResult result = store.submit(new HandOver(self, gen, stopped.checkpointLsn()), STORE_TIMEOUT);
        if (!result.applied()) {
            return StepOutcome.did("stopped PostgreSQL for the switchover, but the store refused the hand-over: "
                    + result.message());
        }
        lease.forget();
        return StepOutcome.did("switchover to " + to + ": stopped writes, WAL ends at "
                + stopped.checkpointLsn() + "; handed the lease over");
    }

    // S3: a stopped node whose WAL went past the fork, with auto-rewind on and a primary serving, is rewound onto it
    // (the lost-transaction report first) and then started as its standby.
    private StepOutcome rewindAtStart(Cib cib, NodeGoal goal, NodeStep.Rewind rewind) {
        Upstream primary = upstreamNamed(cib, rewind.source());
        discards.beforeDiscarding("pg_rewind", rewind.verdict(), null, primary);
        return longSteps.start(LongStep.Kind.REWIND, primary, goal, progress -> pg.rewindFrom(primary, progress),
                () -> {
                    dataReplaced();
                    configure(primary);
                    pg.start();
                    return StepOutcome.did("rejoined as standby of " + primary.nodeName() + " after pg_rewind: "
                            + rewind.verdict().reason());
                });
    }

    // pg_rewind failed on this data directory after its source answered, and would fail the same way again: a new copy
    // replaces it, the old one kept aside under a new name (S5), the lost-transaction report beside it.
    private StepOutcome rebuildAfterFailedRewind(Cib cib, NodeGoal goal, NodeStep.RebuildAfterFailedRewind rebuild,
            DataDirState data) {
        Upstream primary = upstreamNamed(cib, rebuild.source());
        DiscardReport report = reportDiscards("rebuild after a failed pg_rewind", rebuild.verdict(), null, data,
                primary);
        Path aside = setAside(asideStamp(wallClock()), report);
        dataReplaced();
        return longSteps.start(LongStep.Kind.CLONE, primary, goal, progress -> pg.baseBackupFrom(primary, progress),
                () -> {
                    configure(primary);
                    pg.start();
                    return StepOutcome.did("rebuilt from " + primary.nodeName() + " with pg_basebackup after"
                            + " pg_rewind failed (" + rebuild.verdict().reason() + "); the old data directory is "
                            + aside + ", delete it once it is no longer needed");
                });
    }

    // Not started: the report says DIVERGED with the fix, and the failed actions say so once, as the reference's
    // refusal to start ("My data may be inconsistent") did.
    private StepOutcome diverged(Cib cib, String upstream, boolean upstreamServes) {
        boolean autoRewind = cib.settings().recovery().autoRewind();
        String text = autoRewind && upstream != null && !upstreamServes
                ? divergence.divergedText(true, upstream) + "; or wait: it is rewound once " + upstream
                        + " runs as primary"
                : divergence.divergedText(autoRewind, upstream);
        if (divergenceRecorded == null || !text.equals(divergenceRecorded.exitReason())) {
            FailedAction action = new FailedAction(self, "start", 1, text, wallClock());
            CommandResult result = store.submit(new RecordFailedAction(action), STORE_TIMEOUT);
            if (result.applied()) {
                divergenceRecorded = action;
            }
        }
        return StepOutcome.did(text);
    }

    // The start-time check, and what follows from a clean verdict: a DIVERGED this executor recorded for the same
    // data is withdrawn, since the node turned out not to be diverged (a real failure is never withdrawn: a rewind
    // or a new copy ends the record's life through dataReplaced, and the failed action stays for the operator).
    private TimelineCheck.Verdict checkDivergence(DataDirState data) {
        TimelineCheck.Verdict verdict = divergence.check(data);
        if (!verdict.diverged()) {
            withdrawFalseDivergence();
        }
        return verdict;
    }

    private void withdrawFalseDivergence() {
        FailedAction recorded = divergenceRecorded;
        if (recorded != null) {
            // why either way: refused means the action is gone already (an operator's cleanup removed it).
            store.submit(new WithdrawFailedAction(recorded), STORE_TIMEOUT);
            divergenceRecorded = null;
        }
    }

    // The data directory was rewound or replaced: its old verdict and its DIVERGED record no longer describe it.
    private void dataReplaced() {
        divergence.forget();
        divergenceRecorded = null;
        memory = memory.withRewindFailed(false);
    }

    // Read through the majority at the moment of the rewind or copy, never from this member's own copy: a stale copy
    // once named a standby as the source, and pg_rewind must take the primary's timeline (issue 12). The primary is
    // the lease holder that reports PRIMARY; while there is none, nothing is run and no failure is counted.
    private NodeView.Lookup<String> currentPrimary() {
        Cib fresh;
        try {
            fresh = store.read(STORE_TIMEOUT);
        } catch (StoreUnavailableException e) {
            return NodeView.Lookup.none("the store's majority cannot be read to name the current primary ("
                    + e.getMessage() + ")");
        }
        String holder = fresh.lease().holder();
        if (holder == null) {
            return NodeView.Lookup.none("no node holds the primary lease now");
        }
        if (holder.equals(self)) {
            return NodeView.Lookup.none("the store still names this node the lease holder (until its lease expires)");
        }
        boolean serving = fresh.report(holder).map(NodeReport::pgState).filter(s -> s == PgState.PRIMARY)
                .isPresent();
        if (!serving || fresh.node(holder).isEmpty()) {
            return NodeView.Lookup.none(holder + " holds the primary lease but does not report PRIMARY yet");
        }
        return NodeView.Lookup.found(holder);
    }

    /** Whether this node's data diverged from the timeline history by its last check (its report says DIVERGED). */
    boolean holdsDivergedData() {
        return divergence.diverged();
    }

    private StepOutcome restartUnstuck(Upstream primary, String done) {
        dataReplaced();
        configure(primary);
        pg.start();
        return StepOutcome.did(done);
    }

    private void stop(StopMode mode) {
        expectStop.run();
        pg.stop(mode);
    }

    static String wallClock() {
        return Instant.now().toString();
    }

    // why: PostgreSQL runs only after this executor configured it (the agent's death takes PostgreSQL with
    // it), so the upstream it last configured is the one PostgreSQL follows.
    private void configure(Upstream upstream) {
        pg.configure(upstream);
        if (upstream != null) {
            waiting = SyncPlanner.Waiting.NONE;
            notStreamingSince.clear();
        }
        // why the unstick attempt ends here too: PostgreSQL starts or follows anew, whatever the stop was for.
        memory = memory.withConfiguredUpstream(upstream == null ? null : upstream.nodeName()).withoutUnstickAttempt();
    }
}
