package io.pgpacer.core.cib;

import io.pgpacer.core.model.Lsn;

/**
 * One entry of the timeline history: a node became primary. Appended before the new primary accepts
 * writes, with the timeline it expects; corrected once PostgreSQL reports the timeline it really chose.
 *
 * @param switchLsn where the old timeline ended (the new primary's last replayed position)
 * @param reason {@code initial start}, {@code failover}, {@code switchover}, ...
 */
public record PromotionRecord(
        String node, long oldTimeline, Lsn switchLsn, long newTimeline, String at, String reason) {
}
