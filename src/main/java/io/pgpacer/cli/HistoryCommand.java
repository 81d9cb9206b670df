package io.pgpacer.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.pgpacer.api.ApiClient;
import io.pgpacer.api.ClusterView.HistoryEntry;
import io.pgpacer.config.ConfigException;
import io.pgpacer.core.cib.DiscardLog;
import io.pgpacer.core.cib.DiscardReport;
import io.pgpacer.core.cib.DiscardedTransaction;
import io.pgpacer.core.cib.PromotionPhases;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.store.CibJson;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pgpacer history}: every promotion the cluster store recorded, oldest first. */
@Command(name = "history", description = {"Show the timeline history: every promotion, when and why.",
        "Each entry names the new primary, the timeline that ended, the WAL position where it ended and the new",
        "timeline. With --discarded: the lost-transaction reports, what each pg_rewind or rebuild discarded (the",
        "transactions a node's WAL had past the point where the cluster's timeline forked), read before it did.",
        "pcs equivalent: none; the reference keeps only the latest entry ('pgsql_REPL_INFO', see 'status --full')."})
final class HistoryCommand implements Callable<Integer> {

    private static final String[] HEADER = {"#", "NODE", "OLD TL", "SWITCH LSN", "NEW TL", "TIME", "REASON"};

    @Mixin
    AgentTarget target;

    @Option(names = "--json", description = "Print the history as JSON, for scripts.")
    boolean json;

    @Option(names = "--discarded", arity = "0..1", paramLabel = "NODE", fallbackValue = ALL_NODES,
            description = "Show the lost-transaction reports instead (of NODE only, when given).")
    String discarded;

    private static final String ALL_NODES = "*";

    /**
     * One entry of {@code history --json}, named as the CIB names a promotion (camelCase, as every JSON document of
     * the CLI).
     *
     * @param oldTimeline the timeline that ended; null for an initial start, which ended none
     * @param switchLsn where it ended; null for an initial start
     * @param at when (ISO-8601, UTC)
     * @param initialStart the entry started the cluster (initdb, or existing data adopted) instead of a promotion
     * @param phases where the time of the change of primary went, by the new primary's clock; absent when not measured
     */
    record Entry(String node, Long oldTimeline, String switchLsn, long newTimeline, String at, String reason,
            boolean confirmed, boolean initialStart,
            @JsonInclude(JsonInclude.Include.NON_NULL) PromotionPhases phases) {

        static Entry of(PromotionRecord p) {
            boolean initial = p.initialStart();
            return new Entry(p.node(), initial ? null : p.oldTimeline(), initial ? null : p.switchLsn().toString(),
                    p.newTimeline(), p.at(), p.reason(), p.confirmed(), initial, p.phases());
        }
    }

    @Override
    public Integer call() throws Exception {
        List<HistoryEntry> history;
        try {
            if (discarded != null && !ALL_NODES.equals(discarded) && !target.nodeNames().contains(discarded)) {
                throw new ConfigException("unknown node '" + discarded + "' after --discarded; the cluster's nodes are "
                        + target.nodeNames());
            }
            history = target.client().history();
        } catch (ConfigException | ApiClient.ApiException e) {
            return AgentTarget.failed("history", e);
        }
        if (discarded != null) {
            List<DiscardReport> reports = discardReports(history, ALL_NODES.equals(discarded) ? null : discarded);
            System.out.print(json ? CibJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(reports)
                    + "\n" : renderDiscarded(reports, ALL_NODES.equals(discarded) ? null : discarded,
                            ZoneId.systemDefault()));
            return 0;
        }
        System.out.print(json ? CibJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(entries(history))
                + "\n" : render(history, ZoneId.systemDefault()));
        return 0;
    }

    /** The reports of {@code nodeOrNull} (of every node when null), oldest first. */
    static List<DiscardReport> discardReports(List<HistoryEntry> history, String nodeOrNull) {
        return history.stream().flatMap(e -> e.discarded().stream())
                .filter(r -> nodeOrNull == null || r.node().equals(nodeOrNull)).toList();
    }

    /**
     * Per report: its summary line, when it was read, and one line per transaction (XID, outcome, end time, rows per
     * relation); times in {@code zone}.
     */
    static String renderDiscarded(List<DiscardReport> reports, String nodeOrNull, ZoneId zone) {
        if (reports.isEmpty()) {
            return "No lost-transaction report" + (nodeOrNull == null ? "" : " of " + nodeOrNull) + " is recorded: no"
                    + " pg_rewind or rebuild" + (nodeOrNull == null ? "" : " of " + nodeOrNull) + " ran since the"
                    + " cluster began, or its report is older than the latest " + DiscardLog.REPORTS_KEPT + ".\n";
        }
        StringBuilder out = new StringBuilder();
        for (DiscardReport report : reports) {
            out.append(report.summary()).append('\n');
            out.append("  read at ").append(Timestamps.local(report.at(), zone)).append(", before the ")
                    .append(report.action()).append("; the cluster was on timeline ").append(report.clusterTimeline())
                    .append('\n');
            if (report.transactions().isEmpty()) {
                continue;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"XID", "OUTCOME", "ENDED", "LSN", "ROWS (+inserted ~updated -deleted)"});
            for (DiscardedTransaction t : report.transactions()) {
                rows.add(new String[] {Long.toString(t.xid()), t.outcome().name().toLowerCase(java.util.Locale.ROOT),
                        t.endedAt() == null ? "-" : Timestamps.local(t.endedAt(), zone), String.valueOf(t.lsn()),
                        t.changes().isEmpty() ? "-" : t.changes().stream().map(HistoryCommand::change)
                                .collect(java.util.stream.Collectors.joining(", "))});
            }
            for (String line : table(rows).split("\n")) {
                out.append("  ").append(line).append('\n');
            }
            if (report.omitted() > 0) {
                out.append("  ... and ").append(report.omitted()).append(" more transactions (the CIB keeps the first ")
                        .append(DiscardReport.TRANSACTIONS_KEPT).append("; the file named in the node's events has"
                        + " all)\n");
            }
        }
        return out.toString();
    }

    private static String change(DiscardedTransaction.RelationChange c) {
        String counts = (c.inserted() > 0 ? " +" + c.inserted() : "") + (c.updated() > 0 ? " ~" + c.updated() : "")
                + (c.deleted() > 0 ? " -" + c.deleted() : "");
        String database = c.database() == null || c.database().equals("postgres") ? "" : c.database() + ":";
        return database + c.name() + counts;
    }

    static List<Entry> entries(List<HistoryEntry> history) {
        return history.stream().map(e -> Entry.of(new PromotionRecord(e.newLeader(), e.timeline(), e.lsn(),
                e.newTimeline(), e.timestamp(), e.reason(), e.confirmed(), e.phases()))).toList();
    }

    /**
     * One line per promotion under a header, each column as wide as its widest value, and under a promotion whose
     * phases its new primary measured, one more line with them; times in {@code zone}.
     */
    static String render(List<HistoryEntry> history, ZoneId zone) {
        if (history.isEmpty()) {
            return "No promotion recorded yet: the cluster has not started.\n";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        List<Entry> entries = entries(history);
        int number = 1;
        for (Entry e : entries) {
            rows.add(new String[] {Integer.toString(number++), e.node(),
                    e.oldTimeline() == null ? "-" : Long.toString(e.oldTimeline()),
                    e.switchLsn() == null ? "-" : e.switchLsn(), Long.toString(e.newTimeline()),
                    Timestamps.local(e.at(), zone), e.reason() + (e.confirmed() ? "" : " (not confirmed by PostgreSQL)")});
        }
        List<String> lines = table(rows).lines().toList();
        // why under the NODE column: the phases belong to the promotion above, and the number stays alone on the left
        String indent = " ".repeat(lines.get(0).indexOf(HEADER[1]));
        StringBuilder out = new StringBuilder(lines.get(0)).append('\n');
        for (int i = 0; i < entries.size(); i++) {
            out.append(lines.get(i + 1)).append('\n');
            PromotionPhases phases = entries.get(i).phases();
            if (phases != null) {
                out.append(indent).append("phases: ").append(phases.render()).append('\n');
            }
        }
        return out.toString();
    }

    // Every column as wide as its widest value.
    private static String table(List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                // why no padding on the last column: a line never ends in spaces
                line.append(i == row.length - 1 ? row[i] : String.format("%-" + widths[i] + "s  ", row[i]));
            }
            out.append(line).append('\n');
        }
        return out.toString();
    }
}
