package io.pgpacer.agent;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.DiscardReport;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
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
import java.nio.file.Path;
import io.pgpacer.core.command.StoreCommand.RecordPromotion;
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
import io.pgpacer.postgres.StopMode;
import io.pgpacer.postgres.Upstream;
import io.pgpacer.store.ClusterStore;
import io.pgpacer.store.StoreUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

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

    /** A long step under way, the goal it serves, and what follows it on the loop once it succeeded. */
    private record Underway(LongStep step, Wanted wanted, Supplier<StepOutcome> then) {
    }

    /**
     * The goal a long step serves: this node a standby of {@code upstream}, for the operator's repair requested at
     * {@code repairRequestedAt} (null: none).
     */
    record Wanted(String upstream, String repairRequestedAt) {

        static Wanted by(NodeGoal goal) {
            return new Wanted(goal.upstream(), goal.repair() == null ? null : goal.repair().requestedAt());
        }

        /** Why {@code goal} no longer wants the step, or null while it does. */
        String unwantedBecause(NodeGoal goal) {
            if (goal == null) {
                return "this node has no goal any more";
            }
            if (goal.role() != Role.STANDBY) {
                return "this node's goal is now " + goal.role().name().toLowerCase(java.util.Locale.ROOT)
                        + (goal.reason() == null ? "" : " (" + goal.reason() + ")");
            }
            if (!goal.upstream().equals(upstream)) {
                return "this node's upstream is now " + goal.upstream();
            }
            if (repairRequestedAt != null
                    && (goal.repair() == null || !repairRequestedAt.equals(goal.repair().requestedAt()))) {
                return "the operator's request it served was withdrawn or replaced";
            }
            return null;
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
    private String configuredUpstream;
    /** Whether this agent made sure of the superuser's and the replication role's existence and passwords. */
    private boolean rolesEnsured;
    /** Since when this standby has not been streaming from its upstream (ms), or -1. */
    private long notStreamingFrom = -1;
    private String lastRewindAttempt;
    private final DivergenceCheck divergence;
    /**
     * The DIVERGED failed action this executor recorded for the data directory as it is, so that it is recorded
     * once, and withdrawn if the same data later checks out; null once the data was rewound or replaced.
     */
    private FailedAction divergenceRecorded;
    /** The operator's repair this executor carried out last (its request time), until the store clears it. */
    private String repairDone;
    /** Two of PostgreSQL's default WAL-retrieval retry intervals: a standby that merely reconnects streams by then. */
    private static final long STUCK_MILLIS = 10_000;
    /** What this node's PostgreSQL waits for, as last applied; it waits for nobody after every (re)start. */
    private SyncPlanner.Waiting waiting = SyncPlanner.Waiting.NONE;
    private long waitingAppliedAt;
    private final Map<String, Long> notStreamingSince = new HashMap<>();
    private final DiscardReporter discards;
    private final PromotionTiming promotions;
    /** The long step under way (a clone, a rewind), until the loop took its end; volatile for the agent's stop. */
    private volatile Underway underway;
    /** Guards {@link #stopping} against a step that starts on the loop while the agent stops on another thread. */
    private final Object longStepStart = new Object();
    /** Set once the agent stops: no long step starts after that. */
    private boolean stopping;

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

    StepOutcome step(Cib cib, NodeGoal goal, PgObservation observed, DataDirState data) {
        if (underway != null) {
            return carryOn(goal);
        }
        if (goal == null) {
            return StepOutcome.did("waiting for the controller to assign a role");
        }
        if (goal.role() != Role.STOPPED && !observed.running() && data.problem() != null && goal.repair() == null) {
            return unusableData(data);
        }
        return switch (goal.role()) {
            case PRIMARY -> primaryStep(cib, goal, observed, data);
            case STANDBY -> towardsStandby(cib, goal, observed, data);
            case STOPPED -> towardsStopped(observed);
        };
    }

    // A step that failed because the lease ran out under it (a slow start on a loaded machine; fencing stops what it
    // started) is no failure of this node's: counted, it would keep the node from the primary role by
    // migration-threshold, even when it holds the cluster's only data (a bootstrap that never formed a cluster).
    private StepOutcome primaryStep(Cib cib, NodeGoal goal, PgObservation observed, DataDirState data) {
        boolean heldBefore = lease.held().isPresent();
        try {
            return towardsPrimary(cib, goal, observed, data);
        } catch (PostgresException | IllegalStateException e) {
            if (heldBefore && lease.held().isEmpty()) {
                return StepOutcome.did("lost the primary lease during the step, so it stopped: " + e.getMessage());
            }
            throw e;
        }
    }

    // --- primary --------------------------------------------------------------------------------------

    private StepOutcome towardsPrimary(Cib cib, NodeGoal goal, PgObservation observed, DataDirState data) {
        OptionalLong generation = lease.held();
        if (generation.isEmpty()) {
            if (observed.running() && observed.reachable() && !observed.inRecovery()) {
                // why: a writable PostgreSQL without the lease must not keep running, not even for a moment.
                stop(StopMode.IMMEDIATE);
                return StepOutcome.did("stopped PostgreSQL: it was writable without holding the lease");
            }
            // S3: a node that would be promoted is checked before it takes the lease; a diverged one never is.
            if (!observed.running() && data.initialized() && recordedPrimary(cib, data)) {
                // why: the recorded primary resuming its own timeline is on the history by definition.
                divergence.forget();
                withdrawFalseDivergence();
            } else if (!observed.running() && data.initialized()) {
                TimelineCheck.Verdict verdict;
                try {
                    verdict = checkDivergence(data);
                } catch (StoreUnavailableException e) {
                    return waitingForHistory(e);
                }
                if (verdict.diverged()) {
                    return diverged(cib, null, false);
                }
            }
            if (lease.commitGuard().primaryRefusal() != null) {
                return new StepOutcome(lease.commitGuard().primaryRefusal(), "start", 5);
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
            if (!result.applied() && !"already held".equals(result.message())) {
                return StepOutcome.did("waiting for the primary lease: " + result.message());
            }
            lease.hold(result.value(), sentAt);
            promotions.leaseAcquired();
            return StepOutcome.did("acquired the primary lease (generation " + result.value() + ")");
        }
        long gen = generation.getAsLong();
        if (!data.initialized()) {
            if (!cib.history().isEmpty()) {
                return new StepOutcome("cannot run as primary: the data directory is empty but the cluster already"
                        + " has a timeline history; another node must become primary", "start", 5);
            }
            pg.initdb();
            pg.writeHba(cib.dataNodes().stream().map(NodeSpec::address).distinct().toList());
            configure(null);
            pg.start();
            lease.grantCommitGuard();
            pg.ensureRoles();
            rolesEnsured = true;
            PgObservation now = pg.observe();
            record(gen, new PromotionRecord(self, 0, now.currentLsn(), Math.max(1, now.timeline()), wallClock(),
                    "initial start (initdb)", true));
            return StepOutcome.did("initialised a new cluster with initdb and started it as primary");
        }
        if (!observed.running()) {
            if (data.standbySignal() || !recordedPrimary(cib, data)) {
                // why: only the recorded primary may resume its own timeline; any other node must be promoted
                // (timeline + 1), or it would continue a timeline beside another primary's writes.
                configure(formerUpstream(cib));
                pg.start();
                return StepOutcome.did("started PostgreSQL as a standby, to promote it");
            }
            configure(null);
            pg.start();
            lease.grantCommitGuard();
            return StepOutcome.did("started PostgreSQL as primary on its recorded timeline " + data.timeline());
        }
        if (!observed.reachable()) {
            return StepOutcome.did("PostgreSQL runs but does not answer yet: " + observed.error());
        }
        if (observed.inRecovery()) {
            return promote(gen, goal, observed);
        }
        if (cib.history().isEmpty()) {
            record(gen, new PromotionRecord(self, observed.timeline(), observed.currentLsn(), observed.timeline(),
                    wallClock(), "initial start (existing data)", true));
            return StepOutcome.did("recorded this node as the initial primary");
        }
        if (!rolesEnsured) {
            // why once per agent as primary: a bootstrap whose first start lost the lease before the roles existed
            // becomes primary by another path, and standbys cannot clone without the replication role.
            pg.ensureRoles();
            rolesEnsured = true;
        }
        String vip = writerVip.claim(() -> lease.held().isPresent());
        promotions.recordWhenComplete();
        String sync = keepSyncStandbys(cib, gen, observed);
        return StepOutcome.did(sync != null ? sync : vip != null ? vip
                : "primary on timeline " + observed.timeline() + " holding lease generation " + gen);
    }

    // Only the recorded primary may resume its own timeline; any other node must be promoted (timeline + 1).
    private boolean recordedPrimary(Cib cib, DataDirState data) {
        return cib.lastPromotion().filter(p -> p.confirmed() && p.node().equals(self)
                && p.newTimeline() == data.timeline()).isPresent();
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
            if (replicas.stream().anyMatch(r -> r.name().equals(candidate) && "streaming".equals(r.state()))) {
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

    /** The primary's replication rows as the CIB records them. */
    static List<ReplicaStatus> replicaStatuses(PgObservation observed) {
        return observed.replicas().stream()
                .map(r -> new ReplicaStatus(r.applicationName(), r.state(), r.syncState(), r.flushLsn(), r.replayLsn()))
                .toList();
    }

    private StepOutcome promote(long gen, NodeGoal goal, PgObservation observed) {
        Lsn switchLsn = Lsn.max(observed.receiveLsn(), observed.replayLsn());
        long oldTimeline = observed.timeline();
        String why = goal.reason() == null ? "" : goal.reason();
        String reason = why.startsWith("initial start") ? "initial start" : why.startsWith("forced") ? "forced"
                : why.startsWith("switchover") ? "switchover" : why.startsWith("recover-master") ? "recover-master"
                : "failover";
        record(gen, new PromotionRecord(self, oldTimeline, switchLsn, oldTimeline + 1, wallClock(), reason, false));
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

    // A standby about to be promoted still needs an upstream to start; the last primary is the natural one.
    private Upstream formerUpstream(Cib cib) {
        String former = cib.lastPromotion().map(PromotionRecord::node).filter(n -> !n.equals(self))
                .orElseGet(() -> cib.dataNodes().stream().map(NodeSpec::name).filter(n -> !n.equals(self))
                        .findFirst().orElse(self));
        return upstreamOf(cib.node(former).orElseThrow());
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

    // A data directory that cannot be read, or that is gone although it held this node's cluster, fails every start
    // (counted, retried after the back-off) and is never replaced without the operator (S5).
    private StepOutcome unusableData(DataDirState data) {
        String advice = data.initialized()
                ? "; PostgreSQL's OS user must own the data directory (mode 0700 or 0750)"
                : "; pgpacer does not copy over a lost data directory on its own: check the mount and the path (the"
                        + " node recovers by itself once it is back), or run 'pgpacer rebuild " + self + "'";
        return new StepOutcome("cannot start PostgreSQL: " + data.problem() + advice, "start",
                data.initialized() ? 1 : 5);
    }

    // --- long steps -----------------------------------------------------------------------------------

    // Off the loop, so that the node keeps reporting while it copies; the first pass says what started.
    private StepOutcome startLongStep(LongStep.Kind kind, Upstream source, NodeGoal goal, LongStep.Work work,
            Supplier<StepOutcome> then) {
        synchronized (longStepStart) {
            if (stopping) {
                return StepOutcome.did("not starting " + kind.program() + ": the agent is stopping");
            }
            LongStep step = LongStep.start(kind, source.nodeName(), work);
            underway = new Underway(step, Wanted.by(goal), then);
            return StepOutcome.did(step.summary());
        }
    }

    /** Whether a rewind runs, or ended and the loop has not taken its end yet: the data directory is its own then. */
    boolean rewindUnderway() {
        Underway current = underway;
        return current != null && current.step().kind() == LongStep.Kind.REWIND;
    }

    // A long step under way: its progress while the goal still wants it, its cancellation once the goal changed, and
    // once it ended, what follows it on the loop (exactly as when it ran there) or its failure, thrown as it was. A
    // rewind is never cancelled for a goal (a killed pg_rewind leaves the data directory to be rewound again or
    // rebuilt), only by the agent's stop. Every end takes one pass: the next one looks at the data directory afresh.
    private StepOutcome carryOn(NodeGoal goal) {
        Underway current = underway;
        LongStep step = current.step();
        String unwanted = current.wanted().unwantedBecause(goal);
        LongStep.State state = step.state();
        if (state instanceof LongStep.Running) {
            if (unwanted == null || step.kind() == LongStep.Kind.REWIND) {
                return StepOutcome.underway(step);
            }
            state = step.cancel(unwanted);
            if (state instanceof LongStep.Running) {
                return new StepOutcome(step.cancelled(unwanted) + "; " + step.program() + " has not ended after "
                        + LongStep.CANCEL_WAIT.toMinutes() + " min", null, 0, step.activity());
            }
        }
        underway = null;
        if (state instanceof LongStep.Failed failed) {
            throw failed.error();
        }
        if (state instanceof LongStep.Cancelled cancelled) {
            return StepOutcome.did(step.cancelled(cancelled.why()));
        }
        if (unwanted != null) {
            // why not go on: what follows the step was for the old goal; the next pass acts on the new one.
            dataReplaced();
            return StepOutcome.did(step.notFollowedUp(unwanted));
        }
        return current.then().get();
    }

    /**
     * Cancels the clone under way (never a rewind, see {@link #carryOn}), waiting until its program is gone; returns the
     * sentence for the event feed, or null when none was cancelled. On the loop's thread.
     */
    String cancelClone(String why) {
        Underway current = underway;
        return current == null || current.step().kind() != LongStep.Kind.CLONE ? null : cancel(current, why);
    }

    /**
     * The agent stops: cancels the clone or rewind under way, waiting until its program is gone, and starts none after
     * this; returns the sentence for the event feed, or null when none was cancelled. On the thread that stops the
     * agent, while the loop may still finish its pass.
     */
    String stopLongSteps(String why) {
        Underway current;
        synchronized (longStepStart) {
            stopping = true;
            current = underway;
        }
        return current == null ? null : cancel(current, why);
    }

    private String cancel(Underway current, String why) {
        if (!(current.step().state() instanceof LongStep.Running)) {
            return null;
        }
        LongStep.State state = current.step().cancel(why);
        if (!(state instanceof LongStep.Cancelled)) {
            return null;
        }
        underway = null;
        return current.step().cancelled(why);
    }

    /** What the long step under way does now, or null when none runs. */
    String longStepActivity() {
        Underway current = underway;
        return current == null ? null : current.step().activity();
    }

    // --- standby --------------------------------------------------------------------------------------

    private StepOutcome towardsStandby(Cib cib, NodeGoal goal, PgObservation observed, DataDirState data) {
        OptionalLong held = lease.held();
        if (held.isPresent()) {
            Switchover planned = cib.switchover();
            if (planned != null && planned.phase() == Switchover.Phase.HANDING_OVER && self.equals(planned.from())) {
                return handOver(held.getAsLong(), planned);
            }
            writerVip.release();
            releaseLeaseBound.run();
            stop(StopMode.FAST);
            lease.release();
            return StepOutcome.did("stepped down: stopped the writer VIP and PostgreSQL, released the primary lease");
        }
        String vip = writerVip.release();
        if (vip != null) {
            return StepOutcome.did(vip + ": this node is not the primary");
        }
        if (observed.running() && observed.reachable() && !observed.inRecovery()) {
            stop(StopMode.IMMEDIATE);
            return StepOutcome.did("stopped PostgreSQL: it was writable but this node is not the primary");
        }
        NodeSpec upstreamNode = cib.node(goal.upstream()).orElse(null);
        if (upstreamNode == null) {
            return StepOutcome.did("waiting: upstream " + goal.upstream() + " is not a configured node");
        }
        Upstream upstream = upstreamOf(upstreamNode);
        boolean upstreamServes = cib.report(upstreamNode.name()).map(NodeReport::pgState)
                .filter(s -> s == PgState.PRIMARY).isPresent();
        if (goal.repair() != null) {
            return repair(goal, upstream, upstreamServes, observed);
        }
        if (!data.initialized()) {
            if (!upstreamServes) {
                return StepOutcome.did("waiting for " + upstream.nodeName() + " to run as primary to clone it");
            }
            Source source = currentPrimary();
            if (source.primary() == null) {
                return StepOutcome.did("waiting to clone: " + source.missing());
            }
            Upstream primary = source.primary();
            return startLongStep(LongStep.Kind.CLONE, primary, goal, progress -> pg.baseBackupFrom(primary, progress),
                    () -> {
                        configure(primary);
                        pg.start();
                        return StepOutcome.did("cloned from " + primary.nodeName()
                                + " with pg_basebackup and started as standby");
                    });
        }
        if (!observed.running()) {
            boolean formerPrimary = !data.standbySignal();
            // A former primary's WAL may go past the point where the new primary's timeline forked, which the
            // history shows once the new primary confirmed its promotion.
            if (formerPrimary && !upstreamServes) {
                return StepOutcome.did("waiting for " + upstream.nodeName() + " to run as primary to rejoin it");
            }
            return startAsStandby(cib, goal, upstream, upstreamServes, data, formerPrimary);
        }
        if (!upstream.nodeName().equals(configuredUpstream)) {
            return follow(upstream, upstreamServes, observed);
        }
        if (observed.streaming()) {
            notStreamingFrom = -1;
            return StepOutcome.did("streaming from " + upstream.nodeName());
        }
        return unstick(cib, goal, upstream, upstreamServes);
    }

    // S3 for a running standby (issue 17.4): one that replayed WAL past the point where the new upstream's
    // timeline forked cannot follow it by a reload (PostgreSQL loops on "forked off ... before current recovery point",
    // and the WAL it keeps trying to stream leaves its data directory unreadable to the start-time check). It is stopped
    // before it ever connects, and the start-time check rewinds it (with the lost-transaction report) or says DIVERGED,
    // as for a standby that starts. The check needs the new upstream's promotion confirmed: it waits until it serves.
    private StepOutcome follow(Upstream upstream, boolean upstreamServes, PgObservation observed) {
        if (!upstreamServes) {
            return StepOutcome.did("standby, waiting for " + upstream.nodeName() + " to run as primary to follow it");
        }
        TimelineCheck.Verdict verdict;
        try {
            verdict = divergence.checkRunning(observed);
        } catch (StoreUnavailableException e) {
            return waitingForHistory(e);
        }
        if (verdict.diverged()) {
            stop(StopMode.FAST);
            divergence.forget();
            configuredUpstream = null;
            return StepOutcome.did("stopped PostgreSQL instead of following " + upstream.nodeName() + ": "
                    + verdict.reason() + "; it is checked as a starting standby next");
        }
        configure(upstream);
        pg.reload();
        return StepOutcome.did("now following " + upstream.nodeName());
    }

    // The operator's repair (pg_rewind) or rebuild (a new copy; the old data directory kept aside unless the operator
    // said otherwise, S5). The store clears the request once it is done; a failure is retried after the back-off.
    private StepOutcome repair(NodeGoal goal, Upstream upstream, boolean upstreamServes, PgObservation observed) {
        Repair repair = goal.repair();
        if (repair.requestedAt().equals(repairDone)) {
            return completeRepair(repair, "already done");
        }
        if (!upstreamServes) {
            return StepOutcome.did("waiting for " + upstream.nodeName() + " to run as primary for the requested "
                    + repair.describe());
        }
        Source source = currentPrimary();
        if (source.primary() == null) {
            return StepOutcome.did("waiting for the requested " + repair.describe() + ": " + source.missing());
        }
        Upstream primary = source.primary();
        if (observed.running()) {
            stop(StopMode.FAST);
        }
        String action = repair.kind() == Repair.Kind.REWIND ? "repair"
                : repair.discardOld() ? "rebuild --discard-old" : "rebuild";
        Checked checked = checkStoppedData();
        // why a report even when nothing is rewound: the operator asked, and is told that nothing was lost.
        DiscardReport report = reportDiscards(action, checked, primary);
        if (repair.kind() == Repair.Kind.REWIND && checked != null && checked.nothingToRewind()) {
            // why no pg_rewind: see Checked; the node restarts as a standby of the primary, as a rewind would leave it
            return finishRepair(repair, primary, "repaired: nothing to rewind (" + checked.verdict().reason() + ")",
                    null);
        }
        if (repair.kind() == Repair.Kind.REWIND) {
            return startLongStep(LongStep.Kind.REWIND, primary, goal, progress -> pg.rewindFrom(primary, progress),
                    () -> finishRepair(repair, primary, "repaired: rewound onto " + primary.nodeName()
                            + " with pg_rewind", null));
        }
        String stamp = repair.requestedAt().replaceAll("\\.\\d+", "").replaceAll("[^0-9TZ]", "");
        Path aside = pg.setAsideDataDirectory(stamp);
        if (aside != null && report != null) {
            discards.keepWith(report, aside);
        }
        return startLongStep(LongStep.Kind.CLONE, primary, goal, progress -> pg.baseBackupFrom(primary, progress),
                () -> finishRepair(repair, primary, "rebuilt: a new copy of " + primary.nodeName()
                        + " with pg_basebackup" + (aside == null ? "" : "; the old data directory is " + aside),
                        aside));
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
        repairDone = repair.requestedAt();
        return completeRepair(repair, done + "; started as standby of " + primary.nodeName());
    }

    /**
     * The timeline check of a stopped node's data and the lost-transaction report made from it. A node whose WAL the
     * check finds on the cluster's history has nothing to rewind, and pg_rewind must not run on it: PostgreSQL 15's
     * pg_rewind takes the target's timeline from its last checkpoint, so a standby that followed a promotion and made
     * no restartpoint on the new timeline yet is taken for diverged at the switch point, and pg_rewind fails reading
     * WAL the node wrote to the new timeline's files ("could not find previous WAL record at SWITCH: invalid record
     * length at SWITCH: wanted 24, got 0", issue 17.4).
     */
    private record Checked(TimelineCheck.Verdict verdict, String why) {
        boolean nothingToRewind() {
            return verdict != null && !verdict.diverged();
        }
    }

    // The timeline check of the data directory as it is now, PostgreSQL just stopped; null for a directory without a
    // cluster, which holds nothing to report.
    private Checked checkStoppedData() {
        DataDirState data = pg.inspect();
        if (!data.initialized()) {
            return null;
        }
        try {
            return new Checked(divergence.check(data), null);
        } catch (StoreUnavailableException | PostgresException e) {
            return new Checked(null, "the timeline check failed: " + e.getMessage());
        }
    }

    private DiscardReport reportDiscards(String action, Checked checked, Upstream primary) {
        return checked == null ? null : discards.beforeDiscarding(action, checked.verdict(), checked.why(), primary);
    }

    private StepOutcome completeRepair(Repair repair, String done) {
        CommandResult result = store.submit(new CompleteRepair(self, repair.requestedAt()), STORE_TIMEOUT);
        return StepOutcome.did(result.applied() ? done : done + " (the request stays until the store takes the"
                + " report: " + result.message() + ")");
    }

    // Switchover: stop PostgreSQL cleanly while still holding the lease, so that nothing is written after the
    // shutdown checkpoint and the walsenders pass every record to the standbys before they exit; then give
    // the lease up, naming where the WAL ended.
    private StepOutcome handOver(long gen, Switchover planned) {
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
        return StepOutcome.did("switchover to " + planned.to() + ": stopped writes, WAL ends at "
                + stopped.checkpointLsn() + "; handed the lease over");
    }

    // S3, the start-time check: a node whose WAL ends at or before the point where its timeline was forked streams
    // the rest as it is. That includes an old primary shut down cleanly for a switchover: at a clean shutdown the
    // WAL senders wait until connected standbys flushed all WAL, so the target's timeline forks at the end of the
    // shutdown checkpoint, where the old primary's WAL ends. A node that went past the fork is rewound when
    // auto-rewind allows and a primary serves; otherwise it stays DIVERGED, never started as a standby.
    private StepOutcome startAsStandby(Cib cib, NodeGoal goal, Upstream upstream, boolean upstreamServes,
            DataDirState data, boolean formerPrimary) {
        TimelineCheck.Verdict verdict;
        try {
            verdict = checkDivergence(data);
        } catch (StoreUnavailableException e) {
            return waitingForHistory(e);
        }
        if (verdict.diverged()) {
            if (!cib.settings().recovery().autoRewind() || !upstreamServes) {
                return diverged(cib, upstream.nodeName(), upstreamServes);
            }
            Source source = currentPrimary();
            if (source.primary() == null) {
                return StepOutcome.did("waiting to rewind (" + verdict.reason() + "): " + source.missing());
            }
            Upstream primary = source.primary();
            discards.beforeDiscarding("pg_rewind", verdict, null, primary);
            return startLongStep(LongStep.Kind.REWIND, primary, goal, progress -> pg.rewindFrom(primary, progress),
                    () -> {
                        dataReplaced();
                        configure(primary);
                        pg.start();
                        return StepOutcome.did("rejoined as standby of " + primary.nodeName() + " after pg_rewind: "
                                + verdict.reason());
                    });
        }
        configure(upstream);
        pg.start();
        return StepOutcome.did(formerPrimary ? "rejoined as standby of " + upstream.nodeName() + " without a rewind: "
                + verdict.reason() : "started as standby of " + upstream.nodeName());
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

    private StepOutcome waitingForHistory(StoreUnavailableException e) {
        return StepOutcome.did("waiting to check this node's WAL against the timeline history: the store's majority"
                + " cannot be read now (" + e.getMessage() + ")");
    }

    // The data directory was rewound or replaced: its old verdict and its DIVERGED record no longer describe it.
    private void dataReplaced() {
        divergence.forget();
        divergenceRecorded = null;
    }

    /** The primary to rewind onto or copy from, or why there is none now. */
    private record Source(Upstream primary, String missing) {
    }

    // Read through the majority at the moment of the rewind or copy, never from this member's own copy: a stale copy
    // once named a standby as the source, and pg_rewind must take the primary's timeline (issue 12). The primary is
    // the lease holder that reports PRIMARY; while there is none, nothing is run and no failure is counted.
    private Source currentPrimary() {
        Cib fresh;
        try {
            fresh = store.read(STORE_TIMEOUT);
        } catch (StoreUnavailableException e) {
            return new Source(null, "the store's majority cannot be read to name the current primary ("
                    + e.getMessage() + ")");
        }
        String holder = fresh.lease().holder();
        if (holder == null) {
            return new Source(null, "no node holds the primary lease now");
        }
        if (holder.equals(self)) {
            return new Source(null, "the store still names this node the lease holder (until its lease expires)");
        }
        boolean serving = fresh.report(holder).map(NodeReport::pgState).filter(s -> s == PgState.PRIMARY)
                .isPresent();
        NodeSpec node = fresh.node(holder).orElse(null);
        if (!serving || node == null) {
            return new Source(null, holder + " holds the primary lease but does not report PRIMARY yet");
        }
        return new Source(upstreamOf(node), null);
    }

    /** Whether this node's data diverged from the timeline history by its last check (its report says DIVERGED). */
    boolean holdsDivergedData() {
        return divergence.diverged();
    }

    // A standby that cannot stream from a serving primary may have WAL past the point where that primary's
    // timeline forked (an old primary kept streaming commits it never acknowledged). pg_rewind decides: it
    // rewinds a diverged standby and changes nothing otherwise. Tried once per upstream timeline.
    private StepOutcome unstick(Cib cib, NodeGoal goal, Upstream upstream, boolean upstreamServes) {
        long now = millis.getAsLong();
        if (notStreamingFrom < 0) {
            notStreamingFrom = now;
        }
        long upstreamTimeline = cib.report(upstream.nodeName()).map(NodeReport::timeline).orElse(0L);
        String attempt = upstream.nodeName() + " on timeline " + upstreamTimeline;
        if (!upstreamServes || now - notStreamingFrom < STUCK_MILLIS || attempt.equals(lastRewindAttempt)) {
            return StepOutcome.did("standby of " + upstream.nodeName() + ", not streaming yet");
        }
        boolean autoRewind = cib.settings().recovery().autoRewind();
        Source source = autoRewind ? currentPrimary() : null;
        if (source != null && source.primary() == null) {
            return StepOutcome.did("standby of " + upstream.nodeName() + ", not streaming yet; no rewind now: "
                    + source.missing());
        }
        lastRewindAttempt = attempt;
        stop(StopMode.FAST);
        if (!autoRewind) {
            // why: without auto-rewind the start-time check decides, on the next pass: DIVERGED, or start again.
            divergence.forget();
            notStreamingFrom = -1;
            return StepOutcome.did("could not stream from " + attempt + " for " + STUCK_MILLIS / 1000
                    + " s: stopped PostgreSQL to check its WAL against the timeline history");
        }
        Checked checked = checkStoppedData();
        Upstream primary = source.primary();
        if (checked != null && checked.nothingToRewind()) {
            return restartUnstuck(primary, "could not stream from " + attempt + " for " + STUCK_MILLIS / 1000
                    + " s: restarted without pg_rewind (" + checked.verdict().reason() + ")");
        }
        // why a report only for a rewind: a standby that merely restarts discards nothing, and a report of it on every
        // restart of a cluster would bury the reports of real rewinds in the history.
        reportDiscards("pg_rewind", checked, primary);
        return startLongStep(LongStep.Kind.REWIND, primary, goal, progress -> pg.rewindFrom(primary, progress),
                () -> restartUnstuck(primary, "could not stream from " + attempt + " for " + STUCK_MILLIS / 1000
                        + " s: ran pg_rewind against " + primary.nodeName() + " and restarted"));
    }

    private StepOutcome restartUnstuck(Upstream primary, String done) {
        dataReplaced();
        configure(primary);
        pg.start();
        notStreamingFrom = -1;
        return StepOutcome.did(done);
    }

    // --- stopped --------------------------------------------------------------------------------------

    private StepOutcome towardsStopped(PgObservation observed) {
        if (lease.held().isPresent()) {
            writerVip.release();
            releaseLeaseBound.run();
            stop(StopMode.FAST);
            lease.release();
            return StepOutcome.did("stopped PostgreSQL and released the primary lease");
        }
        if (observed.running()) {
            stop(StopMode.FAST);
            return StepOutcome.did("stopped PostgreSQL");
        }
        String vip = writerVip.release();
        if (vip != null) {
            return StepOutcome.did(vip + ": this node is not the primary");
        }
        return StepOutcome.did("stopped, as assigned");
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
        configuredUpstream = upstream == null ? null : upstream.nodeName();
    }
}
