package io.pgpacer.sim;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.decide.Observations;
import io.pgpacer.core.decide.Plan;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One simulated host: its monotonic clock (a rate that may be skewed, read in true time), its place in the network
 * (hosts in the same group reach each other), whether it is frozen, its PostgreSQL (none on a witness), and the agent
 * process with its store member, lease keeper (renewal and fencing as LeaseKeeper does them), controller (the real
 * scheduler while this member leads the store) and observations (the agent's own Observations).
 */
final class SimHost {

    static final long MARGIN_MILLIS = Lease.fenceMarginMillis(Simulation.LEASE_MILLIS);
    static final long GUARD_MARGIN_MILLIS = Math.max(50, MARGIN_MILLIS / 4);
    static final long RENEW_MILLIS = Simulation.LEASE_MILLIS / 4;

    final Simulation sim;
    final String name;
    final boolean witness;
    int group;
    boolean frozen;
    final List<Runnable> deferred = new ArrayList<>();
    boolean agentAlive;
    /** Grows with every agent start: events of an agent that died are dropped. */
    int incarnation;
    final SimPostgres pg;
    SimAgent agent;
    Cib copy;
    private long clockOffset;
    private double rate = 1.0;

    // the lease keeper
    long generation = -1;
    long deadline;

    // the controller
    private long leaderSince = -1;

    /** The store member's observations, the agent's own class; a new agent starts with none. */
    private Observations observations;

    SimHost(Simulation sim, String name, boolean witness, int index) {
        this.sim = sim;
        this.name = name;
        this.witness = witness;
        this.pg = witness ? null : new SimPostgres();
        this.clockOffset = 1_000_000L * (index + 1) + sim.random.nextInt(100_000);
        this.observations = newObservations();
    }

    private Observations newObservations() {
        return new Observations(this::clock, () -> Simulation.EPOCH_MILLIS + sim.now);
    }

    long clock() {
        return clockOffset + (long) (sim.now * rate);
    }

    /** Changes the clock's rate without a jump: monotonic clocks drift, they never step. */
    void skew(double newRate) {
        long reading = clock();
        rate = newRate;
        clockOffset = reading - (long) (sim.now * rate);
    }

    /** True-time delay for {@code hostMillis} on this host's clock. */
    long delay(long hostMillis) {
        return (long) Math.ceil(hostMillis / rate);
    }

    void later(long hostMillis, Runnable action) {
        sim.at(delay(hostMillis), this, action);
    }

    String describe() {
        if (pg == null) {
            return "witness" + (agentAlive ? "" : ", agent dead") + (frozen ? ", frozen" : "");
        }
        return (pg.running ? pg.inRecovery ? pg.streaming ? "streaming from " + pg.upstream
                : "standby (upstream " + pg.upstream + ") not streaming" : "writable" : "stopped")
                + " tl " + pg.timeline() + " at " + pg.end() + (pg.grantGeneration > 0 ? ", grant g"
                + pg.grantGeneration + " until " + (pg.grantDeadline - clock()) + " ms from now" : "")
                + (generation >= 0 ? ", keeper holds g" + generation + " for " + (deadline - clock()) + " ms" : "")
                + (agentAlive ? "" : ", agent dead") + (frozen ? ", frozen" : "") + ", group " + group;
    }

    // --- the agent process ------------------------------------------------------------------------------------

    void startAgent(long afterMillis) {
        sim.at(afterMillis, null, () -> {
            agentAlive = true;
            incarnation++;
            generation = -1;
            leaderSince = -1;
            observations = newObservations();
            sim.trace.say(sim.now, name, "agent starts");
            if (pg != null) {
                agent = new SimAgent(this);
                agent.wake();
            }
            keeperTick();
            controllerTick();
            sim.store.propagate();
        });
    }

    /** kill -9 of the agent: its store member, keeper and controller go; PostgreSQL survives when {@code pgSurvives}. */
    void killAgent(boolean pgSurvives, long restartAfter) {
        if (!agentAlive) {
            return;
        }
        agentAlive = false;
        incarnation++;
        deferred.clear();
        generation = -1;
        if (pg != null && !pgSurvives && pg.running) {
            pg.stop();
        }
        sim.trace.say(sim.now, name, "agent killed" + (pg == null ? "" : pgSurvives ? ", PostgreSQL survives"
                : ", PostgreSQL stopped with it"));
        startAgent(restartAfter);
    }

    void freeze() {
        frozen = true;
        sim.trace.say(sim.now, name, "host frozen");
    }

    void thaw() {
        frozen = false;
        sim.trace.say(sim.now, name, "host thawed");
        List<Runnable> due = new ArrayList<>(deferred);
        deferred.clear();
        for (Runnable action : due) {
            sim.at(0, this, action);
        }
    }

    // --- the store member's observations ---------------------------------------------------------------------------

    void applied(Cib cib) {
        Cib before = copy;
        copy = cib;
        observations.record(cib);
        if (agent != null && agentAlive && decisionsChanged(before, cib)) {
            agent.wake();
        }
    }

    private static boolean decisionsChanged(Cib before, Cib after) {
        return before == null || before.goalsVersion() != after.goalsVersion()
                || !before.lease().holding().equals(after.lease().holding())
                || !Objects.equals(before.switchover(), after.switchover());
    }

    // --- the controller (agent/Controller) -----------------------------------------------------------------------

    private void controllerTick() {
        later(Simulation.CONTROLLER_TICK_MILLIS, this::controllerTick);
        if (!name.equals(sim.store.leader)) {
            leaderSince = -1;
            return;
        }
        if (leaderSince < 0) {
            leaderSince = clock();
            sim.trace.say(sim.now, name, "becomes the controller");
        }
        Cib cib = copy;
        Plan plan = sim.setup.decider().apply(observations.snapshot(cib, leaderSince));
        try {
            for (Plan.Step step : plan.steps()) {
                CommandResult result = sim.submit(this, step.command());
                sim.trace.say(sim.now, name, "controller: ", step.command().getClass().getSimpleName() + " "
                        + (result.applied() ? "applied" : "refused (" + result.message() + ")") + ": "
                        + step.reason());
                if (!result.applied()) {
                    return;
                }
            }
            if (!Objects.equals(plan.activity(), cib.controllerActivity())) {
                sim.submit(this, new StoreCommand.SetControllerActivity(plan.activity()));
            }
        } catch (SimStore.Unavailable e) {
            // the controller tries again on its next tick, as Controller does after a StoreUnavailableException
        }
    }

    // --- the lease keeper (agent/LeaseKeeper) ---------------------------------------------------------------------

    boolean holdsLease() {
        return generation >= 0 && clock() < deadline;
    }

    void hold(long leaseGeneration, long sentAt) {
        generation = leaseGeneration;
        deadline = sentAt + Simulation.LEASE_MILLIS - MARGIN_MILLIS;
        fenceAtDeadline();
    }

    private void fenceAtDeadline() {
        long gen = generation;
        long at = deadline;
        later(Math.max(0, at - clock()), () -> {
            if (generation == gen && clock() >= deadline) {
                lose("lease generation " + gen + " could not be renewed within "
                        + (Simulation.LEASE_MILLIS - MARGIN_MILLIS) + " ms");
            }
        });
    }

    private void keeperTick() {
        later(RENEW_MILLIS, this::keeperTick);
        if (generation < 0) {
            return;
        }
        if (clock() >= deadline) {
            lose("lease generation " + generation + " ran out");
            return;
        }
        long gen = generation;
        long sentAt = clock();
        try {
            CommandResult result = sim.submit(this, new StoreCommand.RenewLease(name, gen));
            if (generation != gen) {
                return;
            }
            if (result.applied()) {
                deadline = Math.max(deadline, sentAt + Simulation.LEASE_MILLIS - MARGIN_MILLIS);
                grantCommitGuard();
                fenceAtDeadline();
            } else {
                lose("the store refused the renewal: " + result.message());
            }
        } catch (SimStore.Unavailable e) {
            // not confirmed: the deadline stands, and fencing comes at it unless a later renewal lands
        }
    }

    /** PostgreSQL's commit guard takes the lease until a margin before the keeper's fencing deadline. */
    void grantCommitGuard() {
        if (generation >= 0 && pg != null && pg.running) {
            pg.grantGeneration = generation;
            pg.grantDeadline = deadline - GUARD_MARGIN_MILLIS;
        }
    }

    void release() {
        long released = generation;
        generation = -1;
        if (released >= 0) {
            try {
                sim.submit(this, new StoreCommand.ReleaseLease(name, released));
            } catch (SimStore.Unavailable e) {
                // it expires
            }
        }
    }

    void forget() {
        generation = -1;
    }

    private void lose(String reason) {
        generation = -1;
        sim.trace.say(sim.now, name, "fencing: ", reason);
        if (agent != null) {
            agent.fence();
        }
    }
}
