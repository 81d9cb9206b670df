package io.pgpacer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.PromotionPhases;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.model.Lsn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * n2's agent times its promotion after n1's lease expired, against a store held in memory (the real reducer) and a
 * manual clock, and records the phases once, after its first write: in the history entry, an event line and the
 * metrics' listener.
 */
class PromotionTimingTest {

    private final ResourceExecutorTest.InMemoryClusterStore store = new ResourceExecutorTest.InMemoryClusterStore();
    private final AtomicLong clock = new AtomicLong();
    private final List<String> events = new ArrayList<>();
    private final List<PromotionRecord> timed = new ArrayList<>();
    private final AtomicInteger wakes = new AtomicInteger();

    private PromotionTiming timing(boolean writerVip) {
        PromotionTiming timing = new PromotionTiming("n2", store, clock::get, writerVip, events::add,
                wakes::incrementAndGet);
        timing.onTimed(timed::add);
        return timing;
    }

    // Each command applied at the given millisecond, and the CIB handed to the timing as the store's listener would.
    private void at(long millis, PromotionTiming timing, StoreCommand command) {
        clock.set(millis);
        CommandResult result = store.submit(command, null);
        assertTrue(result.applied(), command + ": " + result.message());
        timing.applied(store.localCopy());
    }

    private long recordedPhases() {
        return store.submitted.stream().filter(c -> c instanceof StoreCommand.RecordPromotionPhases).count();
    }

    // n1 is the primary on timeline 1 and renews its lease once; the timing agent saw all of it.
    private void n1PrimaryThenExpired(PromotionTiming timing) {
        at(0, timing, new StoreCommand.AssignGoals(0, Map.of("n1", NodeGoal.primary("initial start"),
                "n2", NodeGoal.standbyOf("n1", "follow"))));
        at(10, timing, new StoreCommand.AcquireLease("n1"));
        at(20, timing, new StoreCommand.RecordPromotion(1, new PromotionRecord("n1", 0, Lsn.ZERO, 1, "t",
                "initial start (initdb)", true)));
        at(100, timing, new StoreCommand.RenewLease("n1", 1));
        at(3200, timing, new StoreCommand.ExpireLease("n1", 1, 1));
        at(3240, timing, new StoreCommand.AssignGoals(store.localCopy().goalsVersion(),
                Map.of("n1", NodeGoal.standbyOf("n2", "follow"), "n2", NodeGoal.primary("n1 lease expired"))));
    }

    private void n2Promoted(PromotionTiming timing) {
        at(3300, timing, new StoreCommand.AcquireLease("n2"));
        timing.leaseAcquired();
        at(3310, timing, new StoreCommand.RecordPromotion(2, new PromotionRecord("n2", 1, Lsn.parse("0/3000148"), 2,
                "t", "failover", false)));
        at(3600, timing, new StoreCommand.ConfirmPromotion("n2", 2, 2));
        timing.promoted();
    }

    @Test
    void thePhasesAreRecordedOnceAfterTheFirstWrite() {
        PromotionTiming timing = timing(false);
        n1PrimaryThenExpired(timing);
        n2Promoted(timing);
        timing.recordWhenComplete();
        assertEquals(0, recordedPhases(), "nothing before the first write");

        clock.set(3800);
        timing.committed();
        assertEquals(1, wakes.get(), "the loop is woken to record them");
        timing.committed();
        assertEquals(1, wakes.get(), "only the first commit counts");
        timing.recordWhenComplete();

        PromotionPhases phases = store.localCopy().lastPromotion().orElseThrow().phases();
        assertEquals("detection 3.10 s, decision 0.04 s, lease 0.06 s, promote 0.30 s, first write 0.20 s"
                + " (total 3.70 s)", phases.render());
        assertEquals(List.of("promotion phases: failover n1 -> n2: " + phases.render()), events);
        assertEquals(List.of(store.localCopy().lastPromotion().orElseThrow()), timed);
        timing.recordWhenComplete();
        assertEquals(1, recordedPhases(), "recorded once");
    }

    @Test
    void aWriterVipIsWaitedForAndAPromotionThatIsNoLongerTheLastIsNotTimed() {
        PromotionTiming timing = timing(true);
        n1PrimaryThenExpired(timing);
        n2Promoted(timing);
        clock.set(3800);
        timing.committed();
        timing.recordWhenComplete();
        assertEquals(0, recordedPhases(), "the writer VIP is not added yet");
        clock.set(3850);
        timing.vipAdded();
        assertEquals(1, wakes.get());

        // meanwhile n2 lost its lease on this member's copy and n1 took over again: n2's promotion is not the last
        store.cib = store.cib.withLease(new Lease(null, 2, 0)).withHistoryEntry(new PromotionRecord("n1", 2,
                Lsn.parse("0/4000000"), 3, "t", "failover", true));
        timing.recordWhenComplete();
        assertEquals(0, recordedPhases(), "phases of an entry that is no longer the last are not recorded");
        assertEquals(List.of(), events);
        assertEquals(List.of(), timed);
    }
}
