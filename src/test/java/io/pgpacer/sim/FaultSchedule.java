package io.pgpacer.sim;

import io.pgpacer.core.cib.Repair;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import java.util.List;
import java.util.Random;

/**
 * Draws a run's faults from the seed and schedules them, each with its own end, within the fault window: postmaster
 * crash, host freeze and thaw, a partition (one node cut off, or a split) and its heal, flapping, agent kill and
 * restart (PostgreSQL dying with it or not), store leader loss, clock skew, and the operator's switchover. Returns when
 * the last fault has healed (true time, ms).
 */
final class FaultSchedule {

    enum Kind {
        CRASH, FREEZE, PARTITION, SPLIT, FLAP, AGENT_KILL, LEADER_LOSS, SKEW, SWITCHOVER, LINK_CUT, REPAIR, NODE_STANDBY
    }

    private final Simulation sim;
    private final Random random;

    FaultSchedule(Simulation sim) {
        this.sim = sim;
        this.random = sim.random;
    }

    long plan() {
        int count = 1 + random.nextInt(4);
        long healed = 8_000;
        Kind[] kinds = Kind.values();
        for (int i = 0; i < count; i++) {
            Kind kind = kinds[random.nextInt(kinds.length)];
            long start = 6_000 + random.nextInt((int) Simulation.FAULT_WINDOW_MILLIS);
            healed = Math.max(healed, schedule(kind, start));
        }
        return healed;
    }

    private SimHost anyHost() {
        return sim.hosts.get(random.nextInt(sim.hosts.size()));
    }

    // Two thirds of the faults meant for the primary hit whoever is primary when they strike.
    private SimHost primaryOr(SimHost drawn) {
        String holder = sim.store.cib.lease().holder();
        return holder != null && random.nextInt(3) > 0 ? sim.byName.get(holder) : drawn;
    }

    private long schedule(Kind kind, long start) {
        SimHost drawn = anyHost();
        boolean atPrimary = random.nextBoolean();
        long length = 500 + random.nextInt(8_000);
        sim.faultKinds.add(kind);
        sim.faults.add(kind + " at " + start + " ms for " + length + " ms" + (atPrimary ? " on the primary" : " on "
                + drawn.name));
        switch (kind) {
            case CRASH -> sim.at(start, null, () -> {
                SimHost host = atPrimary ? primaryOr(drawn) : drawn;
                if (host.pg != null && host.pg.running) {
                    sim.trace.say(sim.now, host.name, "fault: postmaster crash");
                    host.pg.stop();
                    if (host.agent != null && host.agentAlive) {
                        host.agent.unexpectedExit = true;
                    }
                }
            });
            case FREEZE -> {
                SimHost[] hit = new SimHost[1];
                sim.at(start, null, () -> {
                    hit[0] = atPrimary ? primaryOr(drawn) : drawn;
                    hit[0].freeze();
                });
                sim.at(start + length, null, () -> hit[0].thaw());
            }
            case PARTITION -> {
                SimHost[] hit = new SimHost[1];
                sim.at(start, null, () -> {
                    hit[0] = atPrimary ? primaryOr(drawn) : drawn;
                    cutOff(List.of(hit[0]));
                });
                sim.at(start + length, null, this::heal);
            }
            case SPLIT -> {
                sim.at(start, null, () -> {
                    for (SimHost host : sim.hosts) {
                        host.group = random.nextInt(2);
                    }
                    sim.trace.say(sim.now, "net", "split: " + groups());
                });
                sim.at(start + length, null, this::heal);
            }
            case FLAP -> {
                int flaps = 3 + random.nextInt(4);
                long at = start;
                for (int i = 0; i < flaps; i++) {
                    long down = 200 + random.nextInt(1_500);
                    long up = 200 + random.nextInt(1_500);
                    sim.at(at, null, () -> cutOff(List.of(atPrimary ? primaryOr(drawn) : drawn)));
                    sim.at(at + down, null, this::heal);
                    at += down + up;
                }
                length = at - start;
            }
            case AGENT_KILL -> {
                boolean pgSurvives = random.nextBoolean();
                long restartAfter = 500 + random.nextInt(5_000);
                length = restartAfter;
                sim.at(start, null, () -> (atPrimary ? primaryOr(drawn) : drawn).killAgent(pgSurvives, restartAfter));
            }
            case LEADER_LOSS -> sim.at(start, null, sim.store::loseLeader);
            case REPAIR -> {
                Repair.Kind way = random.nextBoolean() ? Repair.Kind.REWIND : Repair.Kind.REBUILD;
                boolean discardOld = random.nextBoolean();
                sim.at(start, null, () -> operator(drawn, new StoreCommand.RequestRepair(drawn.name,
                        new Repair(way, discardOld, sim.wallClock())), () -> { }));
                length = 0;
            }
            case NODE_STANDBY -> {
                long off = length;
                sim.at(start, null, () -> {
                    SimHost host = atPrimary ? primaryOr(drawn) : drawn;
                    operator(host, new StoreCommand.SetStandby(host.name, true), () -> sim.at(off, null,
                            () -> operator(host, new StoreCommand.SetStandby(host.name, false), () -> { })));
                });
            }
            case LINK_CUT -> {
                SimHost other = sim.hosts.get((sim.hosts.indexOf(drawn) + 1 + random.nextInt(sim.hosts.size() - 1))
                        % sim.hosts.size());
                String link = Simulation.link(drawn, other);
                sim.at(start, null, () -> {
                    sim.cutLinks.add(link);
                    sim.trace.say(sim.now, "net", "link cut: " + link);
                });
                sim.at(start + length, null, () -> {
                    sim.cutLinks.remove(link);
                    sim.trace.say(sim.now, "net", "link healed: " + link);
                });
            }
            case SKEW -> {
                double rate = 0.97 + random.nextDouble() * 0.06;
                sim.at(start, null, () -> {
                    drawn.skew(rate);
                    sim.trace.say(sim.now, drawn.name, "fault: clock rate now " + rate);
                });
                length = 0;
            }
            case SWITCHOVER -> {
                int pick = random.nextInt(sim.setup.dataNodes() + 1);
                sim.at(start, null, () -> requestSwitchover(pick));
                length = 0;
            }
        }
        return start + length;
    }

    private void cutOff(List<SimHost> isolated) {
        for (SimHost host : isolated) {
            host.group = 100 + sim.hosts.indexOf(host);
        }
        sim.trace.say(sim.now, "net", "partition: " + groups());
    }

    private void heal() {
        for (SimHost host : sim.hosts) {
            host.group = 0;
        }
        sim.trace.say(sim.now, "net", "healed");
    }

    private String groups() {
        StringBuilder text = new StringBuilder();
        for (SimHost host : sim.hosts) {
            text.append(host.name).append(':').append(host.group).append(' ');
        }
        return text.toString().trim();
    }

    // An operator's command ('pgpacer repair|rebuild NODE', 'pgpacer node standby|unstandby NODE') through the API of
    // the first node that reaches the store; while none does, the operator tries again a second later, and goes on
    // ({@code then}) once it was answered.
    private void operator(SimHost about, StoreCommand command, Runnable then) {
        for (SimHost via : sim.hosts) {
            try {
                CommandResult result = sim.submit(via, command);
                sim.trace.say(sim.now, about.name, "operator: " + command.getClass().getSimpleName() + ": ",
                        result.message());
                then.run();
                return;
            } catch (SimStore.Unavailable e) {
                // the next node's API
            }
        }
        sim.at(1_000, null, () -> operator(about, command, then));
    }

    // The operator's 'pgpacer switchover [--to NODE]', through the API of a node that reaches the store.
    private void requestSwitchover(int pick) {
        String holder = sim.store.cib.lease().holder();
        if (holder == null) {
            return;
        }
        String to = pick == 0 ? null : "n" + pick;
        if (holder.equals(to)) {
            to = null;
        }
        for (SimHost via : sim.hosts) {
            try {
                CommandResult result = sim.submit(via, new StoreCommand.RequestSwitchover(holder, to, 0,
                        sim.wallClock(), 0));
                sim.trace.say(sim.now, via.name, "operator: switchover " + holder + " -> " + to + ": "
                        + result.message());
                return;
            } catch (SimStore.Unavailable e) {
                // the operator tries the next node's API
            }
        }
    }
}
