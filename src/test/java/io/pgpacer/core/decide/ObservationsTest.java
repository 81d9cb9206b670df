package io.pgpacer.core.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeSpec;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The controller's lease clock across a gap in applied commands (lease time and node timeout 3 s): after the
 * store applied nothing for longer, a lease counts as seen when commands apply again, so the scheduler (pure,
 * fed the snapshot) does not expire a lease nobody could renew during the gap.
 */
class ObservationsTest {

    private static final ClusterSettings SETTINGS = new ClusterSettings(1, 3_000, 3_000, 30_000);
    private final AtomicLong clock = new AtomicLong(1_000);
    private final Observations observations = new Observations(clock::get, clock::get);
    private final Cib cib = Cib.EMPTY.initializedAs("pgc", List.of(
            new NodeSpec("n1", "127.0.0.1", 8001, 9001, 5401, false),
            new NodeSpec("n2", "127.0.0.1", 8002, 9002, 5402, false)), SETTINGS)
            .withLease(new Lease("n1", 3, 40));

    private String expiry(Cib now) {
        String plan = Scheduler.decide(observations.snapshot(now, 0)).render();
        return plan.lines().filter(l -> l.contains("ExpireLease") || l.contains("not renewed")).findFirst()
                .orElse("no expiry");
    }

    @Test
    void withoutAGapAnUnrenewedLeaseExpiresAfterTheLeaseTime() {
        observations.record(cib);
        for (long t = 1_000; t <= 4_000; t += 1_000) {
            clock.set(t);
            observations.record(cib);
        }
        assertEquals(3_000, observations.snapshot(cib, 0).leaseAge());
        assertEquals(true, expiry(cib).contains("n1 lease not renewed for 3"), expiry(cib));
    }

    @Test
    void duringAndAfterAGapTheLeaseClockStartsAgainWhenCommandsApply() {
        observations.record(cib);
        clock.set(1_000 + 20_000);
        assertEquals(0, observations.snapshot(cib, 0).leaseAge(), "nothing applied for 20 s: the clock stands");
        assertEquals("no expiry", expiry(cib));
        Cib resumed = cib.withLease(cib.lease());
        observations.record(resumed);
        // Other nodes' reports keep applying (heartbeats every half node timeout), the lease's renewals do not.
        clock.addAndGet(1_500);
        observations.record(resumed);
        clock.addAndGet(1_499);
        assertEquals(2_999, observations.snapshot(resumed, 0).leaseAge());
        assertEquals("no expiry", expiry(resumed));
        clock.addAndGet(1);
        observations.record(resumed);
        assertEquals(3_000, observations.snapshot(resumed, 0).leaseAge(),
                "a lease time after the store applied again, an unrenewed lease expires as usual");
        assertEquals(true, expiry(resumed).contains("n1 lease not renewed for 3"), expiry(resumed));
    }

    @Test
    void aGapShorterThanTheLeaseTimeChangesNothing() {
        observations.record(cib);
        clock.addAndGet(2_500);
        observations.record(cib);
        clock.addAndGet(500);
        assertEquals(3_000, observations.snapshot(cib, 0).leaseAge());
    }
}
