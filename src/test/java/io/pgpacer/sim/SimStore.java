package io.pgpacer.sim;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.Outcome;
import io.pgpacer.core.command.StoreCommand;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulated store with Raft's semantics as the agents see them: one log of commands applied by the real
 * {@code CibReducer}; a command commits only while its sender reaches the leader and the leader reaches a majority of
 * the members whose processes run (agent alive, host not frozen); a member reads through the majority under the same
 * condition; members connected to the leader apply every committed command (their local copies and observations);
 * a leader that lost its majority is replaced after an election timeout by a member of a connected majority.
 */
final class SimStore {

    /** The store's majority cannot be reached: as StoreUnavailableException in the agent. */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(String why) {
            super(why, null, false, false);
        }
    }

    private final Simulation sim;
    Cib cib;
    String leader;
    private long lostAt = -1;
    private long electionTimeout;

    SimStore(Simulation sim, Cib initial) {
        this.sim = sim;
        this.cib = initial;
        for (SimHost host : sim.hosts) {
            host.copy = initial;
        }
    }

    static boolean up(SimHost host) {
        return host.agentAlive && !host.frozen;
    }

    private int majority() {
        return sim.hosts.size() / 2 + 1;
    }

    private int reachableFrom(SimHost host) {
        int count = 0;
        for (SimHost other : sim.hosts) {
            if (up(other) && sim.connected(host, other)) {
                count++;
            }
        }
        return count;
    }

    boolean leaderServes() {
        SimHost at = leader == null ? null : sim.byName.get(leader);
        return at != null && up(at) && reachableFrom(at) >= majority();
    }

    private void reachable(SimHost from) {
        if (!up(from)) {
            throw new Unavailable(from.name + "'s store member does not run");
        }
        if (!leaderServes()) {
            throw new Unavailable("no store leader with a majority");
        }
        if (!sim.connected(from, sim.byName.get(leader))) {
            throw new Unavailable(from.name + " cannot reach the store leader " + leader);
        }
    }

    CommandResult submit(SimHost from, StoreCommand command) {
        reachable(from);
        Outcome outcome = Simulation.apply(cib, command);
        cib = outcome.cib();
        propagate();
        return outcome.result();
    }

    Cib read(SimHost from) {
        reachable(from);
        return cib;
    }

    /** Every member that reaches the running leader applies what was committed. */
    void propagate() {
        SimHost at = leader == null ? null : sim.byName.get(leader);
        if (at == null || !up(at)) {
            return;
        }
        for (SimHost host : sim.hosts) {
            if (host.copy != cib && up(host) && sim.connected(host, at)) {
                host.applied(cib);
            }
        }
    }

    /** Raft's leader election: a leader without its majority is replaced after an election timeout. */
    void keepLeader() {
        if (leaderServes()) {
            lostAt = -1;
            return;
        }
        if (lostAt < 0) {
            lostAt = sim.now;
            electionTimeout = 1_000 + sim.random.nextInt(1_000);
            return;
        }
        if (sim.now - lostAt >= electionTimeout) {
            elect();
        }
    }

    void elect() {
        List<SimHost> candidates = new ArrayList<>();
        for (SimHost host : sim.hosts) {
            if (up(host) && reachableFrom(host) >= majority()) {
                candidates.add(host);
            }
        }
        if (candidates.isEmpty()) {
            return;
        }
        SimHost chosen = candidates.get(sim.random.nextInt(candidates.size()));
        leader = chosen.name;
        lostAt = -1;
        sim.trace.say(sim.now, chosen.name, "becomes the store leader");
        propagate();
    }

    /** The leader steps down (its process stalls, a transfer): a new election follows after the timeout. */
    void loseLeader() {
        if (leader != null) {
            sim.trace.say(sim.now, leader, "store leader lost");
        }
        leader = null;
        lostAt = sim.now;
        electionTimeout = 1_000 + sim.random.nextInt(1_000);
    }
}
