package io.pgpacer.core.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.model.Lsn;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A node's WAL against the cluster's history: initdb on node1 (timeline 1), a switchover to node2 at 0/3000148
 * (timeline 2), a failover to node3 at 0/5000060 (timeline 3).
 */
class TimelineCheckTest {

    private static final List<PromotionRecord> HISTORY = List.of(
            new PromotionRecord("node1", 0, Lsn.parse("0/1528138"), 1, "t1", "initial start (initdb)", true),
            new PromotionRecord("node2", 1, Lsn.parse("0/3000148"), 2, "t2", "switchover", true),
            new PromotionRecord("node3", 2, Lsn.parse("0/5000060"), 3, "t3", "failover", true));

    /** {@code forks}: the node's own history file, {@code parent@lsn} separated by spaces. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "on the current timeline                  | 3 | 0/6000000 | 1@0/3000148 2@0/5000060 | false | its WAL ends at 0/6000000 on timeline 3, the cluster's current timeline",
        "behind, before the fork                  | 2 | 0/4000000 | 1@0/3000148             | false | its WAL ends at 0/4000000 on timeline 2, at or before the point where timeline 3 forked from it (0/5000060): it can stream the rest",
        "exactly at the fork                      | 2 | 0/5000060 | 1@0/3000148             | false | its WAL ends at 0/5000060 on timeline 2, at or before the point where timeline 3 forked from it (0/5000060): it can stream the rest",
        "old primary that wrote past the fork     | 2 | 0/5000100 | 1@0/3000148             | true  | diverged from timeline 2 at 0/5000060: its WAL ends at 0/5000100 on timeline 2, past the point where timeline 3 forked from it",
        "clean switchover primary, ends at fork   | 1 | 0/3000148 |                         | false | its WAL ends at 0/3000148 on timeline 1, at or before the point where timeline 2 forked from it (0/3000148): it can stream the rest",
        "a timeline the history does not know     | 4 | 0/6000000 | 3@0/5800000             | true  | its WAL ends at 0/6000000 on timeline 4, a timeline the history does not know (the cluster is on timeline 3)",
        "same number, another branch              | 3 | 0/5100000 | 1@0/3000148 2@0/5000100 | true  | its WAL ends at 0/5100000 on timeline 3, and its timeline forked from timeline 2 at 0/5000100, not at 0/5000060 as the cluster's did",
    })
    void judgesTheNodesWalAgainstTheHistory(String situation, long timeline, String end, String forks,
            boolean diverged, String reason) {
        TimelineCheck.Verdict verdict = TimelineCheck.check(HISTORY, new LocalWal(timeline, Lsn.parse(end), forks(forks)));
        assertEquals(new TimelineCheck.Verdict(diverged, reason), new TimelineCheck.Verdict(verdict.diverged(),
                verdict.reason()), situation);
    }

    @Test
    void namesWhereTheWalOfANodePastTheForkIsNoLongerTheClusters() {
        TimelineCheck.Verdict pastTheFork = TimelineCheck.check(HISTORY, new LocalWal(2, Lsn.parse("0/5000100"),
                forks("1@0/3000148")));
        TimelineCheck.Verdict atTheFork = TimelineCheck.check(HISTORY, new LocalWal(2, Lsn.parse("0/5000060"),
                forks("1@0/3000148")));

        assertEquals(new TimelineFork(2, Lsn.parse("0/5000060")), pastTheFork.discardedFrom());
        assertEquals(null, atTheFork.discardedFrom());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no history yet                 | 0 | 1 | 0/3000000 | false | no promotion is recorded yet",
        "unconfirmed last promotion     | 4 | 3 | 0/6000000 | false | its WAL ends at 0/6000000 on timeline 3, the cluster's current timeline",
        "before a start on existing data| 5 | 1 | 0/3000000 | false | its WAL ends at 0/3000000 on timeline 1, older than the recorded history (timeline 2 on): PostgreSQL checks it when it streams",
        "an abandoned branch            | 6 | 2 | 0/5000000 | true  | its WAL ends at 0/5000000 on timeline 2, which is not on the history of timeline 3",
    })
    void historiesOfEveryShape(String situation, int shape, long timeline, String end, boolean diverged, String reason) {
        List<PromotionRecord> history = switch (shape) {
            case 0 -> List.of();
            case 4 -> append(HISTORY, new PromotionRecord("node1", 3, Lsn.parse("0/7000000"), 4, "t4", "failover", false));
            case 5 -> List.of(new PromotionRecord("node2", 2, Lsn.parse("0/4000000"), 2, "t", "initial start (existing data)",
                    true));
            default -> List.of(HISTORY.get(0),
                    new PromotionRecord("node2", 1, Lsn.parse("0/3000148"), 2, "t2", "failover", true),
                    new PromotionRecord("node3", 1, Lsn.parse("0/3000100"), 3, "t3", "forced", true));
        };
        assertEquals(new TimelineCheck.Verdict(diverged, reason),
                TimelineCheck.check(history, new LocalWal(timeline, Lsn.parse(end), List.of())), situation);
    }

    private static List<PromotionRecord> append(List<PromotionRecord> history, PromotionRecord entry) {
        List<PromotionRecord> copy = new ArrayList<>(history);
        copy.add(entry);
        return copy;
    }

    private static List<TimelineFork> forks(String text) {
        List<TimelineFork> forks = new ArrayList<>();
        if (text != null) {
            for (String fork : text.trim().split("\\s+")) {
                String[] parts = fork.split("@");
                forks.add(new TimelineFork(Long.parseLong(parts[0]), Lsn.parse(parts[1])));
            }
        }
        return forks;
    }
}
