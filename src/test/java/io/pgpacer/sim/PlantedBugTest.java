package io.pgpacer.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.decide.ClusterSnapshot;
import io.pgpacer.core.decide.Plan;
import io.pgpacer.core.decide.Scheduler;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The simulator can fail: with a known-unsafe rule planted in the controller (promote a standby as soon as the lease
 * holder was not heard from and its renewals stopped for one second, long before its lease and its commit guard ran
 * out), it finds a broken
 * invariant within a bounded number of seeds, and says at which seed and what.
 */
class PlantedBugTest {

    private static final int BOUND = 2_000;
    private static final long EARLY_MILLIS = 1_000;

    /** The real scheduler, preceded by a rule that expires the lease and moves the primary role early. */
    static Plan promoteBeforeTheLeaseExpired(ClusterSnapshot snapshot) {
        Cib cib = snapshot.cib();
        String holder = cib.lease().holder();
        long heard = snapshot.lastHeard().getOrDefault(holder == null ? "" : holder, Long.MIN_VALUE / 2);
        if (holder != null && snapshot.leaseAge() >= EARLY_MILLIS && snapshot.now() - heard >= EARLY_MILLIS) {
            // why the sync set first: the store lets only a recorded sync standby take the lease in sync mode; why
            // streaming: the planted bug is the early promotion, not the choice of a standby that cannot serve
            String standby = cib.syncSet().standbys().stream().filter(n -> !n.equals(holder))
                    .filter(n -> streamingStandby(cib, n)).findFirst()
                    .orElseGet(() -> cib.dataNodes().stream().map(n -> n.name()).filter(n -> !n.equals(holder))
                            .filter(n -> streamingStandby(cib, n)).findFirst().orElse(null));
            if (standby != null) {
                return new Plan(List.of(
                        new Plan.Step(new StoreCommand.ExpireLease(holder, cib.lease().generation(),
                                cib.lease().renewals()), "planted: " + holder + " not renewed for 1 s"),
                        new Plan.Step(new StoreCommand.AssignGoals(cib.goalsVersion(), cib.goalsWithPrimary(standby,
                                "failover: planted early promotion", "planted")), "planted: promote " + standby)),
                        List.of());
            }
        }
        return Scheduler.decide(snapshot);
    }

    private static boolean streamingStandby(Cib cib, String node) {
        return cib.report(node).filter(r -> r.pgState() == PgState.STANDBY && r.streaming()).isPresent();
    }

    @Test
    void anEarlyPromotionIsFoundWithinTheBound() {
        for (long seed = 1; seed <= BOUND; seed++) {
            Simulation sim = new Simulation(Simulation.Setup.of(seed)
                    .withDecider(PlantedBugTest::promoteBeforeTheLeaseExpired));
            try {
                sim.run();
            } catch (Simulation.SimulationFailure e) {
                String first = e.getMessage().lines().findFirst().orElse("");
                System.out.println("planted early promotion found at seed " + seed + " (the " + seed
                        + "th schedule): " + first);
                assertTrue(first.contains("S1") || first.contains("S2"), "the planted rule breaks S1 or S2 first,"
                        + " but the simulator reported: " + e.getMessage());
                return;
            }
        }
        throw new AssertionError("the simulator did not find the planted early promotion within " + BOUND
                + " seeds: it cannot fail where it should");
    }
}
