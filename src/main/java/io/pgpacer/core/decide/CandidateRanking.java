package io.pgpacer.core.decide;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.model.Lsn;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Ranks nodes for the primary role: the most advanced WAL first (timeline, then LSN), ties broken by the
 * configured node order. Also explains why each excluded node was excluded.
 */
final class CandidateRanking {

    /** The ranking and the reasons for every node left out of it. */
    record Ranking(List<String> ranked, List<String> excluded) {

        Optional<String> best() {
            return ranked.isEmpty() ? Optional.empty() : Optional.of(ranked.get(0));
        }

        String excludedText() {
            return excluded.isEmpty() ? "" : String.join("; ", excluded);
        }
    }

    private CandidateRanking() {
    }

    /**
     * Standbys that may replace a lost primary: online, running in recovery, on the timeline of the last
     * promotion, below the migration threshold, and heard from since the lease changed (so their LSN is
     * not older than the failure).
     */
    static Ranking failoverCandidates(ClusterSnapshot snapshot, String lostPrimary) {
        Cib cib = snapshot.cib();
        long currentTimeline = cib.currentTimeline();
        List<String> eligible = new ArrayList<>();
        List<String> excluded = new ArrayList<>();
        for (NodeSpec node : cib.dataNodes()) {
            String name = node.name();
            if (name.equals(lostPrimary)) {
                continue;
            }
            NodeReport report = cib.reports().get(name);
            if (!snapshot.online(name) || report == null) {
                excluded.add(name + " offline");
            } else if (!cib.eligibleForPrimary(name)) {
                excluded.add(name + " fail-count " + cib.failCount(name).count() + " >= migration-threshold "
                        + cib.settings().migrationThreshold());
            } else if (report.pgState() != PgState.STANDBY) {
                excluded.add(name + " is not a running standby (" + report.pgState() + ")");
            } else if (report.timeline() < currentTimeline) {
                excluded.add(name + " is on timeline " + report.timeline() + ", behind timeline " + currentTimeline);
            } else if (!snapshot.heardSinceLeaseChange(name)) {
                excluded.add(name + " has not reported since the primary was lost");
            } else {
                eligible.add(name);
            }
        }
        return new Ranking(sortByWal(cib, eligible), excluded);
    }

    /** Nodes that may start the cluster when no promotion was ever recorded. */
    static Ranking initialCandidates(ClusterSnapshot snapshot) {
        Cib cib = snapshot.cib();
        List<String> eligible = new ArrayList<>();
        List<String> excluded = new ArrayList<>();
        for (NodeSpec node : cib.dataNodes()) {
            String name = node.name();
            NodeReport report = cib.reports().get(name);
            if (!snapshot.online(name) || report == null) {
                excluded.add(name + " has not reported");
            } else if (report.pgState() == PgState.FAILED || report.pgState() == PgState.UNRESPONSIVE) {
                excluded.add(name + " is " + report.pgState());
            } else {
                eligible.add(name);
            }
        }
        List<String> withData = eligible.stream().filter(n -> cib.reports().get(n).hasData()).toList();
        return new Ranking(sortByWal(cib, withData.isEmpty() ? eligible : withData), excluded);
    }

    private static List<String> sortByWal(Cib cib, List<String> names) {
        List<String> order = cib.nodes().stream().map(NodeSpec::name).toList();
        Comparator<String> byWal = Comparator
                .comparingLong((String n) -> cib.reports().get(n).timeline())
                .thenComparing(n -> cib.reports().get(n).lsn(), Comparator.<Lsn>naturalOrder())
                .reversed();
        return names.stream().sorted(byWal.thenComparingInt(order::indexOf)).toList();
    }
}
