package io.pgpacer.agent;

import io.pgpacer.config.Timings;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand.ReportResourceFailure;
import io.pgpacer.core.command.StoreCommand.SetStandby;
import io.pgpacer.core.resource.Group;
import io.pgpacer.core.resource.LocalResourcePlan;
import io.pgpacer.core.resource.LocalResourcePlan.FailureResponse;
import io.pgpacer.core.resource.LocalResourcePlan.Hold;
import io.pgpacer.core.resource.LocalResourcePlan.Kind;
import io.pgpacer.core.resource.LocalResourcePlan.Observed;
import io.pgpacer.core.resource.LocalResourcePlan.Step;
import io.pgpacer.core.resource.LocalResourcePlan.Unit;
import io.pgpacer.core.resource.OnFail;
import io.pgpacer.core.resource.Operation;
import io.pgpacer.core.resource.Primitive;
import io.pgpacer.core.resource.ResourceKind;
import io.pgpacer.core.resource.ResourceMeta;
import io.pgpacer.core.resource.ResourceRuntime;
import io.pgpacer.core.resource.ResourceState;
import io.pgpacer.core.resource.Resources;
import io.pgpacer.resource.OcfResult;
import io.pgpacer.resource.ResourceAgent;
import io.pgpacer.store.ClusterStore;
import io.pgpacer.store.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs this host's primitive resources (the operator's {@code ip} and {@code exec} resources) towards the
 * controller's placement, on one thread of its own so that a slow command never delays the PostgreSQL loop or the
 * lease keeper. Each pass reads the agent's copy of the CIB, asks {@link LocalResourcePlan} what to do and runs
 * those operations one after the other; failures are reported to the store ({@code ReportResourceFailure}) and
 * answered by their {@code on-fail}.
 *
 * <p>Lease-bound resources (colocated INFINITY with the master of {@code msPostgresql}) run only while this node's
 * PostgreSQL serves as primary under a lease that is valid by this agent's own clock. Like the writer VIP, they are
 * stopped by {@link #releaseLeaseBound} on the thread that gives the lease up (fencing, step-down, hand-over), and a
 * start re-checks the lease after the resource came up, so whichever of a start and a fence runs last, the resource
 * ends up stopped when the lease is gone.
 */
final class ResourceExecutor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResourceExecutor.class);
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(2);
    /** The longest pause between two passes when nothing is due; a change of the CIB wakes the executor at once. */
    private static final long IDLE_MILLIS = 1_000;
    private static final long NO_GENERATION = -2;

    private final String self;
    private final ClusterStore store;
    private final Timings timings;
    private final LongSupplier leaseGeneration;
    private final BooleanSupplier primaryHere;
    private final LongSupplier millis;
    private final Function<Primitive, ResourceAgent> agents;
    private final Consumer<String> events;
    private final Runnable statesChanged;
    private final ScheduledExecutorService thread;

    /** Guarded by {@code this}; operations never run while it is held. */
    private final Map<String, Local> locals = new LinkedHashMap<>();
    private ScheduledFuture<?> pending;

    // Owned by the executor's thread.
    private final Map<String, Long> seenRestarts = new HashMap<>();
    private boolean restartsRecorded;
    private final Deque<ReportResourceFailure> unreported = new ArrayDeque<>();

    /** The lease generation whose lease-bound resources were released; they do not start again under it. */
    private volatile long releasedGeneration = NO_GENERATION;
    private volatile boolean closed;
    private volatile Object seenResources;
    private volatile Object seenRuntime;
    private volatile Object seenMaintenance;
    private volatile Object seenStandby;
    /** How long after a report that reached the store the resources placed here may run without another. */
    private final long contactMillis;
    private final ScheduledExecutorService contactTimer;
    private ScheduledFuture<?> dropAtDeadline;
    private volatile long contactDeadline = Long.MIN_VALUE;

    /** What this node knows of one primitive on its host. */
    private static final class Local {
        Primitive primitive;
        Observed observed = Observed.UNKNOWN;
        Hold hold = Hold.NONE;
        long lastMonitorAt;
        int failures;
        long backoffUntil;
        int lastFailCount;
        boolean managed = true;
        ResourceState reported;
    }

    /**
     * @param leaseGeneration the generation of the primary lease this node holds and may still act on, by the lease
     *     keeper's clock; negative when none
     * @param primaryHere whether the agent's latest look saw this node's PostgreSQL serving as primary
     * @param agents the resource agent for a primitive
     * @param events receives what the executor did, for the event feed
     * @param statesChanged called when a resource's state changed, so the agent reports it soon
     */
    ResourceExecutor(String self, ClusterStore store, Timings timings, long nodeTimeoutMillis,
            LongSupplier leaseGeneration, BooleanSupplier primaryHere, LongSupplier monotonicMillis,
            Function<Primitive, ResourceAgent> agents, Consumer<String> events, Runnable statesChanged) {
        this.self = self;
        this.contactMillis = nodeTimeoutMillis - ReaderVipHolder.MARGIN_MILLIS;
        this.contactTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgpacer-resource-contact");
            t.setDaemon(true);
            return t;
        });
        this.store = store;
        this.timings = timings;
        this.leaseGeneration = leaseGeneration;
        this.primaryHere = primaryHere;
        this.millis = monotonicMillis;
        this.agents = agents;
        this.events = events;
        this.statesChanged = statesChanged;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "pgpacer-resources");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.thread = executor;
    }

    void start() {
        scheduleIn(0);
    }

    /**
     * Called on the store's apply thread with each new CIB: wakes the executor when something it acts on changed
     * (resources, placement, fail-counts, restarts, maintenance, standby); other nodes' reports do not.
     */
    void onApplied(Cib cib) {
        boolean changed = cib.resources() != seenResources || cib.resourceRuntime() != seenRuntime
                || !Objects.equals(cib.maintenance(), seenMaintenance) || !Objects.equals(cib.standby(), seenStandby);
        seenResources = cib.resources();
        seenRuntime = cib.resourceRuntime();
        seenMaintenance = cib.maintenance();
        seenStandby = cib.standby();
        if (changed) {
            scheduleIn(0);
        }
    }

    /** Asks for a pass soon (the lease or PostgreSQL's role changed). */
    void wake() {
        scheduleIn(0);
    }

    /** What this node observed of each primitive, for its report. */
    synchronized Map<String, ResourceState> states() {
        Map<String, ResourceState> states = new TreeMap<>();
        locals.forEach((id, local) -> {
            if (local.reported != null) {
                states.put(id, local.reported);
            }
        });
        return Collections.unmodifiableMap(states);
    }

    /**
     * Stops every lease-bound resource that may run here, last group member first, on the calling thread, and keeps
     * them from starting again under the lease generation held now. Called where the writer VIP is released: before
     * fencing stops PostgreSQL ({@code addressesOnly}: the {@code ip} resources, which take milliseconds), after it
     * (the rest, whose stop commands may take long), and before a step-down or hand-over gives the lease up.
     * Failures are logged and leave the resource failed; they never stop the caller.
     *
     * @return what it stopped, or null when nothing
     */
    String releaseLeaseBound(String why, boolean addressesOnly) {
        long generation = leaseGeneration.getAsLong();
        if (generation >= 0) {
            releasedGeneration = generation;
        }
        Resources resources = store.localCopy().resources();
        return stopHere(why, "lease-bound ", p -> LocalResourcePlan.leaseBound(resources, p.id())
                && (!addressesOnly || p.kind() == ResourceKind.IP));
    }

    /**
     * A report sent at {@code sentAtMillis} (monotonic) reached the store: the resources placed here may run until
     * the node timeout (less a margin) after it. Past that the controller counts this node silent and may start them
     * elsewhere, so they are stopped here first, the addresses on a timer of their own even while a slow operation
     * holds the executor's thread.
     */
    void reportLanded(long sentAtMillis) {
        long deadline;
        synchronized (this) {
            contactDeadline = Math.max(contactDeadline, sentAtMillis + contactMillis);
            deadline = contactDeadline;
            if (dropAtDeadline != null) {
                dropAtDeadline.cancel(false);
            }
            if (closed) {
                return;
            }
            dropAtDeadline = contactTimer.schedule(this::stopAddressesIfOutOfTouch,
                    Math.max(0, deadline - millis.getAsLong()), TimeUnit.MILLISECONDS);
        }
    }

    /** Whether a primitive may be running here, so that the agent keeps its reports frequent (see reportLanded). */
    synchronized boolean runsAny() {
        return locals.values().stream().anyMatch(l -> l.observed == Observed.STARTED || l.observed == Observed.FAILED);
    }

    private boolean inTouch() {
        return millis.getAsLong() < contactDeadline;
    }

    private void stopAddressesIfOutOfTouch() {
        if (inTouch() || closed) {
            return;
        }
        Resources resources = store.localCopy().resources();
        stopHere("no report reached the store for " + contactMillis + " ms", "", p -> p.kind() == ResourceKind.IP
                && resources.effectiveMeta(p.id()).managed() && !LocalResourcePlan.leaseBound(resources, p.id()));
        // why a pass too: it stops the rest, and starts nothing while out of touch
        scheduleIn(0);
    }

    // Stops, on the calling thread and last group member first, every resource {@code which} selects that may run
    // here. Failures are logged and leave the resource failed; they never stop the caller.
    private String stopHere(String why, String what, java.util.function.Predicate<Primitive> which) {
        Cib cib = store.localCopy();
        List<Primitive> ordered = new ArrayList<>(ordered(cib.resources()));
        Collections.reverse(ordered);
        List<String> stopped = new ArrayList<>();
        for (Primitive p : ordered) {
            if (!which.test(p)) {
                continue;
            }
            synchronized (this) {
                Local local = locals.get(p.id());
                if (local != null && local.observed == Observed.STOPPED) {
                    continue;
                }
            }
            OcfResult result = agents.apply(p).stop(timeout(p, "stop"));
            synchronized (this) {
                Local local = locals.computeIfAbsent(p.id(), id -> new Local());
                local.primitive = p;
                local.observed = result.succeeded() ? Observed.STOPPED : Observed.FAILED;
            }
            if (result.succeeded()) {
                stopped.add(p.id());
            } else {
                String text = why + ": could not stop " + what + "resource " + p.id() + " (rc " + result.rc() + "): "
                        + result.exitReason();
                LOG.error(text);
                events.accept(text);
            }
        }
        if (stopped.isEmpty()) {
            return null;
        }
        String done = why + ": stopped " + what + String.join(", ", stopped);
        events.accept(done);
        statesChanged.run();
        return done;
    }

    /** Lets lease-bound resources start again under the lease held now (a failure report did not release it). */
    void resumeLeaseBound() {
        releasedGeneration = NO_GENERATION;
        scheduleIn(0);
    }

    // --- the executor's thread ------------------------------------------------------------------------

    private void scheduleIn(long delayMillis) {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (pending != null && pending.getDelay(TimeUnit.MILLISECONDS) <= delayMillis) {
                return;
            }
            if (pending != null) {
                pending.cancel(false);
            }
            try {
                pending = thread.schedule(this::pass, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pending = null;
            }
        }
    }

    private void pass() {
        synchronized (this) {
            pending = null;
        }
        if (closed) {
            return;
        }
        long next = IDLE_MILLIS;
        try {
            next = runPass();
        } catch (RuntimeException e) {
            LOG.error("resource pass failed: " + e, e);
        }
        scheduleIn(next);
    }

    /** One pass; returns how long until the next one is due. */
    long runPass() {
        Cib cib = store.localCopy();
        if (!cib.initialized()) {
            return IDLE_MILLIS;
        }
        retryUnreported();
        Resources resources = cib.resources();
        ResourceRuntime runtime = cib.resourceRuntime();
        if (!restartsRecorded) {
            // why: restarts asked for before this agent started were carried out by the agent that ran then.
            for (Primitive p : resources.primitives()) {
                markRestartSeen(resources, runtime, p.id());
            }
            restartsRecorded = true;
        }
        noteCleanups(cib);
        boolean maintenance = cib.maintenance().covers(self);
        boolean standby = cib.inStandby(self);
        // why: out of touch with the store for the node timeout, this node may be counted silent and its resources
        // placed elsewhere; lease-bound ones follow the lease instead
        boolean inTouch = inTouch();
        long generation = leaseGeneration.getAsLong();
        boolean masterHere = generation >= 0 && generation != releasedGeneration && primaryHere.getAsBoolean();
        long now = millis.getAsLong();
        List<Unit> units = new ArrayList<>();
        Set<String> present = new HashSet<>();
        synchronized (this) {
            for (Primitive p : ordered(resources)) {
                present.add(p.id());
                Local local = locals.computeIfAbsent(p.id(), id -> new Local());
                local.primitive = p;
                ResourceMeta meta = resources.effectiveMeta(p.id());
                local.managed = meta.managed() && !maintenance;
                units.add(new Unit(p.id(), resources.groupOf(p.id()).map(Group::id).orElse(null),
                        self.equals(runtime.placement().get(p.id())) && inTouch, meta.enabled(), local.managed, standby,
                        LocalResourcePlan.leaseBound(resources, p.id()), masterHere, local.observed, local.hold,
                        monitorDue(local, now), now < local.backoffUntil, restartWanted(resources, runtime, p.id())));
            }
            // A deleted resource still running here is stopped with its last definition; a stopped one is forgotten.
            for (var it = locals.entrySet().iterator(); it.hasNext();) {
                Map.Entry<String, Local> e = it.next();
                Local local = e.getValue();
                if (present.contains(e.getKey())) {
                    continue;
                }
                if (local.observed == Observed.STARTED || local.observed == Observed.FAILED) {
                    units.add(new Unit(e.getKey(), null, false, true, true, standby, false, masterHere, local.observed,
                            local.hold, false, now < local.backoffUntil, false));
                } else {
                    it.remove();
                }
            }
        }
        List<Step> steps = LocalResourcePlan.decide(units);
        markRestartsNotApplicable(resources, runtime, units, steps);
        boolean failed = false;
        for (Step step : steps) {
            if (closed) {
                break;
            }
            if (!run(step, cib)) {
                failed = true;
                // why: a failure changes what comes next (a group's order, a hold); the next pass decides anew.
                break;
            }
        }
        publishStates();
        if (!steps.isEmpty() && !failed && steps.stream().anyMatch(s -> s.kind() != Kind.MONITOR)) {
            return 0;
        }
        return nextDue(millis.getAsLong());
    }

    private boolean run(Step step, Cib cib) {
        Local local;
        synchronized (this) {
            local = locals.get(step.id());
        }
        Primitive p = local.primitive;
        ResourceAgent agent = agents.apply(p);
        switch (step.kind()) {
            case PROBE -> {
                OcfResult result = agent.monitor(timeout(p, "monitor"));
                touchMonitor(local);
                if (result.rc() == OcfResult.SUCCESS || result.rc() == OcfResult.NOT_RUNNING) {
                    observe(local, result.succeeded() ? Observed.STARTED : Observed.STOPPED);
                    return true;
                }
                return failed(local, Kind.PROBE, "monitor_0", result, p.operation("monitor").onFail());
            }
            case MONITOR -> {
                Observed before;
                synchronized (this) {
                    before = local.observed;
                }
                OcfResult result = agent.monitor(timeout(p, "monitor"));
                touchMonitor(local);
                if (result.succeeded()) {
                    observe(local, Observed.STARTED);
                    return true;
                }
                Observed now;
                synchronized (this) {
                    now = local.observed;
                }
                // why: a fence may have stopped it on the lease keeper's thread while this monitor ran; that is
                // no failure.
                if ((before != Observed.STARTED || now == Observed.STOPPED) && result.rc() == OcfResult.NOT_RUNNING) {
                    observe(local, Observed.STOPPED);
                    return true;
                }
                if (before == Observed.FAILED) {
                    // why: an unmanaged resource is monitored while failed; the same failure is counted once.
                    return true;
                }
                Operation monitor = p.operation("monitor");
                return failed(local, Kind.MONITOR, "monitor_" + monitor.intervalMillis(), result, monitor.onFail());
            }
            case START -> {
                return start(local, p, agent, step.reason());
            }
            case STOP -> {
                return stop(local, p, agent, step.reason());
            }
            case RESTART -> {
                boolean ok = stop(local, p, agent, step.reason()) && start(local, p, agent, step.reason());
                markRestartSeen(cib.resources(), cib.resourceRuntime(), p.id());
                return ok;
            }
        }
        return true;
    }

    private boolean start(Local local, Primitive p, ResourceAgent agent, String why) {
        OcfResult result = agent.start(timeout(p, "start"));
        if (!result.succeeded()) {
            return failed(local, Kind.START, "start_0", result, p.operation("start").onFail());
        }
        synchronized (this) {
            local.observed = Observed.STARTED;
            local.lastMonitorAt = millis.getAsLong();
        }
        // why after recording it as started: a fence that ran meanwhile may have stopped it already, or may run
        // now; the lease is checked again, as the writer VIP's claim does, so a lease lost during the start wins.
        Cib cib = store.localCopy();
        if (LocalResourcePlan.leaseBound(cib.resources(), p.id()) && !masterHere()) {
            stop(local, p, agent, "the primary lease ended while it started");
            say("not kept " + p.id() + ": the primary lease ended while it started");
            return true;
        }
        say("started " + p.id() + " (" + why + ")");
        return true;
    }

    private boolean stop(Local local, Primitive p, ResourceAgent agent, String why) {
        OcfResult result = agent.stop(timeout(p, "stop"));
        if (!result.succeeded()) {
            return failed(local, Kind.STOP, "stop_0", result, p.operation("stop").onFail());
        }
        observe(local, Observed.STOPPED);
        say("stopped " + p.id() + " (" + why + ")");
        return true;
    }

    private boolean masterHere() {
        long generation = leaseGeneration.getAsLong();
        return generation >= 0 && generation != releasedGeneration && primaryHere.getAsBoolean();
    }

    // Records the failure, reports it to the store and applies its on-fail; returns false.
    private boolean failed(Local local, Kind kind, String operation, OcfResult result, OnFail onFail) {
        if (closed) {
            // why: close() interrupts the operation under way; that is the agent stopping, not the resource failing.
            return false;
        }
        String id = local.primitive.id();
        boolean managed;
        synchronized (this) {
            FailureResponse response = LocalResourcePlan.onFailure(kind, onFail, local.observed, local.hold,
                    result.rc());
            local.observed = response.observed();
            local.hold = response.hold();
            local.failures++;
            local.backoffUntil = millis.getAsLong() + timings.restartDelayMillis(local.failures);
            managed = local.managed;
        }
        String text = id + " " + operation + " failed (rc " + result.rc() + ", " + OcfResult.describe(result.rc())
                + "): " + result.exitReason() + "; on-fail=" + onFail.text();
        LOG.warn(text);
        events.accept(text);
        report(new ReportResourceFailure(self, id, operation, result.rc(), result.exitReason(), Executor.wallClock()));
        if (onFail == OnFail.STANDBY && managed) {
            try {
                CommandResult standby = store.submit(new SetStandby(self, true), STORE_TIMEOUT);
                say("on-fail=standby of " + id + ": " + standby.message());
            } catch (StoreUnavailableException e) {
                LOG.warn("on-fail=standby of " + id + ": could not put " + self + " in standby: " + e.getMessage());
            }
        }
        publishStates();
        return false;
    }

    private void report(ReportResourceFailure failure) {
        try {
            CommandResult result = store.submit(failure, STORE_TIMEOUT);
            if (result.applied()) {
                synchronized (this) {
                    Local local = locals.get(failure.resource());
                    if (local != null) {
                        // why: a cleanup is seen as the fail-count dropping to 0; this one counts from here.
                        local.lastFailCount = Math.max(local.lastFailCount, 1);
                    }
                }
            }
        } catch (StoreUnavailableException e) {
            LOG.warn("could not record the failure of " + failure.resource() + " yet (" + e.getMessage()
                    + "); retrying");
            unreported.add(failure);
        }
    }

    private void retryUnreported() {
        int n = unreported.size();
        for (int i = 0; i < n; i++) {
            report(unreported.poll());
        }
    }

    // A fail-count that dropped to 0 was cleaned up (or expired): the resource's failure state is forgotten and
    // it is probed again, as Pacemaker re-probes after cleanup. A standby this node asked for ends its hold.
    private void noteCleanups(Cib cib) {
        synchronized (this) {
            locals.forEach((id, local) -> {
                int count = cib.resourceRuntime().failCount(id, self).count();
                if (local.lastFailCount > 0 && count == 0) {
                    local.hold = Hold.NONE;
                    local.failures = 0;
                    local.backoffUntil = 0;
                    if (local.observed == Observed.FAILED) {
                        local.observed = Observed.UNKNOWN;
                    }
                }
                local.lastFailCount = count;
                if (local.hold == Hold.STOP_UNTIL_STANDBY && cib.inStandby(self)) {
                    local.hold = Hold.NONE;
                }
            });
        }
    }

    /**
     * The keys of {@link ResourceRuntime#restarts()} that ask for a restart of primitive {@code id} here: its own and
     * its group's, each for every node and for this one ({@code id}, {@code id@node}; ResourceRuntime.restartKey).
     */
    private List<String> restartKeys(Resources resources, String id) {
        List<String> keys = new ArrayList<>(List.of(id, ResourceRuntime.restartKey(id, self)));
        resources.groupOf(id).ifPresent(g -> keys.addAll(List.of(g.id(), ResourceRuntime.restartKey(g.id(), self))));
        return keys;
    }

    private boolean restartWanted(Resources resources, ResourceRuntime runtime, String id) {
        return restartKeys(resources, id).stream().anyMatch(key -> runtime.restarts().getOrDefault(key, 0L)
                > seenRestarts.getOrDefault(id + " " + key, 0L));
    }

    private void markRestartSeen(Resources resources, ResourceRuntime runtime, String id) {
        for (String key : restartKeys(resources, id)) {
            seenRestarts.put(id + " " + key, runtime.restarts().getOrDefault(key, 0L));
        }
    }

    // A restart of a resource that does not run here, or that pgpacer may not touch, is done as far as this node
    // is concerned; one that runs here waits for its RESTART step (after a back-off, say).
    private void markRestartsNotApplicable(Resources resources, ResourceRuntime runtime, List<Unit> units,
            List<Step> steps) {
        for (Unit u : units) {
            if (u.restartRequested() && (u.observed() != Observed.STARTED || !u.managed())
                    && steps.stream().noneMatch(s -> s.id().equals(u.id()) && s.kind() == Kind.RESTART)) {
                markRestartSeen(resources, runtime, u.id());
            }
        }
    }

    private void observe(Local local, Observed observed) {
        synchronized (this) {
            local.observed = observed;
        }
    }

    private void touchMonitor(Local local) {
        synchronized (this) {
            local.lastMonitorAt = millis.getAsLong();
        }
    }

    private synchronized boolean monitorDue(Local local, long now) {
        return now - local.lastMonitorAt >= local.primitive.operation("monitor").intervalMillis();
    }

    private synchronized long nextDue(long now) {
        long next = IDLE_MILLIS;
        for (Local local : locals.values()) {
            if (local.primitive == null) {
                continue;
            }
            if (local.observed == Observed.STARTED || !local.managed) {
                next = Math.min(next, local.lastMonitorAt + local.primitive.operation("monitor").intervalMillis() - now);
            }
            if (local.backoffUntil > now) {
                next = Math.min(next, local.backoffUntil - now);
            }
        }
        return Math.max(0, next);
    }

    // States go into the node's report; a change wakes the agent's loop so that the report goes out soon.
    private void publishStates() {
        boolean changed = false;
        synchronized (this) {
            for (Local local : locals.values()) {
                if (local.observed == Observed.UNKNOWN) {
                    continue;
                }
                String state = local.hold == Hold.BLOCKED ? ResourceState.BLOCKED
                        : switch (local.observed) {
                            case STARTED -> ResourceState.STARTED;
                            case FAILED -> ResourceState.FAILED;
                            default -> ResourceState.STOPPED;
                        };
                ResourceState before = local.reported;
                if (before == null || !before.state().equals(state) || before.managed() != local.managed) {
                    local.reported = new ResourceState(state, local.managed, before != null
                            && before.state().equals(state) ? before.since() : Executor.wallClock());
                    changed = true;
                }
            }
        }
        if (changed) {
            statesChanged.run();
        }
    }

    private void say(String text) {
        LOG.info(text);
        events.accept(text);
    }

    private static Duration timeout(Primitive p, String operation) {
        return Duration.ofMillis(p.operation(operation).timeoutMillis());
    }

    /** The primitives in the order they start: a group's members together, in the group's order. */
    static List<Primitive> ordered(Resources resources) {
        List<Primitive> ordered = new ArrayList<>();
        Set<String> done = new HashSet<>();
        for (Primitive p : resources.primitives()) {
            if (done.contains(p.id())) {
                continue;
            }
            var group = resources.groupOf(p.id());
            if (group.isEmpty()) {
                ordered.add(p);
                done.add(p.id());
                continue;
            }
            for (String member : group.get().members()) {
                resources.primitive(member).filter(m -> done.add(m.id())).ifPresent(ordered::add);
            }
        }
        return ordered;
    }

    /**
     * Ends the executor's thread, then stops every resource that runs here, last group member first: the agent's
     * death takes PostgreSQL and the writer VIP with it, and a resource nobody monitors any more would run twice
     * once the controller places it on another node. Stop failures are logged.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (pending != null) {
                pending.cancel(false);
            }
        }
        contactTimer.shutdownNow();
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("a resource operation still runs after 30 s; stopping the resources anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Local> running = new ArrayList<>();
        synchronized (this) {
            Map<String, Local> byId = new LinkedHashMap<>(locals);
            List<String> order = new ArrayList<>(ordered(store.localCopy().resources()).stream().map(Primitive::id)
                    .toList());
            byId.keySet().stream().filter(id -> !order.contains(id)).forEach(order::add);
            Collections.reverse(order);
            for (String id : order) {
                Local local = byId.get(id);
                if (local != null && local.primitive != null && local.managed
                        && (local.observed == Observed.STARTED || local.observed == Observed.FAILED)) {
                    running.add(local);
                }
            }
        }
        for (Local local : running) {
            OcfResult result = agents.apply(local.primitive).stop(timeout(local.primitive, "stop"));
            if (result.succeeded()) {
                say("agent stop: stopped " + local.primitive.id());
            } else {
                LOG.error("agent stop: could not stop " + local.primitive.id() + " (rc " + result.rc() + "): "
                        + result.exitReason());
            }
        }
    }
}
