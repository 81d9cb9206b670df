package io.pgpacer.cli;

import io.pgpacer.api.ApiClient;
import io.pgpacer.api.ClusterView.HistoryEntry;
import io.pgpacer.config.ConfigException;
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
        "timeline.",
        "pcs equivalent: none; the reference keeps only the latest entry ('pgsql_REPL_INFO', see 'status --full')."})
final class HistoryCommand implements Callable<Integer> {

    private static final String[] HEADER = {"#", "NODE", "OLD TL", "SWITCH LSN", "NEW TL", "TIME", "REASON"};

    @Mixin
    AgentTarget target;

    @Option(names = "--json", description = "Print the history as JSON, for scripts.")
    boolean json;

    /**
     * One entry of {@code history --json}, named as the CIB names a promotion (camelCase, as every JSON document of
     * the CLI).
     *
     * @param oldTimeline the timeline that ended; null for an initial start, which ended none
     * @param switchLsn where it ended; null for an initial start
     * @param at when (ISO-8601, UTC)
     * @param initialStart the entry started the cluster (initdb, or existing data adopted) instead of a promotion
     */
    record Entry(String node, Long oldTimeline, String switchLsn, long newTimeline, String at, String reason,
            boolean confirmed, boolean initialStart) {

        static Entry of(PromotionRecord p) {
            boolean initial = p.initialStart();
            return new Entry(p.node(), initial ? null : p.oldTimeline(), initial ? null : p.switchLsn().toString(),
                    p.newTimeline(), p.at(), p.reason(), p.confirmed(), initial);
        }
    }

    @Override
    public Integer call() throws Exception {
        List<HistoryEntry> history;
        try {
            history = target.client().history();
        } catch (ConfigException | ApiClient.ApiException e) {
            return AgentTarget.failed("history", e);
        }
        System.out.print(json ? CibJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(entries(history))
                + "\n" : render(history, ZoneId.systemDefault()));
        return 0;
    }

    static List<Entry> entries(List<HistoryEntry> history) {
        return history.stream().map(e -> Entry.of(new PromotionRecord(e.newLeader(), e.timeline(), e.lsn(),
                e.newTimeline(), e.timestamp(), e.reason(), e.confirmed()))).toList();
    }

    /** One line per promotion under a header, each column as wide as its widest value; times in {@code zone}. */
    static String render(List<HistoryEntry> history, ZoneId zone) {
        if (history.isEmpty()) {
            return "No promotion recorded yet: the cluster has not started.\n";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        int number = 1;
        for (Entry e : entries(history)) {
            rows.add(new String[] {Integer.toString(number++), e.node(),
                    e.oldTimeline() == null ? "-" : Long.toString(e.oldTimeline()),
                    e.switchLsn() == null ? "-" : e.switchLsn(), Long.toString(e.newTimeline()),
                    Timestamps.local(e.at(), zone), e.reason() + (e.confirmed() ? "" : " (not confirmed by PostgreSQL)")});
        }
        int[] widths = new int[HEADER.length];
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
