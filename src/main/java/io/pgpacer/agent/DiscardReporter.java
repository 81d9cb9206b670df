package io.pgpacer.agent;

import io.pgpacer.core.cib.DiscardReport;
import io.pgpacer.core.cib.DiscardedTransaction;
import io.pgpacer.core.cib.DiscardedTransaction.RelationChange;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand.RecordDiscardReport;
import io.pgpacer.core.timeline.TimelineCheck;
import io.pgpacer.core.timeline.TimelineFork;
import io.pgpacer.postgres.PostgresException;
import io.pgpacer.postgres.PostgresInstance;
import io.pgpacer.postgres.RelationName;
import io.pgpacer.postgres.Upstream;
import io.pgpacer.store.CibJson;
import io.pgpacer.store.ClusterStore;
import io.pgpacer.store.StoreUnavailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The lost-transaction report (issue 17): before a pg_rewind or a rebuild throws away this node's WAL past the point
 * where the cluster's timeline forked from it, reads that WAL with pg_waldump, names its relations by the current
 * primary's catalog, and records the report in the CIB, the node's events and a file in the state directory (a
 * rewound data directory keeps no old copy); a rebuild also leaves the file in the set-aside data directory. A report
 * that cannot be made never stops the rewind: it says what could not be read, under the alert prefix.
 */
final class DiscardReporter {

    /** The file a rebuild leaves in the data directory it set aside. */
    static final String SET_ASIDE_FILE = "pgpacer-discarded-transactions.json";
    /** The start of a report file's name in the state directory; the report's time follows. */
    static final String STATE_FILE_PREFIX = "discarded-transactions-";

    private static final System.Logger LOG = System.getLogger(DiscardReporter.class.getName());

    private final String self;
    private final PostgresInstance pg;
    private final ClusterStore store;
    private final Duration storeTimeout;
    private final Consumer<String> events;
    private final Path stateDir;
    /** What the last report was about (the action and the finding), so that a retried rewind reports once. */
    private String lastReported;
    private DiscardReport lastReport;

    /**
     * @param events where the one-line summary goes (the node's event feed)
     * @param stateDir the agent's state directory, where every report is kept as a file; null keeps none
     */
    DiscardReporter(String self, PostgresInstance pg, ClusterStore store, Duration storeTimeout,
            Consumer<String> events, Path stateDir) {
        this.self = self;
        this.pg = pg;
        this.store = store;
        this.storeTimeout = storeTimeout;
        this.events = events;
        this.stateDir = stateDir;
    }

    /**
     * Reads what this stopped node's WAL holds past the fork that {@code verdict} names and records the report, before
     * {@code action} discards it.
     *
     * @param verdict the timeline check of the data directory as it is now; null when it could not be made
     * @param why when {@code verdict} is null: why there is none
     * @param primary the current primary, whose catalog names the relations
     */
    DiscardReport beforeDiscarding(String action, TimelineCheck.Verdict verdict, String why, Upstream primary) {
        // why: a rewind that failed is retried after a back-off on the same WAL; one report of it is the truth, more
        // would count its transactions again
        String about = action + "|" + (verdict == null ? why : verdict.reason());
        if (about.equals(lastReported)) {
            return lastReport;
        }
        String at = Instant.now().toString();
        long clusterTimeline = store.localCopy().currentTimeline();
        DiscardReport report;
        if (verdict == null) {
            report = DiscardReport.unreadable(self, at, action, clusterTimeline, "no timeline check", why);
        } else if (!verdict.diverged()) {
            report = DiscardReport.nothingPastFork(self, at, action, clusterTimeline, verdict.reason());
        } else if (verdict.discardedFrom() == null) {
            report = DiscardReport.unreadable(self, at, action, clusterTimeline, verdict.reason(), "its WAL did not"
                    + " fork from the cluster's timeline at a single point, so there is no one place to read from");
        } else {
            report = read(at, action, clusterTimeline, verdict, primary);
        }
        record(report);
        lastReported = about;
        lastReport = report;
        return report;
    }

    private DiscardReport read(String at, String action, long clusterTimeline, TimelineCheck.Verdict verdict,
            Upstream primary) {
        TimelineFork fork = verdict.discardedFrom();
        List<DiscardedTransaction> transactions;
        io.pgpacer.core.model.Lsn end;
        try {
            transactions = pg.transactionsFrom(fork.parent(), fork.switchpoint());
            end = pg.localWal().end();
        } catch (PostgresException e) {
            return DiscardReport.unreadable(self, at, action, clusterTimeline, verdict.reason(), e.getMessage());
        }
        return DiscardReport.read(self, at, action, clusterTimeline, verdict.reason(), fork.parent(),
                fork.switchpoint(), end, named(transactions, primary));
    }

    // A relation that cannot be named keeps its file node: the report is worth more than the names.
    private List<DiscardedTransaction> named(List<DiscardedTransaction> transactions, Upstream primary) {
        Set<String> fileNodes = new LinkedHashSet<>();
        transactions.forEach(t -> t.changes().forEach(c -> fileNodes.add(c.fileNode())));
        Map<String, RelationName> names;
        try {
            names = fileNodes.isEmpty() ? Map.of() : pg.relationNames(primary, fileNodes);
        } catch (PostgresException e) {
            LOG.log(System.Logger.Level.WARNING, "the lost-transaction report names relations by file node only: "
                    + e.getMessage());
            return transactions;
        }
        List<DiscardedTransaction> named = new ArrayList<>();
        for (DiscardedTransaction t : transactions) {
            List<RelationChange> changes = new ArrayList<>();
            for (RelationChange c : t.changes()) {
                RelationName name = names.get(c.fileNode());
                changes.add(name == null ? c : c.named(name.database(), name.relation()));
            }
            named.add(t.withChanges(changes));
        }
        return named;
    }

    private void record(DiscardReport report) {
        String kept = stateDir == null ? null : write(stateDir.resolve(STATE_FILE_PREFIX
                + report.at().replaceAll("[^0-9TZ]", "") + ".json"), report);
        String stored;
        try {
            CommandResult result = store.submit(new RecordDiscardReport(report), storeTimeout);
            stored = result.applied() ? null : "the CIB refused it: " + result.message();
        } catch (StoreUnavailableException e) {
            stored = "the CIB could not take it: " + e.getMessage();
        }
        String summary = report.summary() + (kept == null ? "" : "; report in " + kept)
                + (stored == null ? "" : " (" + stored + ")");
        LOG.log(report.empty() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, summary);
        events.accept(summary);
    }

    /** Leaves the full report in the data directory a rebuild set aside, beside the data it describes. */
    void keepWith(DiscardReport report, Path setAside) {
        String written = write(setAside.resolve(SET_ASIDE_FILE), report);
        if (written == null) {
            events.accept("the lost-transaction report could not be written into " + setAside + "; it is in the"
                    + " node's state directory and the CIB");
        }
    }

    // Written whole or not at all: a report file is read by people deciding what to restore.
    private static String write(Path file, DiscardReport report) {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try {
            Files.writeString(partial, CibJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(report)
                    + "\n", StandardCharsets.UTF_8);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return file.toString();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "writing the lost-transaction report to " + file + " failed: " + e);
            return null;
        }
    }
}
