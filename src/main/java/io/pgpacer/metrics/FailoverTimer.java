package io.pgpacer.metrics;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.PromotionRecord;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Times failovers as one agent sees them in the CIBs it applies: from the last renewal of the old primary's
 * lease it applied to its applying the confirmation of the promotion that replaced it (PostgreSQL reported
 * the new timeline). The old primary stopped renewing after that renewal, so the figure is the time without
 * a confirmed primary plus at most one renew interval; clients reconnecting are not in it. Only failovers
 * seen from end to end are timed: an agent that started during one, or the old primary's own, times none.
 * Switchovers and forced promotions are timed the same way (the old primary renewed until it stopped writes),
 * and the last few of every kind are kept for the web dashboard.
 */
public final class FailoverTimer {

    /** The reason the executor records for a promotion that replaces a lost primary. */
    static final String FAILOVER = "failover";

    /** One timed failover: {@code millis} by the timing agent's monotonic clock. */
    public record Failover(String oldPrimary, String newPrimary, long millis) {
    }

    /**
     * One timed change of primary, of any reason.
     *
     * @param reason as the timeline history records it: {@code failover}, {@code switchover}, {@code forced}, ...
     * @param promotedAt when the new primary was recorded, as the history says (ISO-8601, the controller's clock)
     */
    public record TimedPromotion(String reason, String oldPrimary, String newPrimary, long millis, String promotedAt) {
    }

    /** How many timed promotions {@link #recent()} keeps. */
    static final int KEPT = 10;

    private final LongSupplier millis;
    private final Map<String, Long> lastRenewalSeen = new HashMap<>();
    private Lease lastLease;
    private int lastConfirmed;
    private Failover last;
    private final Deque<TimedPromotion> recent = new ArrayDeque<>();

    /** @param monotonicMillis the clock both ends are read from */
    public FailoverTimer(LongSupplier monotonicMillis) {
        this.millis = monotonicMillis;
    }

    /** Takes one applied CIB; call it from the store's apply listener, for every CIB in order. */
    public synchronized void record(Cib cib) {
        long now = millis.getAsLong();
        Lease lease = cib.lease();
        int confirmed = lastConfirmed(cib.history(), cib.history().size());
        // why: the first CIB says nothing about when its lease was renewed or its promotions confirmed; only a
        // change seen here does.
        if (lastLease == null) {
            lastLease = lease;
            lastConfirmed = confirmed;
            return;
        }
        if (!lease.equals(lastLease) && !lease.isFree()) {
            lastRenewalSeen.put(lease.holder(), now);
        }
        lastLease = lease;
        if (confirmed > lastConfirmed) {
            timePromotion(cib.history(), confirmed, now);
        }
        lastConfirmed = confirmed;
    }

    /** The last failover timed, if any. */
    public synchronized Optional<Failover> last() {
        return Optional.ofNullable(last);
    }

    /** The last {@value #KEPT} changes of primary timed, of every reason, oldest first. */
    public synchronized List<TimedPromotion> recent() {
        return List.copyOf(recent);
    }

    private void timePromotion(List<PromotionRecord> history, int confirmed, long now) {
        PromotionRecord promotion = history.get(confirmed);
        int previous = lastConfirmed(history, confirmed);
        if (previous < 0) {
            return;
        }
        String oldPrimary = history.get(previous).node();
        Long renewal = lastRenewalSeen.get(oldPrimary);
        if (renewal == null || oldPrimary.equals(promotion.node())) {
            return;
        }
        recent.addLast(new TimedPromotion(promotion.reason(), oldPrimary, promotion.node(), now - renewal,
                promotion.at()));
        while (recent.size() > KEPT) {
            recent.removeFirst();
        }
        if (FAILOVER.equals(promotion.reason())) {
            last = new Failover(oldPrimary, promotion.node(), now - renewal);
        }
    }

    /** The index of the last confirmed promotion before {@code end}, -1 when there is none. */
    private static int lastConfirmed(List<PromotionRecord> history, int end) {
        for (int i = end - 1; i >= 0; i--) {
            if (history.get(i).confirmed()) {
                return i;
            }
        }
        return -1;
    }
}
