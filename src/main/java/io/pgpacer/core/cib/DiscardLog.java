package io.pgpacer.core.cib;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lost-transaction reports the cluster keeps: the latest {@link #REPORTS_KEPT}, each listing at most
 * {@link DiscardReport#TRANSACTIONS_KEPT} transactions, and per node the running totals that never shrink (for the
 * metrics' counters).
 */
public record DiscardLog(List<DiscardReport> reports, Map<String, Totals> totals) {

    public static final int REPORTS_KEPT = 20;
    public static final DiscardLog EMPTY = new DiscardLog(List.of(), Map.of());

    /**
     * Counts of one node since the cluster began.
     *
     * @param reports reports recorded (one per rewind or rebuild)
     * @param nonEmpty reports that lost committed transactions or could not read the WAL
     * @param transactions committed transactions discarded
     */
    public record Totals(long reports, long nonEmpty, long transactions) {
        public static final Totals NONE = new Totals(0, 0, 0);
    }

    public DiscardLog {
        reports = reports == null ? List.of() : List.copyOf(reports);
        totals = totals == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(totals));
    }

    /** This log with {@code report} appended (bounded), the oldest report dropped first. */
    public DiscardLog with(DiscardReport report) {
        List<DiscardReport> kept = new ArrayList<>(reports);
        kept.add(report.bounded(DiscardReport.TRANSACTIONS_KEPT));
        if (kept.size() > REPORTS_KEPT) {
            kept = kept.subList(kept.size() - REPORTS_KEPT, kept.size());
        }
        Map<String, Totals> counted = new LinkedHashMap<>(totals);
        Totals before = counted.getOrDefault(report.node(), Totals.NONE);
        counted.put(report.node(), new Totals(before.reports() + 1, before.nonEmpty() + (report.empty() ? 0 : 1),
                before.transactions() + report.committed()));
        return new DiscardLog(kept, counted);
    }

    public List<DiscardReport> of(String node) {
        return reports.stream().filter(r -> r.node().equals(node)).toList();
    }
}
