package io.pgpacer.core.decide;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.SyncSet;
import io.pgpacer.core.model.Hint;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.resource.PostgresClone;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Ranks nodes for the primary role: the most advanced WAL first (timeline, then LSN), ties broken by the
 * configured node order. Also explains why each excluded node was excluded.
 */
final class CandidateRanking {

    /**
     * Why a node (or, with {@code node} null, the set of recorded sync standbys) was left out of a ranking.
     *
     * @param text the reason in operator words, naming the node
     * @param fix the operator command that would make the node a candidate, or null when none would
     * @param awaited whether only a report is missing: the node may become a candidate by itself within a report
     *     interval, so a refusal that rests on it is a wait, not a failure
     */
    record Exclusion(String node, String text, String fix, boolean awaited) {

        static Exclusion of(String node, String reason) {
            return new Exclusion(node, node + " " + reason, null, false);
        }

        Exclusion fixedBy(String command) {
            return new Exclusion(node, text, command, awaited);
        }
    }

    /** The ranking and the reasons for every node left out of it. */
    record Ranking(List<String> ranked, List<Exclusion> excluded) {

        Ranking {
            ranked = List.copyOf(ranked);
            excluded = List.copyOf(excluded);
        }

        Optional<String> best() {
            return ranked.isEmpty() ? Optional.empty() : Optional.of(ranked.get(0));
        }

        String excludedText() {
            return excluded.stream().map(Exclusion::text).collect(Collectors.joining("; "));
        }

        /** Whether a missing report is all that may keep a node out: the refusal can end without the operator. */
        boolean awaitsReports() {
            return excluded.stream().anyMatch(Exclusion::awaited);
        }

        /** The nodes whose reports are awaited, in configured order. */
        List<String> awaited() {
            return excluded.stream().filter(Exclusion::awaited).map(Exclusion::node).filter(n -> n != null)
                    .toList();
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
        List<Exclusion> excluded = new ArrayList<>();
        for (NodeSpec node : cib.dataNodes()) {
            String name = node.name();
            if (name.equals(lostPrimary)) {
                continue;
            }
            NodeReport report = cib.reports().get(name);
            if (!snapshot.online(name) || report == null) {
                excluded.add(Exclusion.of(name, "offline"));
            } else if (cib.maintenance().covers(name)) {
                excluded.add(Exclusion.of(name, "is in maintenance").fixedBy(Hint.unmaintenance(name)));
            } else if (cib.runsNoPostgres(name)) {
                excluded.add(noPostgres(cib, name));
            } else if (!cib.eligibleForPrimary(name)) {
                excluded.add(Exclusion.of(name, "fail-count " + cib.failCount(name).count() + " >= migration-threshold "
                        + cib.settings().migrationThreshold()).fixedBy(Hint.cleanupNode(name)));
            } else if (report.pgState() != PgState.STANDBY) {
                Exclusion notStandby = Exclusion.of(name, "is not a running standby (" + report.pgState() + ")");
                excluded.add(report.pgState() == PgState.DIVERGED ? notStandby.fixedBy(Hint.repair(name)) : notStandby);
            } else if (report.timeline() < currentTimeline) {
                excluded.add(Exclusion.of(name, "is on timeline " + report.timeline() + ", behind timeline "
                        + currentTimeline));
            } else if (!snapshot.heardSinceLeaseChange(name)) {
                excluded.add(new Exclusion(name, name + " has not reported since the primary was lost", null, true));
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
            List<Exclusion> excluded) {
        Cib cib = snapshot.cib();
        SyncSet sync = cib.syncSet();
        List<String> members = sync.standbys().stream().filter(n -> !n.equals(lostPrimary)).toList();
        List<String> answered = members.stream().filter(n -> answered(snapshot, n)).toList();
        List<Exclusion> reasons = new ArrayList<>(excluded);
        // The data-losing way out, for when no recorded sync standby can ever answer: the most advanced other node.
        String lastResort = eligible.isEmpty() ? null : Hint.forcePromote(eligible.get(0));
        if (answered.size() < sync.answersNeeded()) {
            // why awaited: an online member that has not reported since the loss will, within a report interval
            boolean awaited = members.stream().anyMatch(n -> snapshot.online(n) && !answered.contains(n));
            reasons.add(new Exclusion(null, "only " + answered.size() + " of the recorded sync standbys "
                    + sync.standbys() + " answered, " + sync.answersNeeded() + " are needed to know which holds every"
                    + " acknowledged commit", awaited ? null : lastResort, awaited));
            return new Ranking(List.of(), reasons);
        }
        List<String> byWal = sortByWal(cib, answered);
        NodeReport best = cib.reports().get(byWal.get(0));
        List<String> mostAdvanced = byWal.stream().filter(n -> sameWal(cib.reports().get(n), best))
                .filter(eligible::contains).toList();
        if (mostAdvanced.isEmpty()) {
            String bestFix = excluded.stream().filter(e -> byWal.get(0).equals(e.node()) && e.fix() != null)
                    .map(Exclusion::fix).findFirst().orElse(lastResort);
            reasons.add(new Exclusion(null, "the most advanced recorded sync standby " + byWal.get(0) + " ("
                    + best.lsn() + ") cannot be promoted, and promoting another could lose acknowledged commits",
                    bestFix, false));
            return new Ranking(List.of(), reasons);
        }
        return new Ranking(mostAdvanced, reasons);
    }

    // A node in standby or with msPostgresql banned, and the command that lets it run PostgreSQL again.
    private static Exclusion noPostgres(Cib cib, String name) {
        Exclusion exclusion = Exclusion.of(name, cib.whyNoPostgres(name).orElseThrow());
        return exclusion.fixedBy(cib.inStandby(name) ? Hint.unstandby(name) : Hint.clear(PostgresClone.ID, name));
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
        List<Exclusion> excluded = new ArrayList<>(usable.excluded());
        for (String name : usable.ranked()) {
            if (cib.reports().get(name).hasData()) {
                withData.add(name);
            } else {
                excluded.add(Exclusion.of(name, "has no data"));
            }
        }
        return new Ranking(sortByWal(cib, withData), excluded);
    }

    // Online data nodes whose PostgreSQL could run: not failed, unresponsive or diverged; in configured order.
    private static Ranking usable(Cib cib, Predicate<String> online, String silentReason) {
        List<String> eligible = new ArrayList<>();
        List<Exclusion> excluded = new ArrayList<>();
        for (NodeSpec node : cib.dataNodes()) {
            String name = node.name();
            NodeReport report = cib.reports().get(name);
            if (!online.test(name) || report == null) {
                excluded.add(Exclusion.of(name, silentReason));
            } else if (cib.runsNoPostgres(name)) {
                excluded.add(noPostgres(cib, name));
            } else if (report.pgState() == PgState.FAILED || report.pgState() == PgState.UNRESPONSIVE
                    || report.pgState() == PgState.DIVERGED) {
                excluded.add(Exclusion.of(name, "is " + report.pgState()));
            } else {
                eligible.add(name);
            }
        }
        return new Ranking(eligible, excluded);
    }

    /** {@code names} (each with a report) with the most advanced WAL first, ties in configured order. */
    static List<String> byWal(Cib cib, List<String> names) {
        return sortByWal(cib, names);
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
