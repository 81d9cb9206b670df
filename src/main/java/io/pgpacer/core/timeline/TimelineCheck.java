package io.pgpacer.core.timeline;

import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.model.Lsn;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether a node's WAL is a prefix of the cluster's timeline history (S3): then it may start as a standby and
 * stream the rest; otherwise it wrote WAL past the point where its timeline was forked (a diverged old primary)
 * and must not stream from, nor become, a primary until it is rewound or rebuilt. Pure: the history comes from
 * the CIB, the node's WAL from its data directory.
 */
public final class TimelineCheck {

    /**
     * The answer, in operator words.
     *
     * @param discardedFrom for a node whose WAL went past the point where the cluster's timeline forked from its own:
     *     that timeline and point, from where its WAL is not the cluster's (what a rewind discards); null otherwise,
     *     also when a node diverged in a way that has no single such point
     */
    public record Verdict(boolean diverged, String reason, TimelineFork discardedFrom) {

        public Verdict(boolean diverged, String reason) {
            this(diverged, reason, null);
        }
    }

    private TimelineCheck() {
    }

    public static Verdict check(List<PromotionRecord> history, LocalWal local) {
        Lineage lineage = Lineage.of(history);
        if (lineage.current == 0) {
            return new Verdict(false, "no promotion is recorded yet");
        }
        long timeline = local.timeline();
        String where = "its WAL ends at " + local.end() + " on timeline " + timeline;
        if (timeline > lineage.current) {
            return new Verdict(true, where + ", a timeline the history does not know (the cluster is on timeline "
                    + lineage.current + ")");
        }
        for (TimelineFork own : local.forks()) {
            Lsn recorded = lineage.forks.get(own.parent());
            if (recorded != null && !recorded.equals(own.switchpoint())) {
                return new Verdict(true, where + ", and its timeline forked from timeline " + own.parent() + " at "
                        + own.switchpoint() + ", not at " + recorded + " as the cluster's did");
            }
        }
        if (timeline == lineage.current) {
            return new Verdict(false, where + ", the cluster's current timeline");
        }
        Lsn forkedAt = lineage.forks.get(timeline);
        if (forkedAt == null) {
            return timeline < lineage.oldest
                    ? new Verdict(false, where + ", older than the recorded history (timeline " + lineage.oldest
                            + " on): PostgreSQL checks it when it streams")
                    : new Verdict(true, where + ", which is not on the history of timeline " + lineage.current);
        }
        if (local.end().isAfter(forkedAt)) {
            return new Verdict(true, "diverged from timeline " + timeline + " at " + forkedAt + ": " + where
                    + ", past the point where timeline " + lineage.next.get(timeline) + " forked from it",
                    new TimelineFork(timeline, forkedAt));
        }
        return new Verdict(false, where + ", at or before the point where timeline " + lineage.next.get(timeline)
                + " forked from it (" + forkedAt + "): it can stream the rest");
    }

    /**
     * The ancestry of the cluster's current timeline: each ancestor timeline and where it ended, from the
     * confirmed promotions, newest first, skipping promotions on branches that did not last.
     */
    private static final class Lineage {
        final Map<Long, Lsn> forks = new HashMap<>();
        final Map<Long, Long> next = new HashMap<>();
        long current;
        long oldest;

        static Lineage of(List<PromotionRecord> history) {
            Lineage lineage = new Lineage();
            long wanted = -1;
            for (int i = history.size() - 1; i >= 0; i--) {
                PromotionRecord p = history.get(i);
                if (!p.confirmed() || wanted >= 0 && p.newTimeline() != wanted) {
                    continue;
                }
                if (wanted < 0) {
                    lineage.current = p.newTimeline();
                }
                lineage.oldest = p.newTimeline();
                // initdb (from timeline 0) and a start on existing data (same timeline) fork nothing
                if (p.oldTimeline() < 1 || p.oldTimeline() >= p.newTimeline()) {
                    break;
                }
                lineage.forks.put(p.oldTimeline(), p.switchLsn());
                lineage.next.put(p.oldTimeline(), p.newTimeline());
                lineage.oldest = p.oldTimeline();
                wanted = p.oldTimeline();
            }
            return lineage;
        }
    }
}
