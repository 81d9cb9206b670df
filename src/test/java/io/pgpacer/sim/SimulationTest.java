package io.pgpacer.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgpacer.core.node.Edge;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 point 5: thousands of seeded fault schedules against the real scheduler, reducer and node state machine,
 * each checked for S1, S2, S3 after every event and for liveness after the last fault healed. {@code -Dsim.seed=N}
 * replays one schedule and prints its whole trace; {@code -Dsim.schedules=N} changes how many run; {@code
 * -Dsim.first=N} where the seeds start (bench/simulate).
 */
class SimulationTest {

    @Test
    void everyScheduleKeepsTheInvariants() {
        Long replay = Long.getLong("sim.seed");
        if (replay != null) {
            Simulation.Setup setup = Simulation.Setup.of(replay).withFullTrace();
            Simulation sim = new Simulation(setup);
            try {
                Simulation.Result result = sim.run();
                System.out.println(sim.trace.render());
                System.out.println("seed " + replay + " (" + setup.describe() + "): faults " + sim.faults
                        + "; commits acknowledged without a standby within sync-timeout of a promotion "
                        + sim.earlyAsyncAcks
                        + "; healthy " + result.settleMillis() + " ms after the last fault healed, " + result.events()
                        + " events");
            } catch (Simulation.SimulationFailure e) {
                fail(e.getMessage());
            }
            return;
        }
        int schedules = Integer.getInteger("sim.schedules", 10_000);
        long first = Long.getLong("sim.first", 1L);
        long started = System.nanoTime();
        long events = 0;
        long slowestSettle = 0;
        Map<FaultSchedule.Kind, Integer> faults = new EnumMap<>(FaultSchedule.Kind.class);
        Map<String, Integer> promotions = new TreeMap<>();
        Set<Edge> edges = EnumSet.noneOf(Edge.class);
        long early = 0;
        long earlySchedules = 0;
        long firstEarly = -1;
        for (long seed = first; seed < first + schedules; seed++) {
            Simulation sim = new Simulation(Simulation.Setup.of(seed));
            try {
                Simulation.Result result = sim.run();
                events += result.events();
                slowestSettle = Math.max(slowestSettle, result.settleMillis());
                sim.faultKinds.forEach(kind -> faults.merge(kind, 1, Integer::sum));
                sim.store.cib.history().forEach(p -> promotions.merge(p.reason(), 1, Integer::sum));
                edges.addAll(sim.edgesTaken);
                if (sim.earlyAsyncAcks > 0) {
                    early += sim.earlyAsyncAcks;
                    earlySchedules++;
                    firstEarly = firstEarly < 0 ? seed : firstEarly;
                }
            } catch (Simulation.SimulationFailure e) {
                fail(e.getMessage());
            }
            if ((seed - first + 1) % 100_000 == 0) {
                System.out.printf("simulation: %d schedules so far, %.1f s%n", seed - first + 1,
                        (System.nanoTime() - started) / 1e9);
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("simulation: %d schedules (seeds %d..%d) in %.1f s, %.0f schedules/s, %d events; slowest"
                + " settle after the last fault %d ms; S1, S2 (sync runs), S3 and liveness held%n", schedules, first,
                first + schedules - 1, seconds, schedules / seconds, events, slowestSettle);
        Set<Edge> untaken = EnumSet.complementOf(EnumSet.copyOf(edges));
        System.out.println("simulation: faults drawn " + faults + "; timeline history entries by cause " + promotions
                + "; node state machine edges taken " + edges.size() + " of " + Edge.values().length
                + " (not taken: " + untaken + ")");
        System.out.println("simulation: finding: in sync mode " + early + " commits in " + earlySchedules
                + " schedules were acknowledged without any standby within sync-timeout of their primary's"
                + " promotion (first seed " + firstEarly + "; held to S2"
                + (Simulation.STRICT_S2 ? "" : ", but not with -Dsim.s2=lenient") + ")");
    }

    @Test
    void theSameSeedGivesTheSameTrace() {
        for (long seed : new long[] {3, 17, 28}) {
            String first = traceOf(seed);
            String second = traceOf(seed);
            assertEquals(first, second, "seed " + seed + " ran differently twice");
        }
    }

    private static String traceOf(long seed) {
        Simulation sim = new Simulation(Simulation.Setup.of(seed).withFullTrace());
        try {
            sim.run();
        } catch (Simulation.SimulationFailure e) {
            return e.getMessage();
        }
        return sim.trace.render() + sim.events;
    }
}
