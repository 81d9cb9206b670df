package io.pgpacer.cli;

import io.pgpacer.api.ApiClient;
import io.pgpacer.api.ClusterView.HistoryEntry;
import io.pgpacer.config.ConfigException;
import io.pgpacer.store.CibJson;
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

    @Mixin
    AgentTarget target;

    @Option(names = "--json", description = "Print the history as JSON, for scripts.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<HistoryEntry> history;
        try {
            history = target.client().history();
        } catch (ConfigException | ApiClient.ApiException e) {
            return AgentTarget.failed("history", e);
        }
        System.out.print(json ? CibJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(history) + "\n"
                : render(history));
        return 0;
    }

    /** One line per promotion under a header, in columns. */
    static String render(List<HistoryEntry> history) {
        if (history.isEmpty()) {
            return "No promotion recorded yet: the cluster has not started.\n";
        }
        String format = "%-3s %-12s %-7s %-12s %-7s %-24s %s%n";
        StringBuilder out = new StringBuilder(String.format(format, "#", "NODE", "OLD TL", "SWITCH LSN", "NEW TL",
                "TIME", "REASON"));
        int number = 1;
        for (HistoryEntry e : history) {
            out.append(String.format(format, number++, e.newLeader(), e.timeline(), e.lsn(), e.newTimeline(),
                    e.timestamp(), e.reason() + (e.confirmed() ? "" : " (not confirmed by PostgreSQL)")));
        }
        return out.toString();
    }
}
