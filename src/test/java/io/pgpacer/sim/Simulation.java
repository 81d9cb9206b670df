package io.pgpacer.sim;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.RecoveryPolicy;
import io.pgpacer.core.cib.ReplicationMode;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.cib.SyncPolicy;
import io.pgpacer.core.command.CibReducer;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.Outcome;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.decide.ClusterSnapshot;
import io.pgpacer.core.decide.Plan;
import io.pgpacer.core.decide.Scheduler;
import io.pgpacer.core.resource.Resources;
import io.pgpacer.core.timeline.TimelineCheck;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.Function;

/**
 * A deterministic discrete-event simulation of one pgpacer cluster (issue 16 point 5): the real {@link Scheduler},
 * {@link CibReducer} and node state machine ({@link SimAgent} runs {@code NodeMachine.next} with a step runner that does
 * what the agent's Executor does) against a simulated store (one log, majority commit, leader elections), simulated
 * PostgreSQL ({@link SimPostgres}), network (partitions) and host clocks (skewed rates, freezes), all on one thread,
 * in virtual time, driven by one {@link Random} from the seed. A random fault schedule runs, then every fault heals;
 * S1, S2 and S3 are checked after every event and liveness at the end ({@link SimulationFailure} says which broke).
 */
final class Simulation {

    /** What one run is: the seed, the cluster's shape, the decision rule and the safety mechanisms under test. */
    record Setup(long seed, int dataNodes, boolean witness, boolean sync, Function<ClusterSnapshot, Plan> decider,
            boolean fullTrace) {

        static Setup of(long seed) {
            // why from the seed: every shape is covered by every campaign, and a seed names its shape too
            int shape = (int) Math.floorMod(seed, 10L);
            int nodes = shape == 7 ? 2 : shape == 8 ? 5 : 3;
            return new Setup(seed, nodes, shape == 7, Math.floorMod(seed / 10, 2) == 0, Scheduler::decide, false);
        }

        Setup withDecider(Function<ClusterSnapshot, Plan> rule) {
            return new Setup(seed, dataNodes, witness, sync, rule, fullTrace);
        }

        Setup withFullTrace() {
            return new Setup(seed, dataNodes, witness, sync, decider, true);
        }

        String describe() {
            return dataNodes + " data nodes" + (witness ? " + 1 witness" : "") + ", " + (sync ? "sync" : "async")
                    + " replication";
        }
    }

    static final long LEASE_MILLIS = 3_000;
    static final long NODE_TIMEOUT_MILLIS = 3_000;
    static final long BOOTSTRAP_WAIT_MILLIS = 2_000;
    static final long MONITOR_MILLIS = 1_000;
    static final long FAST_MILLIS = 200;
    static final long CONTROLLER_TICK_MILLIS = 200;
    static final long REPLICATION_TICK_MILLIS = 100;
    static final long CLIENT_TICK_MILLIS = 100;
    static final long FAULT_WINDOW_MILLIS = 15_000;
    static final long LIVENESS_BOUND_MILLIS = 60_000;
    static final long EPOCH_MILLIS = Instant.parse("2026-12-07T12:00:00Z").toEpochMilli();

    final Setup setup;
    final Random random;
    final Trace trace;
    final List<SimHost> hosts = new ArrayList<>();
    final Map<String, SimHost> byName = new LinkedHashMap<>();
    final SimStore store;
    /** Commits acknowledged after a sync standby held them: S2 says none is ever lost. */
    final List<SimPostgres.Commit> acked = new ArrayList<>();
    long asyncAcks;
    /**
     * Sync mode: commits acknowledged without any standby within sync-timeout of their primary's promotion. Seed 901
     * found them: a new primary waited for nobody until its first sync step, and a failover then lost what it had
     * acknowledged alone. Since SyncPlanner.atPromotion it waits from its first commit; S2 holds them to the promise.
     */
    long earlyAsyncAcks;
    /** {@code -Dsim.s2=lenient}: S2 lets those early commits go (to study a change that brings them back). */
    static final boolean STRICT_S2 = !"lenient".equals(System.getProperty("sim.s2"));
    // why the writer's own clock: sync-timeout runs on the host that falls back, whose clock may run fast
    private long servingSinceByItsClock;
    final ClusterSettings settings;
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private long sequence;
    private int nextBranch = 1;
    long now;
    private long lastFaultEnds;
    private String servingChecked = "";
    private List<PromotionRecord> historySeen = List.of();
    final List<String> faults = new ArrayList<>();
    /** What the run covered: the faults drawn and the node state machine's edges taken. */
    final List<FaultSchedule.Kind> faultKinds = new ArrayList<>();
    final java.util.EnumSet<io.pgpacer.core.node.Edge> edgesTaken = java.util.EnumSet.noneOf(
            io.pgpacer.core.node.Edge.class);
    long events;

    private record Event(long at, long seq, SimHost host, int incarnation, Runnable action)
            implements Comparable<Event> {

        @Override
        public int compareTo(Event other) {
            return at != other.at ? Long.compare(at, other.at) : Long.compare(seq, other.seq);
        }
    }

    Simulation(Setup setup) {
        this.setup = setup;
        this.random = new Random(setup.seed());
        this.trace = new Trace(setup.fullTrace());
        List<NodeSpec> specs = new ArrayList<>();
        for (int i = 1; i <= setup.dataNodes(); i++) {
            specs.add(new NodeSpec("n" + i, "10.0.0." + i, 7001, 7101, 5432, false));
        }
        if (setup.witness()) {
            specs.add(new NodeSpec("w" + (setup.dataNodes() + 1), "10.0.0.9", 7001, 7101, 5432, true));
        }
        SyncPolicy sync = setup.sync() ? new SyncPolicy(ReplicationMode.SYNC, 1, 5_000, false) : SyncPolicy.ASYNC;
        this.settings = new ClusterSettings(3, LEASE_MILLIS, NODE_TIMEOUT_MILLIS, BOOTSTRAP_WAIT_MILLIS, sync,
                RecoveryPolicy.DEFAULTS, null, 20_000);
        Cib initial = CibReducer.apply(Cib.EMPTY, new StoreCommand.InitializeCluster("sim", specs, settings,
                Resources.EMPTY)).cib();
        for (NodeSpec spec : specs) {
            SimHost host = new SimHost(this, spec.name(), spec.witness(), hosts.size());
            hosts.add(host);
            byName.put(spec.name(), host);
        }
        this.store = new SimStore(this, initial);
    }

    // --- the event loop ---------------------------------------------------------------------------------------

    /** Schedules {@code action} {@code delay} ms of true time from now; for a host's agent, dropped once it died. */
    void at(long delay, SimHost host, Runnable action) {
        queue.add(new Event(now + Math.max(0, delay), sequence++, host, host == null ? 0 : host.incarnation, action));
    }

    /** The whole run: bootstrap, faults, heal, and the liveness bound; throws {@link SimulationFailure}. */
    Result run() {
        trace.say(0, "sim", "seed " + setup.seed() + ": " + setup.describe());
        store.elect();
        for (SimHost host : hosts) {
            host.startAgent(random.nextInt(300));
        }
        repeat(REPLICATION_TICK_MILLIS, this::replicate);
        repeat(CLIENT_TICK_MILLIS, this::clientWrites);
        repeat(100, store::keepLeader);
        long healedAt = new FaultSchedule(this).plan();
        lastFaultEnds = healedAt;
        long deadline = healedAt + LIVENESS_BOUND_MILLIS;
        while (!queue.isEmpty()) {
            Event event = queue.poll();
            if (event.at() > deadline) {
                break;
            }
            now = event.at();
            if (event.host() != null) {
                if (event.incarnation() != event.host().incarnation) {
                    continue;
                }
                if (event.host().frozen) {
                    event.host().deferred.add(event.action());
                    continue;
                }
            }
            events++;
            event.action().run();
            store.propagate();
            check();
            if (now > healedAt && healthy()) {
                trace.say(now, "sim", "healthy " + (now - healedAt) + " ms after the last fault healed");
                return new Result(now - healedAt, events);
            }
        }
        throw failure("liveness: no healthy cluster (one primary serving, every other data node streaming from it)"
                + " within " + LIVENESS_BOUND_MILLIS / 1000 + " s after the last fault healed at " + healedAt
                + " ms; state: " + state());
    }

    /** How a run ended: how long the cluster took to settle after the last fault, and the events it took. */
    record Result(long settleMillis, long events) {
    }

    private void repeat(long every, Runnable action) {
        at(every, null, () -> {
            action.run();
            repeat(every, action);
        });
    }

    int newBranch() {
        return nextBranch++;
    }

    private long wallClockAt = -1;
    private String wallClock;

    /** The wall clock for the CIB's operator-facing times ("at"); no decision depends on it. */
    String wallClock() {
        if (wallClockAt != now) {
            wallClockAt = now;
            wallClock = Instant.ofEpochMilli(EPOCH_MILLIS + now).toString();
        }
        return wallClock;
    }

    SimulationFailure failure(String what) {
        return new SimulationFailure(setup, what, now, trace.render(), faults);
    }

    // --- the network ------------------------------------------------------------------------------------------

    /** Links cut one by one (a non-transitive partition: a reaches b and b reaches c, but a not c). */
    final java.util.Set<String> cutLinks = new java.util.HashSet<>();

    boolean connected(SimHost a, SimHost b) {
        return a == b || a.group == b.group && (cutLinks.isEmpty() || !cutLinks.contains(link(a, b)));
    }

    static String link(SimHost a, SimHost b) {
        return a.name.compareTo(b.name) < 0 ? a.name + "-" + b.name : b.name + "-" + a.name;
    }

    // --- replication and the client ---------------------------------------------------------------------------

    // Every running standby streams from its configured upstream while the network allows and its WAL is a prefix of
    // the upstream's; a primary's sync commits are acknowledged once enough of the standbys it waits for hold them.
    private void replicate() {
        for (SimHost host : hosts) {
            SimPostgres pg = host.pg;
            if (pg == null || !pg.running || !pg.inRecovery || host.frozen) {
                continue;
            }
            SimHost up = pg.upstream == null ? null : byName.get(pg.upstream);
            boolean can = up != null && up.pg != null && up.pg.running && !up.frozen && connected(host, up)
                    && SimPostgres.prefixOf(pg.wal, up.pg.wal);
            if (can) {
                pg.wal = up.pg.wal;
            }
            if (can != pg.streaming) {
                trace.say(now, host.name, can ? "streams from " + up.name : "stops streaming from " + pg.upstream);
            }
            pg.streaming = can;
        }
        for (SimHost host : hosts) {
            if (host.pg != null && !host.pg.pending.isEmpty() && canAcknowledge(host)) {
                acknowledgePending(host);
            }
        }
    }

    /** Streams what the primary wrote to its connected standbys at once (a clean shutdown's walsenders do). */
    void flushToStandbys(SimHost primary) {
        for (SimHost host : hosts) {
            SimPostgres pg = host.pg;
            if (pg != null && pg.running && pg.inRecovery && primary.name.equals(pg.upstream) && !host.frozen
                    && connected(host, primary) && SimPostgres.prefixOf(pg.wal, primary.pg.wal)) {
                pg.wal = primary.pg.wal;
            }
        }
    }

    private void acknowledgePending(SimHost primary) {
        SimPostgres pg = primary.pg;
        List<SimPostgres.Commit> done = new ArrayList<>();
        if (pg.waitingK == 0 || pg.waitingFor.isEmpty()) {
            // why not kept for S2: PostgreSQL stopped waiting (the sync set fell back to asynchronous after
            // sync-timeout, strict off): the commits that waited are released without a standby holding them
            asyncAcks += pg.pending.size();
            pg.pending.clear();
            return;
        }
        for (SimPostgres.Commit commit : pg.pending) {
            if (syncAcks(primary, commit) < pg.waitingK) {
                break;
            }
            done.add(new SimPostgres.Commit(commit.branch(), commit.lsn(), now, primary.name));
        }
        if (!done.isEmpty()) {
            pg.pending.subList(0, done.size()).clear();
            acked.addAll(done);
        }
    }

    private int syncAcks(SimHost primary, SimPostgres.Commit commit) {
        int acks = 0;
        for (String name : primary.pg.waitingFor) {
            SimHost standby = byName.get(name);
            if (standby != null && standby.pg != null && standby.pg.streaming
                    && primary.name.equals(standby.pg.upstream) && standby.pg.holds(commit)) {
                acks++;
            }
        }
        return acks;
    }

    // The client writes to every node that accepts a write; a commit is acknowledged at once (asynchronous, or no
    // standby waited for) or once its sync standbys hold it.
    private void clientWrites() {
        for (SimHost host : hosts) {
            if (!canAcknowledge(host)) {
                continue;
            }
            SimPostgres pg = host.pg;
            long lsn = pg.write(64 + random.nextInt(512));
            SimPostgres.Commit commit = new SimPostgres.Commit(pg.last().branch(), lsn, now, host.name);
            if (pg.waitingFor.isEmpty() || pg.waitingK == 0) {
                // why not kept for S2: acknowledged without waiting for a standby, asynchronously by definition
                // (asynchronous mode, or the sync set fell back to empty); a failover may lose it
                asyncAcks++;
                long serving = host.clock() - servingSinceByItsClock;
                if (setup.sync() && pg.wal.size() > 1 && serving < settings.sync().syncTimeoutMillis()) {
                    if (earlyAsyncAcks == 0) {
                        trace.say(now, host.name, "acknowledges a commit without a sync standby " + serving
                                + " ms (by its clock) after it began to accept writes");
                    }
                    earlyAsyncAcks++;
                    if (STRICT_S2) {
                        acked.add(commit);
                    }
                }
            } else {
                pg.pending.add(commit);
            }
        }
    }

    /**
     * S1's predicate: a write is acknowledged only by a running, unfrozen, writable PostgreSQL whose commit guard
     * grant has not run out by the host's clock.
     */
    boolean canAcknowledge(SimHost host) {
        SimPostgres pg = host.pg;
        return pg != null && pg.running && !pg.inRecovery && !host.frozen && pg.grantGeneration > 0
                && host.clock() < pg.grantDeadline;
    }

    // --- the invariants ---------------------------------------------------------------------------------------

    private void check() {
        SimHost writer = null;
        for (SimHost host : hosts) {
            if (canAcknowledge(host)) {
                if (writer != null) {
                    throw failure("S1: two nodes can acknowledge a write at " + now + " ms: " + writer.name + " ("
                            + writer.describe() + ") and " + host.name + " (" + host.describe() + ")");
                }
                writer = host;
            }
        }
        checkHistory();
        if (writer != null) {
            String serving = writer.name + "/" + writer.pg.last().branch();
            if (!serving.equals(servingChecked)) {
                servingChecked = serving;
                servingSinceByItsClock = writer.clock();
                trace.say(now, writer.name, "accepts writes on timeline " + writer.pg.timeline() + " (branch "
                        + writer.pg.last().branch() + ") at " + writer.pg.end());
                checkServing(writer);
            }
        }
    }

    // S2 and S3 for a node that starts to serve: in sync mode it holds every acknowledged commit; its WAL is on the
    // history as the store records it.
    private void checkServing(SimHost writer) {
        if (setup.sync()) {
            for (SimPostgres.Commit commit : acked) {
                if (!writer.pg.holds(commit)) {
                    throw failure("S2: " + writer.name + " accepts writes on timeline " + writer.pg.timeline()
                            + " but lacks the commit acknowledged by " + commit.on() + " at " + commit.ackedAt()
                            + " ms (branch " + commit.branch() + ", lsn " + commit.lsn() + "); its WAL: "
                            + writer.pg.wal);
                }
            }
        }
        TimelineCheck.Verdict verdict = TimelineCheck.check(store.cib.history(), writer.pg.localWal());
        if (verdict.diverged()) {
            throw failure("S3: " + writer.name + " accepts writes with WAL off the recorded history: "
                    + verdict.reason());
        }
    }

    // S3: the timeline history only grows; its last entry may only be confirmed or given its phases.
    private void checkHistory() {
        List<PromotionRecord> history = store.cib.history();
        if (history == historySeen) {
            return;
        }
        List<PromotionRecord> before = historySeen;
        historySeen = history;
        if (history.size() < before.size()) {
            throw failure("S3: the timeline history shrank from " + before + " to " + history);
        }
        for (int i = 0; i < before.size(); i++) {
            PromotionRecord was = before.get(i);
            PromotionRecord is = history.get(i);
            boolean same = was.equals(is) || was.node().equals(is.node()) && was.oldTimeline() == is.oldTimeline()
                    && was.at().equals(is.at()) && (!was.confirmed() || is.confirmed()
                    && was.newTimeline() == is.newTimeline() && was.switchLsn().equals(is.switchLsn()));
            if (!same) {
                throw failure("S3: timeline history entry " + i + " changed from " + was + " to " + is);
            }
        }
    }

    // Liveness: one node serves as primary under the lease, every other data node streams from it, and no switchover
    // is under way.
    private boolean healthy() {
        Cib cib = store.cib;
        String holder = cib.lease().holder();
        if (holder == null || store.leader == null) {
            return false;
        }
        SimHost primary = byName.get(holder);
        if (!canAcknowledge(primary)) {
            return false;
        }
        for (SimHost host : hosts) {
            if (host.pg == null || host == primary) {
                continue;
            }
            if (!host.pg.streaming || !holder.equals(host.pg.upstream)) {
                return false;
            }
        }
        // why the switchover too: an operator's switchover ends (done or given up) within the bound as well
        return cib.switchover() == null && cib.goalPrimary().filter(holder::equals).isPresent();
    }

    String state() {
        StringBuilder text = new StringBuilder();
        text.append("leader ").append(store.leader).append(", lease ").append(store.cib.lease()).append(", goals ");
        store.cib.goals().forEach((node, goal) -> text.append(node).append('=').append(goal.describe()).append(' '));
        for (SimHost host : hosts) {
            text.append("; ").append(host.name).append(": ").append(host.describe());
        }
        text.append("; history ").append(store.cib.history().size()).append(" entries, last ")
                .append(store.cib.lastPromotion().orElse(null));
        return text.toString();
    }

    /** Marks the end of the fault window for faults scheduled by {@link FaultSchedule}. */
    long lastFaultEnds() {
        return lastFaultEnds;
    }

    /** The trace: the last lines (all of them when replaying one seed), each with its virtual time and host. */
    static final class Trace {
        private static final int KEPT = 60;
        private final boolean full;
        private final Deque<Object[]> lines = new ArrayDeque<>();

        Trace(boolean full) {
            this.full = full;
        }

        void say(long at, String host, Object what) {
            lines.addLast(new Object[] {at, host, what});
            if (!full && lines.size() > KEPT) {
                lines.removeFirst();
            }
        }

        void say(long at, String host, String what, Object detail) {
            lines.addLast(new Object[] {at, host, what, detail});
            if (!full && lines.size() > KEPT) {
                lines.removeFirst();
            }
        }

        String render() {
            StringBuilder text = new StringBuilder();
            for (Object[] line : lines) {
                text.append(String.format("%9.3f s  %-4s ", ((Long) line[0]) / 1000.0, line[1]));
                for (int i = 2; i < line.length; i++) {
                    text.append(line[i]);
                }
                text.append('\n');
            }
            return text.toString();
        }
    }

    /** A broken invariant: the seed, what broke, the faults drawn and the trace that led there. */
    static final class SimulationFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Setup setup;

        SimulationFailure(Setup setup, String what, long at, String trace, List<String> faults) {
            super("seed " + setup.seed() + " (" + setup.describe() + "): " + what + "\nfaults: " + faults
                    + "\nreplay: mvn -B -ntp -o -q test -Dtest='SimulationTest#everyScheduleKeepsTheInvariants' -Dsim.seed="
                    + setup.seed() + (STRICT_S2 ? "" : " -Dsim.s2=lenient") + " -Dsurefire.failIfNoSpecifiedTests=false"
                    + " (the trace is in target/surefire-reports/io.pgpacer.sim.SimulationTest-output.txt)"
                    + "\ntrace (virtual time, host, what happened):\n"
                    + trace);
            this.setup = setup;
        }
    }

    static boolean isPrimaryGoal(Cib cib, String node) {
        return cib.goal(node).filter(g -> g.role() == Role.PRIMARY).isPresent();
    }

    static boolean reportsPrimary(Cib cib, String node) {
        return cib.report(node).filter(r -> r.pgState() == PgState.PRIMARY).isPresent();
    }

    /** Submits {@code command} through the store on behalf of {@code host}; see {@link SimStore#submit}. */
    CommandResult submit(SimHost host, StoreCommand command) {
        return store.submit(host, command);
    }

    static Outcome apply(Cib cib, StoreCommand command) {
        return CibReducer.apply(cib, command);
    }
}
