package io.pgpacer.agent;

import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.CommitGuardMode;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NoQuorumPolicy;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.node.NodeMachine;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.ReplicaStatus;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.cib.Switchover;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.command.StoreCommand.InitializeCluster;
import io.pgpacer.core.command.StoreCommand.ReportFailure;
import io.pgpacer.core.command.StoreCommand.ReportStatus;
import io.pgpacer.core.decide.ClusterSnapshot;
import io.pgpacer.core.decide.Observations;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.resource.PostgresClone;
import io.pgpacer.core.resource.Primitive;
import io.pgpacer.core.resource.ResourceKind;
import io.pgpacer.core.resource.ResourceRuntime;
import io.pgpacer.postgres.CommitGuardState;
import io.pgpacer.postgres.DataDirState;
import io.pgpacer.postgres.PgObservation;
import io.pgpacer.postgres.PostgresException;
import io.pgpacer.postgres.PostgresInstance;
import io.pgpacer.postgres.StopMode;
import io.pgpacer.replay.DecisionRecorder;
import io.pgpacer.resource.ExecResourceAgent;
import io.pgpacer.resource.ResourceAgent;
import io.pgpacer.store.ClusterStore;
import io.pgpacer.store.StoreUnavailableException;
import io.pgpacer.vip.VipException;
import io.pgpacer.vip.linux.IpAddrVirtualIp;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host's agent: observes its PostgreSQL, reports to the store, and moves PostgreSQL towards the goal
 * the controller assigned. One thread owns all of it ({@link #run}); the lease keeper and the controller
 * have their own threads so that a long step here never delays fencing or decisions.
 */
public final class Agent implements LocalAgent, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(2);
    /** How often a node reports while the cluster is changing (no lease holder, or its goal not reached). */
    private static final long FAST_MILLIS = 200;
    private static final long DATA_REREAD_MILLIS = 10_000;

    private final AgentConfig config;
    private final ClusterStore store;
    private final PostgresInstance pg;
    private final LongSupplier millis;
    private final Observations observations;
    private final EventFeed events;
    private final LeaseKeeper lease;
    private final FailsafePromise failsafe;
    private final WriterVip writerVip;
    private final ReaderVipHolder readerVip;
    private final Controller controller;
    private final Executor executor;
    private final ResourceExecutor resources;
    private final WriteProbe writeProbe;
    private final PromotionTiming promotions;
    private final GrayFailures grayFailures = new GrayFailures();
    private final Object wakeup = new Object();
    private final AtomicBoolean expectingStop = new AtomicBoolean();
    private final AtomicBoolean unexpectedExit = new AtomicBoolean();
    /** An operator asked for a planned restart: the loop ends and {@link #close()} leaves a standby running. */
    private final AtomicBoolean restartRequested = new AtomicBoolean();
    private volatile boolean running = true;

    // Read by the API's health checks on other threads: what the loop last observed, and whether it still turns.
    private volatile ObservedAt latestObservation;
    private volatile boolean loopRunning;
    private volatile boolean passUnderWay;
    private volatile long passStartedAt;
    private volatile long lastPassEndedAt;
    private volatile LongConsumer observeNanos = nanos -> { };

    private long sequence;
    private long lastReportAt = Long.MIN_VALUE / 2;
    private NodeReport lastReport;
    private DataDirState data;
    /** The PostgreSQL the data directory was last read under (null: read it next pass), and when. */
    private RunningAs dataReadUnder;
    private long dataReadAt;
    private String activity = "starting";
    private String lastError;
    private long backoffUntil;
    private int consecutiveFailures;
    private boolean lastStepFailed;
    private long watchedPid;
    /** The restart numbers of msPostgresql this agent carried out or found at start; null before the first CIB. */
    private Map<String, Long> seenPgRestarts;
    private boolean wasPrimary;

    /**
     * @param pg this host's PostgreSQL; null for a witness
     * @param monotonicMillis the clock for leases and timeouts (never the wall clock)
     */
    public Agent(AgentConfig config, ClusterStore store, PostgresInstance pg, LongSupplier monotonicMillis,
            EventFeed events) {
        this(config, store, pg, monotonicMillis, events, FailsafePeers.NONE);
    }

    /**
     * @param failsafePeers how this agent, as a primary cut off from the store, asks the other members directly
     *     whether it may keep serving (option {@code failsafe}); {@link FailsafePeers#NONE} never asks
     */
    public Agent(AgentConfig config, ClusterStore store, PostgresInstance pg, LongSupplier monotonicMillis,
            EventFeed events, FailsafePeers failsafePeers) {
        this.config = config;
        this.store = store;
        this.pg = pg;
        this.millis = monotonicMillis;
        this.events = events;
        this.observations = new Observations(monotonicMillis, System::currentTimeMillis);
        this.sequence = System.currentTimeMillis();
        this.failsafe = new FailsafePromise(monotonicMillis);
        this.lease = new LeaseKeeper(config.nodeName(), store, config.timings(), this::fence, monotonicMillis,
                failsafePeers, () -> store.localCopy().settings().recovery().failsafe(),
                text -> events.add("lease", text), CommitGuard.of(config.postgres() == null ? CommitGuardMode.OFF
                        : config.postgres().commitGuard(), pg, monotonicMillis,
                        config.timings().fenceMargin(), text -> events.add("guard", text)));
        this.writerVip = new WriterVip(pg == null || config.writerVip() == null ? null
                : new IpAddrVirtualIp(config.writerVip()));
        this.readerVip = new ReaderVipHolder(config.nodeName(), pg == null || config.vips().reader() == null ? null
                : new IpAddrVirtualIp(config.vips().reader()), config.clusterSettings().nodeTimeoutMillis(),
                monotonicMillis, text -> events.add("vip", text));
        this.controller = new Controller(store, observations, events, config.stateDir() == null ? null
                : new DecisionRecorder(config.stateDir().resolve("decisions"), DecisionRecorder.KEPT,
                        config.nodeName()));
        this.resources = pg == null ? null
                : new ResourceExecutor(config.nodeName(), store, config.timings(),
                        config.clusterSettings().nodeTimeoutMillis(), () -> lease.held().orElse(-1), this::primaryHere, monotonicMillis,
                        p -> resourceAgent(p, config), text -> events.add("resource", text), this::wake);
        this.writeProbe = pg == null ? null : new WriteProbe(config.nodeName(), pg, monotonicMillis);
        this.promotions = pg == null ? null : new PromotionTiming(config.nodeName(), store, monotonicMillis,
                config.writerVip() != null, text -> events.add("promotion", text), this::wake);
        if (pg != null) {
            writerVip.onAdded(promotions::vipAdded);
            writeProbe.onCommitted(nanos -> promotions.committed());
        }
        this.executor = pg == null ? null
                : new Executor(config.nodeName(), store, pg, lease, writerVip, monotonicMillis,
                        () -> expectingStop.set(true), failsafe, () -> releaseLeaseBound("giving the lease up", false),
                        new DiscardReporter(config.nodeName(), pg, store, java.time.Duration.ofSeconds(2),
                                text -> events.add("agent", text), config.stateDir()), promotions);
        store.onApplied(cib -> {
            observations.record(cib);
            if (promotions != null) {
                promotions.applied(cib);
            }
            controller.wake();
            if (resources != null) {
                resources.onApplied(cib);
            }
            if (decisionsChanged(cib)) {
                wake();
            }
        });
    }

    /**
     * What the controller decides on, as this member sees it now: the CIB and this member's observations. A member
     * that is not the controller answers as a controller elected just now would (it trusts no silence yet).
     */
    @Override
    public ClusterSnapshot decisionSnapshot() {
        return observations.snapshot(store.localCopy(), controller.since().orElse(observations.now()));
    }

    /** Whether this member is the controller (the store's leader) now. */
    @Override
    public boolean controlling() {
        return controller.since().isPresent();
    }

    /** Whether {@code node} reported within the node timeout, by this agent's clock. */
    public boolean online(String node) {
        return observations.online(node, store.localCopy().settings().nodeTimeoutMillis());
    }

    public String activity() {
        return activity;
    }

    /**
     * This node's PostgreSQL as the loop last observed it (built every pass, whether or not the store took the
     * report), with its age by this agent's monotonic clock; empty before the first pass.
     */
    public Optional<LocalObservation> latestObservation() {
        ObservedAt latest = latestObservation;
        return latest == null ? Optional.empty()
                : Optional.of(new LocalObservation(latest.report(), latest.observed(),
                        millis.getAsLong() - latest.atMillis()));
    }

    /**
     * Calls {@code listener} (instead of any earlier one) with the nanoseconds each look at PostgreSQL took, on
     * the loop's thread.
     */
    public void onObserveTimed(LongConsumer listener) {
        observeNanos = listener;
    }

    /** Milliseconds until this agent must fence its lease unless a renewal lands, by its own fencing clock. */
    public OptionalLong leaseRemainingMillis() {
        return lease.remainingMillis();
    }

    /**
     * The commit guard in this node's PostgreSQL, asked now; empty when it is not used (witness, {@code
     * commit-guard: off}, not installed) or PostgreSQL has not loaded and created it.
     */
    public Optional<CommitGuardState> commitGuard() {
        return lease.commitGuard().state();
    }

    /**
     * The gray failure this node's PostgreSQL shows now (its commits hang or fail, or its WAL receipt stalls while
     * the primary advances), as the failed action words it; empty while there is none.
     */
    @Override
    public Optional<String> grayFailure() {
        return Optional.ofNullable(grayFailures.current());
    }

    /** How many gray failures this agent counted since it started, by kind ({@link GrayFailures#KINDS}). */
    @Override
    public Map<String, Long> grayFailureCounts() {
        return grayFailures.counts();
    }

    /** Calls {@code listener} (instead of any earlier one) with each committed write probe's latency in nanoseconds. */
    @Override
    public void onWriteProbeCommitted(LongConsumer listener) {
        if (writeProbe != null) {
            writeProbe.onCommitted(nanos -> {
                promotions.committed();
                listener.accept(nanos);
            });
        }
    }

    /**
     * Calls {@code listener} (instead of any earlier one) with each promotion of this node whose phases it recorded.
     */
    @Override
    public void onPromotionTimed(Consumer<PromotionRecord> listener) {
        if (promotions != null) {
            promotions.onTimed(listener);
        }
    }

    /** Whether this agent's lease keeper holds a primary lease it may still act on, by its own fencing clock. */
    public boolean holdsValidLease() {
        return lease.held().isPresent();
    }

    /**
     * Answers a failsafe ping from {@code primary}, which holds lease {@code generation} and cannot reach the
     * store: confirms only when this member's own store call fails now, its PostgreSQL is no primary and its copy
     * of the CIB names no other lease holder (see {@link FailsafeCheck}). A confirmation is a promise not to take
     * the lease for a lease time from now ({@link FailsafePromise}). Takes at most a short store timeout.
     */
    public FailsafeAnswer answerFailsafe(String primary, long generation) {
        // why: a damaged member's store calls fail for a reason of its own, not because the majority is gone; its
        // confirmation would tell a primary that nobody can take the lease when the healthy members can.
        if (store.memberHealth().damaged()) {
            return new FailsafeAnswer(false, "this node's store member is damaged; it cannot vouch for the store");
        }
        Cib before = store.localCopy();
        long leaseMillis = before.settings().leaseMillis();
        boolean on = before.settings().recovery().failsafe();
        boolean reachable = on && store.reachesMajority(Duration.ofMillis(failsafeStoreCheckMillis(leaseMillis)));
        Cib cib = store.localCopy();
        ObservedAt observed = latestObservation;
        FailsafeCheck.Facts facts = new FailsafeCheck.Facts(config.nodeName(), primary, generation, on,
                cib.node(primary).filter(NodeSpec::holdsData).isPresent(), reachable,
                observed == null ? null : observed.report().pgState(), pg == null, lease.held().isPresent(),
                cib.lease());
        FailsafeCheck.Answer answer = failsafe.promise(FailsafeCheck.decide(facts), primary, leaseMillis);
        String said = (answer.confirmed() ? "confirmed" : "refused") + " failsafe for " + primary + ": "
                + answer.reason();
        if (!said.equals(lastFailsafeAnswer)) {
            lastFailsafeAnswer = said;
            events.add("failsafe", said);
            LOG.info(said);
        }
        return new FailsafeAnswer(answer.confirmed(), answer.reason());
    }

    // Short, since the asking primary waits at most half its fence margin; a healthy store answers in milliseconds.
    static long failsafeStoreCheckMillis(long leaseMillis) {
        return Math.max(50, Math.min(250, leaseMillis / 20));
    }

    private volatile String lastFailsafeAnswer;

    /** The resource agent for an operator's primitive on this host. */
    static ResourceAgent resourceAgent(Primitive primitive, AgentConfig config) {
        return primitive.kind() == ResourceKind.IP
                ? IpResourceAgent.of(primitive, config.vips().nic(), IpAddrVirtualIp::new)
                : ExecResourceAgent.of(primitive, config.nodeName());
    }

    // What lease-bound resources need besides the lease: PostgreSQL serving as primary here, by the latest look.
    private boolean primaryHere() {
        ObservedAt latest = latestObservation;
        return latest != null && latest.report().pgState() == PgState.PRIMARY;
    }

    /**
     * Ends this agent for a planned restart (a package upgrade), leaving its PostgreSQL running for the next agent
     * when it is a standby: a standby writes nothing, and nothing promotes it while no agent runs. The primary hands
     * its role over first ({@code pgpacer node restart-agent} does), because its PostgreSQL must not outlive the
     * lease that no agent would renew. The loop ends after the pass under way; the caller then exits so that the
     * service manager starts the agent again ({@code Restart=on-failure}).
     *
     * @return why the restart is refused, or empty when it was accepted
     */
    public Optional<String> requestRestart() {
        if (pg != null) {
            if (lease.held().isPresent() || primaryHere()) {
                return Optional.of(config.nodeName() + " is the primary: hand its role over first ('pgpacer switchover'),"
                        + " or use 'pgpacer node restart-agent " + config.nodeName() + "', which does; a primary's"
                        + " PostgreSQL cannot outlive its agent's lease");
            }
        }
        restartRequested.set(true);
        running = false;
        events.add("agent", "agent " + config.nodeName() + " ends for a planned restart"
                + (pg != null && pg.isRunning() ? "; its PostgreSQL keeps running as a standby" : ""));
        wake();
        return Optional.empty();
    }

    /** Whether the loop ended for a planned restart ({@link #requestRestart()}). */
    public boolean restartRequested() {
        return restartRequested.get();
    }

    /** Whether this agent runs no PostgreSQL and only votes. */
    public boolean witness() {
        return pg == null;
    }

    /** Whether the observe → report → step loop still turns, as the liveness check sees it. */
    public LoopProgress loopProgress() {
        long now = millis.getAsLong();
        boolean inPass = passUnderWay;
        return new LoopProgress(loopRunning, now - lastPassEndedAt, inPass ? Math.max(1, now - passStartedAt) : 0);
    }

    private record ObservedAt(NodeReport report, PgObservation observed, long atMillis) {
    }

    /** Runs the agent on the calling thread until {@link #close()}; the thread must live as long as the agent. */
    public void run() {
        // why: an agent that starts holds no lease, so a writer VIP left on this host by a crashed agent must go.
        releaseWriterVip("agent start");
        releaseLeaseBound("agent start", false);
        dropReaderVip("agent start");
        lease.start();
        controller.start();
        if (resources != null) {
            resources.start();
        }
        events.add("agent", "agent " + config.nodeName() + " started");
        String lastOutcome = "";
        lastPassEndedAt = millis.getAsLong();
        loopRunning = true;
        while (running) {
            String outcome;
            passStartedAt = millis.getAsLong();
            passUnderWay = true;
            try {
                outcome = runOnce();
            } catch (StoreUnavailableException e) {
                outcome = storeUnavailable(e) + applyNoQuorumPolicy();
            } catch (RuntimeException e) {
                outcome = "agent pass failed: " + e;
                LOG.error(outcome);
            } finally {
                passUnderWay = false;
                lastPassEndedAt = millis.getAsLong();
            }
            if (!outcome.equals(lastOutcome)) {
                LOG.info(outcome);
                lastOutcome = outcome;
            }
            pause(settled() ? monitorIntervalMillis() : FAST_MILLIS);
        }
        loopRunning = false;
    }

    // A damaged store member cuts this agent off from the store until an operator repairs it: the member said what
    // is damaged, once (RatisClusterStore.markDamaged); the loop only says what it means here, without repeating it.
    private String storeUnavailable(StoreUnavailableException e) {
        if (store.memberHealth().damaged()) {
            return "cut off from the store: this node's store member is damaged (see the store member's error, or"
                    + " GET /liveness)";
        }
        return "store unavailable: " + e.getMessage();
    }

    private long monitorIntervalMillis() {
        NodeReport last = lastReport;
        return monitorIntervalMillis(store.localCopy().resources().postgres(), last == null ? null : last.pgState(),
                config.timings().monitorInterval().toMillis());
    }

    /**
     * How long the settled loop waits between looks at PostgreSQL: the interval of the {@code msPostgresql} monitor
     * for this node's role ({@code op monitor role=Master|Slave}, or one for every role) when the CIB has one, else
     * {@code monitor-interval}. Every state but PRIMARY counts as the Slave role, as the reference's monitors do.
     */
    static long monitorIntervalMillis(PostgresClone clone, PgState state, long configuredMillis) {
        String role = state == PgState.PRIMARY ? PostgresClone.MASTER : PostgresClone.SLAVE;
        return clone.monitor(role).map(op -> op.intervalMillis()).filter(interval -> interval > 0)
                .orElse(configuredMillis);
    }

    /** One observe → report → step pass; returns a sentence saying what happened. */
    String runOnce() {
        Cib cib = store.localCopy();
        if (!cib.initialized()) {
            CommandResult result = store.submit(
                    new InitializeCluster(config.clusterName(), config.nodes(), config.clusterSettings(),
                            config.resources()), STORE_TIMEOUT);
            return "initialising the cluster store: " + result.message();
        }
        if (pg == null) {
            report(cib, null, null);
            return "witness: voting only";
        }
        boolean nodeInMaintenance = cib.maintenance().covers(config.nodeName());
        // why like maintenance: an unmanaged msPostgresql is observed and reported, never started, stopped,
        // restarted or promoted; fencing stays on.
        boolean postgresUnmanaged = !cib.resources().postgres().meta().managed();
        boolean inMaintenance = nodeInMaintenance || postgresUnmanaged;
        if (inMaintenance) {
            // why: in maintenance the operator may stop PostgreSQL on purpose; that is no failure to count.
            unexpectedExit.set(false);
        } else {
            reportUnexpectedExit();
        }
        String restarted = restartPostgresIfAsked(cib, inMaintenance);
        long observeStart = System.nanoTime();
        PgObservation observed = pg.observe();
        observeNanos.accept(System.nanoTime() - observeStart);
        watchExit(observed);
        // why not while pg_rewind runs: it rewrites the data directory in place (the control file last); the report
        // keeps the last look until it ended. A clone copies beside the directory, which stays empty: looked at, so
        // that a node being rebuilt reports that it holds no usable data and is no failover candidate meanwhile.
        if (dataToBeRead(observed) && !executor.longSteps().rewindUnderway()) {
            data = pg.inspect();
            dataReadUnder = RunningAs.of(observed);
            dataReadAt = millis.getAsLong();
        }
        followReaderVip(cib, observed);
        report(cib, observed, data);
        fencedWithoutStore = false;
        boolean probing = observed.running() && observed.reachable() && !observed.inRecovery()
                && lease.held().isPresent();
        writeProbe.watch(probing ? observed.pid() : 0, monitorIntervalMillis(),
                cib.settings().writeProbeTimeoutMillis());
        boolean primaryNow = primaryHere();
        if (primaryNow != wasPrimary) {
            wasPrimary = primaryNow;
            resources.wake();
        }
        // why: maintenance stops every action but fencing: a primary that cannot renew its lease still stops
        // writes, because once maintenance ends the controller may promote another node.
        if (inMaintenance) {
            activity = nodeInMaintenance ? "maintenance: observing only, not acting"
                    : PostgresClone.ID + " is unmanaged: observing PostgreSQL only, not acting";
            String cancelled = executor.longSteps().cancelClone(nodeInMaintenance ? "the node was put into maintenance"
                    : PostgresClone.ID + " was made unmanaged");
            if (cancelled != null) {
                events.add("agent", cancelled);
                LOG.info(cancelled);
            }
            String stillRunning = executor.longSteps().activity();
            if (stillRunning != null) {
                // why: a rewind is not cancelled (see Executor.carryOn); it ends, and is followed up after maintenance.
                activity += "; " + stillRunning;
            }
            return activity;
        }
        if (millis.getAsLong() < backoffUntil) {
            return activity;
        }
        NodeGoal goal = cib.goals().get(config.nodeName());
        // why alive now: a probe refused because the postmaster died meanwhile ('connection refused' after a kill -9)
        // is that death, which the next look reports as a crash; judged here too, one death would count twice.
        boolean probedPostmasterAlive = probing && pg.isRunning() && pg.pid() == observed.pid();
        GrayFailures.Found gray = grayFailures.judge(cib, observed, probedPostmasterAlive
                ? writeProbe.verdict(observed.pid()) : null, millis.getAsLong());
        if (gray != null) {
            return failGray(gray);
        }
        Executor.StepOutcome outcome;
        try {
            outcome = executor.step(cib, goal, observed, data);
        } catch (PostgresException | IllegalStateException e) {
            outcome = new Executor.StepOutcome(e.getMessage(), operationOf(goal, observed), 1);
        } catch (VipException e) {
            // Pacemaker's IPaddr2 failing counts against the node like a PostgreSQL failure: clients cannot reach it.
            outcome = new Executor.StepOutcome(e.getMessage(), "writer-vip", 1);
        }
        if (outcome.failedOperation() != null) {
            fail(outcome.failedOperation(), outcome.rc(), outcome.text());
            return "failed: " + outcome.text();
        }
        consecutiveFailures = 0;
        lastStepFailed = false;
        String did = outcome.progress() != null ? outcome.progress() : outcome.text();
        activity = restarted == null ? did : restarted + "; " + did;
        // why not while a long step runs: its progress changes every second; its start and end are the events.
        if (outcome.progress() == null && !outcome.text().equals(lastReport == null ? null : lastReport.activity())) {
            events.add("agent", outcome.text());
        }
        return outcome.text();
    }

    /**
     * Carries out an operator's {@code resource restart msPostgresql [NODE]} once: stops PostgreSQL (fast), and the
     * step of the same pass starts it again in its role (a primary only while it holds its lease, through the
     * executor's usual start). At agent start the numbers are only recorded, and so are restarts asked for while
     * PostgreSQL is unmanaged or the node in maintenance (pgpacer may not act then; Pacemaker refuses them too).
     * Returns what it did, or null.
     */
    private String restartPostgresIfAsked(Cib cib, boolean handsOff) {
        ResourceRuntime runtime = cib.resourceRuntime();
        String all = PostgresClone.ID;
        String here = ResourceRuntime.restartKey(PostgresClone.ID, config.nodeName());
        if (seenPgRestarts == null) {
            seenPgRestarts = new HashMap<>(runtime.restarts());
            return null;
        }
        long wantedAll = runtime.restarts().getOrDefault(all, 0L);
        long wantedHere = runtime.restarts().getOrDefault(here, 0L);
        if (wantedAll <= seenPgRestarts.getOrDefault(all, 0L) && wantedHere <= seenPgRestarts.getOrDefault(here, 0L)) {
            return null;
        }
        seenPgRestarts.put(all, wantedAll);
        seenPgRestarts.put(here, wantedHere);
        if (handsOff || !pg.isRunning()) {
            return null;
        }
        expectingStop.set(true);
        pg.stop(StopMode.FAST);
        String done = "restarting PostgreSQL as an operator asked (resource restart " + PostgresClone.ID + ")";
        events.add("agent", done);
        LOG.info(done);
        return done;
    }

    private static String operationOf(NodeGoal goal, PgObservation observed) {
        if (goal != null && goal.role() == Role.PRIMARY && observed.running()) {
            return "promote";
        }
        return "start";
    }

    // The postmaster is our child: its death is known at once, not at the next SQL probe.
    private void watchExit(PgObservation observed) {
        if (observed.running() && observed.pid() != watchedPid) {
            watchedPid = observed.pid();
            expectingStop.set(false);
            pg.exitFuture().thenAccept(code -> {
                if (!expectingStop.get()) {
                    unexpectedExit.set(true);
                }
                wake();
            });
        }
    }

    private void reportUnexpectedExit() {
        if (unexpectedExit.getAndSet(false)) {
            watchedPid = 0;
            fail("monitor", 7, "not running: the postmaster exited unexpectedly");
        }
    }

    // A failure may release this node's lease in the same store command (migration-threshold), and another node
    // may then be promoted at once: the writer VIP must be gone before the failure is reported.
    private void fail(String operation, int rc, String reason) {
        fail(operation, rc, reason, false);
    }

    private void fail(String operation, int rc, String reason, boolean commitsHang) {
        releaseWriterVip("failed " + operation);
        releaseLeaseBound("failed " + operation, false);
        dropReaderVip("failed " + operation);
        lastError = operation + ": " + reason;
        activity = "failed " + operation + ": " + reason;
        events.add("agent", activity);
        LOG.warn(activity);
        consecutiveFailures++;
        lastStepFailed = true;
        long backoff = config.timings().restartDelayMillis(consecutiveFailures);
        backoffUntil = millis.getAsLong() + backoff;
        try {
            String at = Executor.wallClock();
            CommandResult result = store.submit(commitsHang
                    ? new StoreCommand.ReportCommitsHang(config.nodeName(), reason, at)
                    : new ReportFailure(config.nodeName(), operation, rc, reason, at), STORE_TIMEOUT);
            if (result.lease() == CommandResult.LeaseEffect.RELEASED) {
                lease.forget();
            } else if (resources != null) {
                resources.resumeLeaseBound();
            }
        } catch (StoreUnavailableException e) {
            LOG.warn("could not record the failure (" + e.getMessage() + ")");
            // why: the lease was not released by this report; if it ends otherwise, fencing stops them again.
            if (resources != null) {
                resources.resumeLeaseBound();
            }
        }
    }

    // A gray failure is a monitor failure with the probe's words, counted as any other; a primary's is reported as one
    // whose commits hang, which fails it over at once when a standby can take over (CibReducer). PostgreSQL is stopped
    // first, within the immediate stop's deadline (SIGKILL after it), because the report may release the lease and
    // another node may be promoted at once: as on every way the lease is given up, nothing of the old primary may
    // still acknowledge writes then. The next pass starts it again in its role: restart in place.
    private String failGray(GrayFailures.Found gray) {
        String line = "gray-failure: " + config.nodeName() + " " + gray.kind() + ": " + gray.reason();
        events.add("gray-failure", line);
        LOG.warn(line);
        releaseWriterVip("gray failure");
        expectingStop.set(true);
        try {
            pg.stop(StopMode.IMMEDIATE);
        } catch (RuntimeException e) {
            // why report anyway: a process that survives SIGKILL is blocked in the kernel and acknowledges nothing,
            // and the commit guard's deadline runs out before the store lets another node take the lease.
            LOG.error("gray failure: could not stop PostgreSQL: " + e.getMessage());
        }
        fail("monitor", 1, gray.reason(), gray.commitsHang());
        return "failed: " + gray.reason();
    }

    // The VIP goes first: it takes a few milliseconds, while an immediate shutdown can wait for connections
    // still in authentication.
    private void fence(String reason) {
        fencedWithoutStore = true;
        expectingStop.set(true);
        events.add("lease", "fencing: " + reason);
        releaseWriterVip("fencing");
        // why addresses first and the operator's commands after PostgreSQL: an address goes in milliseconds, while
        // a stop command may take its whole timeout, and writes must stop before the lease could expire.
        releaseLeaseBound("fencing", true);
        dropReaderVip("fencing");
        try {
            pg.stop(StopMode.IMMEDIATE);
        } catch (RuntimeException e) {
            LOG.error("fencing could not stop PostgreSQL: " + e.getMessage());
        }
        releaseLeaseBound("fencing", false);
        wake();
    }

    // Fencing already stopped writes and removed the VIPs before the lease could expire, which is all that
    // no-quorum-policy stop asks. Under demote the fenced primary serves reads again, as a standby that follows
    // nobody: it cannot write, and it can only become writable through a new lease, which needs the majority.
    // A standby cut off from the store keeps running as it is (it cannot be promoted from here) and only drops
    // the reader VIP, by its own deadline.
    private String applyNoQuorumPolicy() {
        if (pg == null || !fencedWithoutStore
                || store.localCopy().settings().recovery().noQuorum() != NoQuorumPolicy.DEMOTE || pg.isRunning()) {
            return "";
        }
        try {
            pg.configureReadOnly();
            pg.start();
        } catch (PostgresException e) {
            return "; no-quorum-policy demote: could not restart PostgreSQL read-only: " + e.getMessage();
        }
        fencedWithoutStore = false;
        String done = "no-quorum-policy demote: cut off from the store's majority, PostgreSQL restarted read-only";
        events.add("agent", done);
        return "; " + done;
    }

    // Lease-bound resources (colocated with the master) follow the writer VIP's rules: gone before the lease is.
    private void releaseLeaseBound(String why, boolean addressesOnly) {
        if (resources == null) {
            return;
        }
        try {
            resources.releaseLeaseBound(why, addressesOnly);
        } catch (RuntimeException e) {
            LOG.error(why + ": could not stop the lease-bound resources: " + e.getMessage());
        }
    }

    private void releaseWriterVip(String why) {
        try {
            String done = writerVip.release();
            if (done != null) {
                events.add("vip", why + ": " + done);
            }
        } catch (RuntimeException e) {
            LOG.error(why + ": could not remove the writer VIP: " + e.getMessage());
        }
    }

    // A standby serves reads while it streams; the primary (when the reader VIP falls back to it) while it
    // holds the lease. VIP errors count like the writer VIP's, through the step's failure path next pass.
    private void followReaderVip(Cib cib, PgObservation observed) {
        boolean canServe = observed.running() && observed.reachable()
                && (observed.inRecovery() ? observed.streaming() : lease.held().isPresent());
        try {
            readerVip.follow(cib, canServe);
        } catch (VipException e) {
            fail("reader-vip", 1, e.getMessage());
        }
    }

    private void dropReaderVip(String why) {
        try {
            readerVip.drop(why);
        } catch (RuntimeException e) {
            LOG.error(why + ": could not remove the reader VIP: " + e.getMessage());
        }
    }

    /** A running, answering PostgreSQL as far as its data directory's reading depends on it. */
    private record RunningAs(long pid, boolean inRecovery, long timeline) {
        static RunningAs of(PgObservation observed) {
            return observed.running() && observed.reachable()
                    ? new RunningAs(observed.pid(), observed.inRecovery(), observed.timeline()) : null;
        }
    }

    // Reading the data directory runs pg_controldata, three processes. While the same PostgreSQL runs and answers in
    // the same role and timeline, nothing but an accident changes what the reading says (the decisions read it only
    // while PostgreSQL does not run): it is read again after a start, stop, promotion or restart, and every
    // DATA_REREAD_MILLIS, so that a directory lost under a running server still shows.
    private boolean dataToBeRead(PgObservation observed) {
        RunningAs now = RunningAs.of(observed);
        return data == null || now == null || !now.equals(dataReadUnder)
                || millis.getAsLong() - dataReadAt >= DATA_REREAD_MILLIS;
    }

    private void report(Cib cib, PgObservation observed, DataDirState dataState) {
        NodeReport next = buildReport(cib, observed, dataState);
        long now = millis.getAsLong();
        latestObservation = new ObservedAt(next, observed, now);
        boolean changed = lastReport == null || !sameObservation(lastReport, next)
                || awaitedBySwitchover(cib) && !next.lsn().equals(lastReport.lsn());
        // Settled, a report is only a heartbeat: two per node timeout keep the node online at half the writes.
        long interval = settled() ? cib.settings().nodeTimeoutMillis() / 2 : FAST_MILLIS;
        if (readerVip.carries() || resources != null && resources.runsAny()) {
            // why: the reader VIP and the resources stay only until a deadline that each report moves; heartbeats
            // must come sooner.
            interval = Math.min(interval, cib.settings().nodeTimeoutMillis() / 3);
        }
        if (!changed && now - lastReportAt < interval) {
            return;
        }
        store.submit(new ReportStatus(next), STORE_TIMEOUT);
        readerVip.reportLanded(now);
        if (resources != null) {
            resources.reportLanded(now);
        }
        lastReport = next;
        lastReportAt = now;
    }

    private NodeReport buildReport(Cib cib, PgObservation observed, DataDirState dataState) {
        sequence++;
        String reportedAt = Executor.wallClock();
        if (observed == null) {
            return new NodeReport(config.nodeName(), sequence, PgState.NO_DATA, 0, 0, Lsn.ZERO, Lsn.ZERO, null, false,
                    List.of(), "witness", null, reportedAt, false, 0, Map.of(), lease.commitGuard().report(false));
        }
        PgState state = NodeMachine.reported(Executor.postgresOf(observed), Executor.dataOf(dataState),
                executor.holdsDivergedData(), lastStepFailed);
        long timeline;
        Lsn lsn;
        if (!dataState.initialized()) {
            timeline = 0;
            lsn = Lsn.ZERO;
        } else if (!observed.running() || !observed.reachable()) {
            timeline = dataState.timeline();
            lsn = dataState.checkpointLsn();
        } else {
            timeline = observed.timeline();
            lsn = observed.inRecovery() ? Lsn.max(observed.receiveLsn(), observed.replayLsn()) : observed.currentLsn();
        }
        String upstream = observed.streaming() ? nodeAt(cib, observed.senderHost(), observed.senderPort()) : null;
        List<ReplicaStatus> replicas = Executor.replicaStatuses(observed);
        return new NodeReport(config.nodeName(), sequence, state, observed.pid(), timeline, lsn,
                observed.replayLsn(), upstream, observed.streaming(), replicas, activity, lastError, reportedAt,
                readerVip.carries(), readerVip.seenVersion(), resources.states(),
                lease.commitGuard().report(observed.running() && observed.reachable()));
    }

    // Reports are sent when something an operator or the scheduler cares about changed, else at the interval.
    private static boolean sameObservation(NodeReport a, NodeReport b) {
        return a.pgState() == b.pgState() && a.timeline() == b.timeline() && a.streaming() == b.streaming()
                && Objects.equals(a.upstream(), b.upstream()) && Objects.equals(a.activity(), b.activity())
                && a.replicas().size() == b.replicas().size()
                && a.readerVip() == b.readerVip() && a.readerVipSeen() == b.readerVipSeen()
                && a.resources().equals(b.resources()) && a.commitGuard().sameStateAs(b.commitGuard());
    }

    // The switchover target's WAL position decides when it is promoted; every position it reaches counts.
    private boolean awaitedBySwitchover(Cib cib) {
        Switchover planned = cib.switchover();
        return planned != null && planned.phase() == Switchover.Phase.CATCHING_UP
                && config.nodeName().equals(planned.to());
    }

    /** The configured node whose PostgreSQL listens at host:port, or null. */
    static String nodeAt(Cib cib, String host, int port) {
        if (host == null) {
            return null;
        }
        return cib.dataNodes().stream().filter(n -> n.pgPort() == port && n.address().equals(host))
                .map(NodeSpec::name).findFirst().orElse(null);
    }

    // Settled: a lease holder exists and this node's PostgreSQL is where its goal wants it.
    private boolean settled() {
        Cib cib = store.localCopy();
        if (pg == null) {
            return true;
        }
        if (cib.lease().isFree() || lastReport == null) {
            return false;
        }
        return NodeMachine.goalReached(cib.goals().get(config.nodeName()), lastReport, cib.syncSet());
    }

    /** Set by fencing, cleared by a pass that reached the store: no-quorum-policy applies while it is set. */
    private volatile boolean fencedWithoutStore;

    private volatile long seenGoalsVersion = -1;
    private volatile Lease seenHolding;
    private volatile Switchover seenSwitchover;
    private volatile Object seenReaderVip;

    // Called on the store's apply thread: reports of other nodes do not concern this loop; goals, the lease's
    // holding and the switchover do. Not its renewals: the lease keeper renews on its own thread, and a pass of
    // every agent at each renewal (four per lease time) would be most of an idle cluster's work.
    private boolean decisionsChanged(Cib cib) {
        boolean changed = cib.goalsVersion() != seenGoalsVersion || !cib.lease().holding().equals(seenHolding)
                || !Objects.equals(cib.switchover(), seenSwitchover) || !cib.readerVip().equals(seenReaderVip);
        seenGoalsVersion = cib.goalsVersion();
        seenHolding = cib.lease().holding();
        seenSwitchover = cib.switchover();
        seenReaderVip = cib.readerVip();
        return changed;
    }

    private void wake() {
        synchronized (wakeup) {
            wakeup.notifyAll();
        }
    }

    private void pause(long millisToWait) {
        synchronized (wakeup) {
            try {
                wakeup.wait(millisToWait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    // Checked again now that the loop has ended: a pass that was under way when the restart was asked for may have
    // taken the lease. Anything but a standby without the lease is stopped as on any other agent stop.
    private boolean keptRunningForRestart() {
        if (lease.held().isPresent() || !pg.isRunning()) {
            return false;
        }
        PgObservation now = pg.observe();
        if (!now.reachable() || !now.inRecovery()) {
            LOG.info("planned restart: PostgreSQL is not a standby that answers ({}); stopping it as usual",
                    now.reachable() ? "out of recovery" : now.error());
            return false;
        }
        try {
            long pid = pg.detach();
            LOG.info("planned restart: PostgreSQL (postmaster {}) keeps running as a standby for the next agent", pid);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("planned restart: cannot keep PostgreSQL running ({}); stopping it", e.getMessage());
            return false;
        }
    }

    /**
     * Stops the loop, PostgreSQL (fast shutdown; after {@link #requestRestart()} a standby keeps running) and the
     * helpers. The store is closed by its owner.
     */
    @Override
    public void close() {
        running = false;
        wake();
        if (pg != null) {
            // why first: a clone or a rewind holds PostgreSQL's lifecycle until it ends, which may take hours.
            String cancelled = executor.longSteps().stopAll("the agent is stopping");
            if (cancelled != null) {
                events.add("agent", cancelled);
                LOG.info(cancelled);
            }
        }
        controller.close();
        if (writeProbe != null) {
            writeProbe.close();
        }
        lease.close();
        readerVip.close();
        if (resources != null) {
            // why first: the operator's resources may use PostgreSQL (a pooler) and stop cleanly while it runs.
            resources.close();
        }
        if (pg != null) {
            expectingStop.set(true);
            releaseWriterVip("agent stop");
            dropReaderVip("agent stop");
            if (!restartRequested.get() || !keptRunningForRestart()) {
                try {
                    pg.stop(StopMode.FAST);
                } catch (RuntimeException e) {
                    LOG.warn("could not stop PostgreSQL: " + e.getMessage());
                }
            }
            lease.release();
            pg.close();
        }
    }
}
