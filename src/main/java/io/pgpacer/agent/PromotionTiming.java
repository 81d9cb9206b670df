package io.pgpacer.agent;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.PromotionPhases;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand.RecordPromotionPhases;
import io.pgpacer.core.timeline.PromotionStopwatch;
import io.pgpacer.store.ClusterStore;
import io.pgpacer.store.StoreUnavailableException;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times this node's promotions phase by phase on the agent's monotonic clock: it feeds a {@link PromotionStopwatch}
 * with every CIB the store member applies and with the agent's own steps (lease acquired, promotion confirmed, writer
 * VIP added, write probe committed), and once the new primary made its first write it records the phases in the
 * timeline history, says them in an event line and hands them to the metrics. Observation only: nothing here changes
 * what the agent does. Called from the store's apply thread, the loop and the write probe's thread.
 */
final class PromotionTiming {

    private static final Logger LOG = LoggerFactory.getLogger(PromotionTiming.class);
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(2);

    private final String self;
    private final ClusterStore store;
    private final LongSupplier millis;
    private final boolean writerVipConfigured;
    private final Consumer<String> events;
    private final Runnable wake;
    private volatile Consumer<PromotionRecord> timed = entry -> { };
    private PromotionStopwatch stopwatch;

    /**
     * @param writerVipConfigured whether this node adds a writer VIP when it becomes primary (the phases then wait
     *     for it)
     * @param events where the event line goes
     * @param wake wakes the agent's loop, which records the phases, once they are complete
     */
    PromotionTiming(String self, ClusterStore store, LongSupplier monotonicMillis, boolean writerVipConfigured,
            Consumer<String> events, Runnable wake) {
        this.self = self;
        this.store = store;
        this.millis = monotonicMillis;
        this.writerVipConfigured = writerVipConfigured;
        this.events = events;
        this.wake = wake;
        this.stopwatch = PromotionStopwatch.of(self);
    }

    /** Calls {@code listener} (instead of any earlier one) with each history entry whose phases this node recorded. */
    void onTimed(Consumer<PromotionRecord> listener) {
        timed = listener;
    }

    synchronized void applied(Cib cib) {
        stopwatch = stopwatch.applied(cib, millis.getAsLong());
    }

    synchronized void leaseAcquired() {
        stopwatch = stopwatch.leaseAcquired(millis.getAsLong());
    }

    synchronized void promoted() {
        stopwatch = stopwatch.promoted(millis.getAsLong());
    }

    void vipAdded() {
        boolean complete;
        synchronized (this) {
            stopwatch = stopwatch.vipAdded(millis.getAsLong());
            complete = stopwatch.phases(writerVipConfigured).isPresent();
        }
        if (complete) {
            wake.run();
        }
    }

    void committed() {
        boolean complete;
        synchronized (this) {
            boolean before = stopwatch.phases(writerVipConfigured).isPresent();
            stopwatch = stopwatch.committed(millis.getAsLong());
            complete = !before && stopwatch.phases(writerVipConfigured).isPresent();
        }
        if (complete) {
            wake.run();
        }
    }

    /**
     * On the loop's thread, as primary: records the phases of this node's promotion once they are complete, once.
     * A store that cannot be reached now is tried again on the next pass; a refusal or any other error ends the timing,
     * and never fails the step.
     */
    void recordWhenComplete() {
        PromotionPhases phases;
        String oldPrimary;
        synchronized (this) {
            phases = stopwatch.phases(writerVipConfigured).orElse(null);
            oldPrimary = stopwatch.timed() == null ? null : stopwatch.timed().oldPrimary();
        }
        if (phases == null) {
            return;
        }
        PromotionRecord last = store.localCopy().lastPromotion().orElse(null);
        if (last == null || !last.node().equals(self) || last.phases() != null) {
            finish();
            return;
        }
        if (!last.confirmed()) {
            // why wait: this member may apply the confirmation a moment after the leader did.
            return;
        }
        CommandResult result;
        try {
            result = store.submit(new RecordPromotionPhases(self, last.newTimeline(), phases), STORE_TIMEOUT);
        } catch (StoreUnavailableException e) {
            return;
        } catch (RuntimeException e) {
            // why: an observation that failed must never fail the primary's step, which would count against the node.
            LOG.warn("the phases of this promotion were not recorded: {}", e.toString());
            finish();
            return;
        }
        finish();
        if (!result.applied()) {
            LOG.warn("the phases of this promotion were not recorded: {}", result.message());
            return;
        }
        String line = "promotion phases: " + last.reason() + " " + oldPrimary + " -> " + self + ": " + phases.render();
        events.accept(line);
        LOG.info(line);
        timed.accept(last.withPhases(phases));
    }

    private synchronized void finish() {
        stopwatch = stopwatch.done();
    }
}
