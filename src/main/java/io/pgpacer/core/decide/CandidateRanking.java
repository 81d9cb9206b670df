package io.pgpacer.core.decide;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.SyncSet;
import io.pgpacer.core.model.Lsn;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

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
            } else if (cib.maintenance().covers(name)) {
                excluded.add(name + " is in maintenance");
            } else if (cib.runsNoPostgres(name)) {
                excluded.add(name + " " + StandbyPlanner.whyNoPostgres(cib, name).orElseThrow());
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
        if (!cib.syncSet().isEmpty()) {
            return restrictToSyncSet(snapshot, lostPrimary, sortByWal(cib, eligible), excluded);
        }
        return new Ranking(sortByWal(cib, eligible), excluded);
    }

    // when commits waited for recorded standbys: hear from enough of them to know which one holds every
    // acknowledged commit, and promote only that one (S2)
    private static Ranking restrictToSyncSet(ClusterSnapshot snapshot, String lostPrimary, List<String> eligible,
            List<String> excluded) {
        Cib cib = snapshot.cib();
        SyncSet sync = cib.syncSet();
        List<String> members = sync.standbys().stream().filter(n -> !n.equals(lostPrimary)).toList();
        List<String> answered = members.stream().filter(n -> answered(snapshot, n)).toList();
        List<String> reasons = new ArrayList<>(excluded);
        if (answered.size() < sync.answersNeeded()) {
            reasons.add("only " + answered.size() + " of the recorded sync standbys " + sync.standbys()
                    + " answered, " + sync.answersNeeded() + " are needed to know which holds every acknowledged commit");
            return new Ranking(List.of(), reasons);
        }
        List<String> byWal = sortByWal(cib, answered);
        NodeReport best = cib.reports().get(byWal.get(0));
        List<String> mostAdvanced = byWal.stream().filter(n -> sameWal(cib.reports().get(n), best))
                .filter(eligible::contains).toList();
        if (mostAdvanced.isEmpty()) {
            reasons.add("the most advanced recorded sync standby " + byWal.get(0) + " (" + best.lsn()
                    + ") cannot be promoted, and promoting another could lose acknowledged commits");
            return new Ranking(List.of(), reasons);
        }
        return new Ranking(mostAdvanced, reasons);
    }

    // A recorded sync standby "answered" when its report since the primary was lost shows its WAL position.
    private static boolean answered(ClusterSnapshot snapshot, String node) {
        NodeReport report = snapshot.cib().reports().get(node);
        return report != null && snapshot.online(node) && snapshot.heardSinceLeaseChange(node) && report.hasData();
    }

    private static boolean sameWal(NodeReport a, NodeReport b) {
        return a.timeline() == b.timeline() && a.lsn().equals(b.lsn());
    }

    /** Nodes that may start the cluster when no promotion was ever recorded. */
    static Ranking initialCandidates(ClusterSnapshot snapshot) {
        Cib cib = snapshot.cib();
        Ranking usable = usable(cib, snapshot::online, "has not reported");
        List<String> withData = usable.ranked().stream().filter(n -> cib.reports().get(n).hasData()).toList();
        return new Ranking(sortByWal(cib, withData.isEmpty() ? usable.ranked() : withData), usable.excluded());
    }

    /**
     * Nodes an operator's recover-master may elect: online, with data, neither failed, unresponsive nor diverged;
     * the most advanced WAL first, whatever the recorded history says.
     */
    static Ranking recoveryCandidates(Cib cib, Predicate<String> online) {
        Ranking usable = usable(cib, online, "is offline");
        List<String> withData = new ArrayList<>();
        List<String> excluded = new ArrayList<>(usable.excluded());
        for (String name : usable.ranked()) {
            if (cib.reports().get(name).hasData()) {
                withData.add(name);
            } else {
                excluded.add(name + " has no data");
            }
        }
        return new Ranking(sortByWal(cib, withData), excluded);
    }

    // Online data nodes whose PostgreSQL could run: not failed, unresponsive or diverged; in configured order.
    private static Ranking usable(Cib cib, Predicate<String> online, String silentReason) {
        List<String> eligible = new ArrayList<>();
        List<String> excluded = new ArrayList<>();
        for (NodeSpec node : cib.dataNodes()) {
            String name = node.name();
            NodeReport report = cib.reports().get(name);
            if (!online.test(name) || report == null) {
                excluded.add(name + " " + silentReason);
            } else if (cib.runsNoPostgres(name)) {
                excluded.add(name + " " + StandbyPlanner.whyNoPostgres(cib, name).orElseThrow());
            } else if (report.pgState() == PgState.FAILED || report.pgState() == PgState.UNRESPONSIVE
                    || report.pgState() == PgState.DIVERGED) {
                excluded.add(name + " is " + report.pgState());
            } else {
                eligible.add(name);
            }
        }
        return new Ranking(eligible, excluded);
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
