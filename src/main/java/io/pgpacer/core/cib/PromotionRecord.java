package io.pgpacer.core.cib;

import io.pgpacer.core.model.Lsn;

/**
 * One entry of the timeline history: a node became primary. Appended before the new primary accepts
 * writes, with the timeline it expects, and confirmed once PostgreSQL reports the timeline it really chose;
 * an unconfirmed entry records an attempt that may not have happened.
 *
 * @param switchLsn where the old timeline ended (the new primary's last received position)
 * @param reason {@code initial start}, {@code failover}, {@code switchover}, ...
 * @param phases where the time of the change of primary went, added once by the new primary after its first write;
 *     null before that, for an initial start, and in CIBs written before phases were measured
 */
public record PromotionRecord(String node, long oldTimeline, Lsn switchLsn, long newTimeline, String at,
        String reason, boolean confirmed, PromotionPhases phases) {

    /** An entry whose phases are not known (yet). */
    public PromotionRecord(String node, long oldTimeline, Lsn switchLsn, long newTimeline, String at, String reason,
            boolean confirmed) {
        this(node, oldTimeline, switchLsn, newTimeline, at, reason, confirmed, null);
    }

    /**
     * Whether this entry started the cluster rather than ended a timeline: the first primary after {@code initdb}
     * (old timeline 0) or one adopted with its existing data (the same timeline before and after).
     */
    public boolean initialStart() {
        return oldTimeline == 0 || oldTimeline == newTimeline;
    }

    public PromotionRecord confirm(long actualTimeline) {
        return confirm(actualTimeline, null);
    }

    /**
     * Confirmed with the timeline PostgreSQL chose and, when known, where PostgreSQL itself says the old timeline
     * ended (its timeline history file), which may lie before the position the standby had received.
     */
    public PromotionRecord confirm(long actualTimeline, Lsn actualSwitchLsn) {
        return new PromotionRecord(node, oldTimeline, actualSwitchLsn == null ? switchLsn : actualSwitchLsn,
                actualTimeline, at, reason, true, phases);
    }

    /** The same entry with the phases its new primary measured. */
    public PromotionRecord withPhases(PromotionPhases measured) {
        return new PromotionRecord(node, oldTimeline, switchLsn, newTimeline, at, reason, confirmed, measured);
    }
}
