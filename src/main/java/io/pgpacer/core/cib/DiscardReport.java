package io.pgpacer.core.cib;

import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.probe.ProbeTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a node's WAL held past the point where the cluster's timeline forked from it, read with pg_waldump before a
 * pg_rewind or a rebuild threw it away: the transactions only this node had. Empty when the node's WAL ends at or
 * before the fork (the normal case with synchronous replication).
 *
 * @param at when the WAL was read (ISO-8601, UTC): before anything was discarded
 * @param action what discards the data: {@code pg_rewind} (auto-rewind), {@code repair} (the operator's pg_rewind),
 *     {@code rebuild} or {@code rebuild --discard-old}
 * @param clusterTimeline the cluster's timeline then: the promotion the data was discarded for
 * @param verdict the timeline check's finding on this node's WAL, in operator words
 * @param timeline the node's timeline that was read past the fork; 0 when nothing was read
 * @param from where the discarded WAL begins (the fork point); null when nothing was read
 * @param to where the node's WAL ends; null when nothing was read
 * @param committed committed transactions past the fork, all of them (also those beyond {@code transactions})
 * @param rows rows those committed transactions changed
 * @param unfinished transactions past the fork that aborted or never finished: nothing of them was visible
 * @param transactions the transactions, in WAL order; in the CIB only the first {@link #TRANSACTIONS_KEPT}
 * @param omitted how many transactions are not in {@code transactions}
 * @param unreadable why the WAL past the fork could not be read, null when it was (or there was none)
 * @param probeHeartbeats committed transactions that only wrote pgpacer's write-probe row ({@link
 *     ProbeTable#NAME}): left out of {@code transactions} and the totals, since no client wrote them
 */
public record DiscardReport(String node, String at, String action, long clusterTimeline, String verdict,
        long timeline, Lsn from, Lsn to, int committed, long rows, int unfinished,
        List<DiscardedTransaction> transactions, int omitted, String unreadable, int probeHeartbeats) {

    /** How many transactions a report in the CIB lists; the file next to the data lists all. */
    public static final int TRANSACTIONS_KEPT = 20;
    /** The fixed start of the event line of a report that lost (or may have lost) commits, for operators' alerts. */
    public static final String ALERT_PREFIX = "discarded-transactions:";
    /** The start of the event line of a report that lost no commit. */
    public static final String NOTHING_PREFIX = "nothing discarded:";

    public DiscardReport {
        transactions = List.copyOf(transactions);
    }

    /** A report of a node whose WAL ends at or before the fork: nothing of it is thrown away. */
    public static DiscardReport nothingPastFork(String node, String at, String action, long clusterTimeline,
            String verdict) {
        return new DiscardReport(node, at, action, clusterTimeline, verdict, 0, null, null, 0, 0, 0, List.of(), 0,
                null, 0);
    }

    /** A report of a node whose WAL past the fork could not be read: what it held is unknown. */
    public static DiscardReport unreadable(String node, String at, String action, long clusterTimeline,
            String verdict, String why) {
        return new DiscardReport(node, at, action, clusterTimeline, verdict, 0, null, null, 0, 0, 0, List.of(), 0, why,
                0);
    }

    /**
     * The report of the transactions read from {@code from} to {@code to} on {@code timeline}, all listed but the
     * write probe's own (counted in {@code probeHeartbeats}).
     */
    public static DiscardReport read(String node, String at, String action, long clusterTimeline, String verdict,
            long timeline, Lsn from, Lsn to, List<DiscardedTransaction> read) {
        List<DiscardedTransaction> transactions = read.stream().filter(t -> !t.onlyWriteProbe()).toList();
        int probeHeartbeats = (int) read.stream().filter(t -> t.onlyWriteProbe()
                && t.outcome() == DiscardedTransaction.Outcome.COMMITTED).count();
        List<DiscardedTransaction> committed = transactions.stream()
                .filter(t -> t.outcome() == DiscardedTransaction.Outcome.COMMITTED).toList();
        return new DiscardReport(node, at, action, clusterTimeline, verdict, timeline, from, to, committed.size(),
                committed.stream().mapToLong(DiscardedTransaction::rows).sum(),
                transactions.size() - committed.size(), transactions, 0, null, probeHeartbeats);
    }

    /** Whether the report shows that no committed transaction was lost. */
    public boolean empty() {
        return unreadable == null && committed == 0;
    }

    /** The same report listing only the first {@code kept} transactions (the totals stay those of all). */
    public DiscardReport bounded(int kept) {
        if (transactions.size() <= kept) {
            return this;
        }
        return new DiscardReport(node, at, action, clusterTimeline, verdict, timeline, from, to, committed, rows,
                unfinished, transactions.subList(0, kept), omitted + transactions.size() - kept, unreadable,
                probeHeartbeats);
    }

    /**
     * Rows of the committed transactions per relation, in the order the WAL first changed them, from the listed
     * transactions.
     */
    public Map<String, Long> committedRowsByRelation() {
        Map<String, Long> rowsByRelation = new LinkedHashMap<>();
        for (DiscardedTransaction t : transactions) {
            if (t.outcome() == DiscardedTransaction.Outcome.COMMITTED) {
                for (DiscardedTransaction.RelationChange c : t.changes()) {
                    rowsByRelation.merge(c.name(), c.rows(), Long::sum);
                }
            }
        }
        return rowsByRelation;
    }

    /**
     * The one line for the node's events and the agent's log: {@link #ALERT_PREFIX} and the totals when commits were
     * lost or the WAL could not be read, else {@link #NOTHING_PREFIX} and why.
     */
    public String summary() {
        String who = node + " (" + action + ")";
        if (unreadable != null) {
            return ALERT_PREFIX + " unknown for " + who + ": the WAL past the fork could not be read (" + unreadable
                    + "); " + verdict;
        }
        String range = "past " + from + " on timeline " + timeline + " (to " + to + ")";
        String heartbeats = probeHeartbeats == 0 ? "" : "; " + probeHeartbeats + " write-probe heartbeat"
                + (probeHeartbeats == 1 ? "" : "s") + " of pgpacer's own left out";
        if (committed == 0) {
            return NOTHING_PREFIX + " " + who + ": " + (from == null ? verdict
                    : "no committed transaction " + range + (unfinished == 0 ? ""
                            : "; " + unfinished + " aborted or unfinished, never visible") + heartbeats);
        }
        List<String> relations = new ArrayList<>();
        committedRowsByRelation().forEach((relation, count) -> relations.add(relation + " " + count));
        return ALERT_PREFIX + " " + who + " discards " + committed + " committed transaction"
                + (committed == 1 ? "" : "s") + " (" + rows + " row" + (rows == 1 ? "" : "s") + ": "
                + relations.stream().collect(Collectors.joining(", ")) + (omitted > 0 ? ", ..." : "") + ") written "
                + range + (unfinished == 0 ? "" : "; " + unfinished + " more aborted or unfinished") + heartbeats;
    }
}
