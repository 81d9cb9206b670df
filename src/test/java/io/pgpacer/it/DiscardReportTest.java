package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.core.cib.DiscardReport;
import io.pgpacer.core.cib.DiscardedTransaction;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.core.status.NodeStatus;
import io.pgpacer.os.FreePorts;
import io.pgpacer.os.ProgramRunner;
import io.pgpacer.postgres.local.PostgresBinaries;
import io.pgpacer.store.CibJson;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.ClusterHarness.CliRun;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Signals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The lost-transaction report (issue 17.3) on real PostgreSQL: an asynchronous primary commits transactions its
 * standby never receives (its WAL sender is frozen with SIGSTOP), its postmaster is killed and the standby is
 * promoted. When the old primary rejoins, the report lists exactly those transactions (their XIDs, tables and rows)
 * and was recorded before pg_rewind discarded them; a rebuild that keeps the old data directory leaves a copy that
 * still holds them, with the report beside it. With synchronous replication the report says nothing was discarded.
 */
class DiscardReportTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);

    private ClusterHarness cluster;

    /** A test's steps on {@link #cluster}. */
    private interface Steps {
        void run() throws Exception;
    }

    private void inCluster(String name, String yaml, Steps steps) throws Exception {
        ClusterHarness.runKeepingDataOnFailure(name, 2, "timings: {bootstrap-wait: 15s}\n" + yaml, started -> {
            cluster = started;
            steps.run();
        });
    }

    @Test
    void theRewindAndTheRebuildOfAnAsyncOldPrimaryReportExactlyItsLostTransactionsBeforeDiscardingThem()
            throws Exception {
        inCluster("discard-report", "", () -> {
            ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
            String first = ClusterHarness.primary(healthy);
            String second = healthy.slaves().get(0);
            try (Connection c = cluster.connect(first); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE lost (id int, note text)");
                s.execute("CREATE TABLE kept (id int PRIMARY KEY, note text)");
                s.execute("INSERT INTO kept VALUES (1, 'before the failover'), (2, 'before the failover')");
            }
            Eventually.await("the tables on " + second, CONVERGE, () -> count(second, "kept") == 2);

            // Given: 3 commits only the primary has (2 + 2 rows into lost, 1 row of kept updated), then it dies.
            Set<Long> lostXids = divergeThePrimary(first, List.of(
                    "INSERT INTO lost VALUES (1, 'lost'), (2, 'lost')",
                    "INSERT INTO lost VALUES (3, 'lost'), (4, 'lost')",
                    "UPDATE kept SET note = 'lost' WHERE id = 1"));
            // When: the standby takes over and the old primary comes back by itself (auto-rewind).
            cluster.awaitStatus(first + " back as a standby of " + second, CONVERGE,
                    s -> ClusterHarness.healthy(s) && second.equals(ClusterHarness.primary(s)));

            // Then: the report lists exactly those transactions, and was made before the rewind.
            DiscardReport rewound = onlyReport(first);
            System.out.println("the rewind's report, as 'pgpacer history --discarded " + first + "' prints it:\n"
                    + cluster.cli("history", "--discarded", first).out());
            assertEquals("pg_rewind", rewound.action());
            assertEquals(lostXids, committedXids(rewound), "the lost commits, by XID: " + rewound);
            assertEquals(3, rewound.committed(), rewound.toString());
            assertEquals(5, rewound.rows(), rewound.toString());
            assertEquals(Map.of("public.lost", 4L, "public.kept", 1L), rewound.committedRowsByRelation());
            List<JsonNode> events = events(first);
            JsonNode reportEvent = event(events, DiscardReport.ALERT_PREFIX + " " + first + " (pg_rewind) discards 3"
                    + " committed transactions (5 rows: public.lost 4, public.kept 1) written past ");
            JsonNode rewindEvent = event(events, "rejoined as standby of " + second + " after pg_rewind");
            assertTrue(Instant.parse(rewound.at()).isBefore(Instant.parse(rewindEvent.path("at").asText())),
                    "the report (" + rewound.at() + ") is read before the rewind's event: " + rewindEvent);
            assertTrue(events.indexOf(reportEvent) < events.indexOf(rewindEvent), events.toString());
            Path stateFile = onlyFile(cluster.cluster().dir().resolve(first).resolve("agent"), "discarded-transactions-");
            assertEquals(rewound.transactions(), CibJson.mapper().readValue(stateFile.toFile(), DiscardReport.class)
                    .transactions(), "the report file in the state directory");
            assertEquals(0, count(first, "lost"), first + " holds the new primary's data, without the lost rows");

            // Given again, with auto-rewind off: the new primary commits 2 transactions its standby never gets.
            assertEquals(0, cluster.cli("property", "set", "auto-rewind=false").exitCode());
            assertEquals(0, cluster.cli("resource", "cleanup").exitCode(), "the first kill's fail-count is reset");
            cluster.awaitStatus("no fail-count left", CONVERGE, s -> ClusterHarness.healthy(s)
                    && s.nodes().stream().allMatch(n -> n.failCount() == 0));
            Set<Long> lostAgain = divergeThePrimary(second, List.of(
                    "INSERT INTO lost VALUES (10, 'lost again'), (11, 'lost again'), (12, 'lost again')",
                    "DELETE FROM kept WHERE id = 2"));
            cluster.awaitStatus(second + " DIVERGED and " + first + " primary", CONVERGE,
                    s -> first.equals(ClusterHarness.primary(s)) && s.diverged().equals(List.of(second)));
            // When: the operator rebuilds it, keeping the old data directory.
            CliRun rebuild = cluster.cli("rebuild", second, "--wait", "--timeout", "60");
            assertEquals(0, rebuild.exitCode(), rebuild.out() + rebuild.err());

            // Then: the report lists them, and the set-aside copy still holds their rows.
            DiscardReport rebuilt = onlyReport(second);
            System.out.println("the rebuild's report:\n" + cluster.cli("history", "--discarded", second).out());
            assertEquals("rebuild", rebuilt.action());
            assertEquals(lostAgain, committedXids(rebuilt), rebuilt.toString());
            assertEquals(Map.of("public.lost", 3L, "public.kept", 1L), rebuilt.committedRowsByRelation());
            Path aside = onlyFile(cluster.dataDir(second).getParent(), "data.pgpacer-old-");
            assertEquals(rebuilt.transactions(), CibJson.mapper().readValue(aside.resolve(
                    "pgpacer-discarded-transactions.json").toFile(), DiscardReport.class).transactions());
            assertEquals(List.of("10 lost again", "11 lost again", "12 lost again", "kept: 1"),
                    rowsOfACopy(aside, "SELECT id || ' ' || note FROM lost UNION ALL SELECT 'kept: ' || count(*)"
                            + " FROM kept ORDER BY 1"), "the set-aside copy holds the lost rows (and lacks the"
                            + " deleted one)");
            JsonNode history = cluster.api().call("GET", "/history");
            assertEquals(2, Stream.of(history.toString()).mapToLong(h -> h.split("\"discarded\"").length - 1).sum(),
                    "two history entries carry a report: " + history.toPrettyString());
        });
    }

    @Test
    void withSynchronousReplicationTheReportSaysNothingWasDiscarded() throws Exception {
        inCluster("discard-report-sync", "replication: {mode: sync}\n", () -> {
            ClusterStatus healthy = cluster.awaitSyncHealthy(CONVERGE);
            String first = ClusterHarness.primary(healthy);
            String second = healthy.slaves().get(0);
            try (Connection c = cluster.connect(first); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE acknowledged (id int)");
                s.execute("INSERT INTO acknowledged SELECT generate_series(1, 10)");
            }
            Signals.send("KILL", ClusterHarness.node(cluster.api().status(), first).postmasterPid());
            cluster.awaitStatus(second + " primary and " + first + " its standby", CONVERGE,
                    s -> ClusterHarness.healthy(s) && second.equals(ClusterHarness.primary(s)));
            // why the operator's repair: a node that did not diverge rejoins without a rewind, so without one there
            // would be no report at all; pg_rewind then finds nothing to rewind.
            CliRun repair = cluster.cli("repair", first, "--wait", "--timeout", "60");
            assertEquals(0, repair.exitCode(), repair.out() + repair.err());

            List<DiscardReport> reports = reports(first);
            System.out.println("sync mode, 'pgpacer history --discarded':\n" + cluster.cli("history", "--discarded")
                    .out());
            assertTrue(!reports.isEmpty(), "the repair made a report");
            for (DiscardReport report : reports) {
                assertTrue(report.empty(), report.toString());
                assertTrue(report.summary().startsWith(DiscardReport.NOTHING_PREFIX + " " + first), report.summary());
            }
            assertTrue(events(first).stream().anyMatch(e -> e.path("text").asText().startsWith(
                    DiscardReport.NOTHING_PREFIX + " " + first)), events(first).toString());
            assertTrue(events(first).stream().noneMatch(e -> e.path("text").asText().startsWith(
                    DiscardReport.ALERT_PREFIX)), events(first).toString());
            assertEquals(10, count(first, "acknowledged"));
        });
    }

    // The primary commits each statement in its own transaction while its WAL sender is frozen, so the standby never
    // receives them; then its postmaster dies. Returns the transactions' XIDs.
    private Set<Long> divergeThePrimary(String primary, List<String> statements) throws Exception {
        // why wait for a caught-up stream first: a standby that has just rejoined reconnects once more (it follows
        // the timeline switch), and a sender frozen before that reconnect is not the one that ends up streaming.
        long sender = Eventually.await("one WAL sender on " + primary + " streaming, its standby caught up", CONVERGE,
                () -> caughtUpSender(primary), pid -> pid > 0);
        Signals.send("STOP", sender);
        String standby = cluster.api().status().nodes().stream().map(NodeStatus::name).filter(n -> !n.equals(primary))
                .findFirst().orElseThrow();
        String received = receivedLsn(standby);
        Set<Long> xids = new TreeSet<>();
        try (Connection c = cluster.connect(primary); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (String statement : statements) {
                s.execute(statement);
                try (ResultSet r = s.executeQuery("SELECT txid_current()")) {
                    r.next();
                    xids.add(r.getLong(1));
                }
                c.commit();
            }
        }
        assertEquals(received, receivedLsn(standby), standby + " received nothing of the commits only " + primary
                + " may have");
        long postmaster = ClusterHarness.node(cluster.api().status(), primary).postmasterPid();
        Signals.send("KILL", sender);
        Signals.send("KILL", postmaster);
        return xids;
    }

    // The pid of the primary's only WAL sender when it streams and its standby has replayed all WAL; 0 otherwise.
    private long caughtUpSender(String primary) {
        try (Connection c = cluster.connect(primary); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT pid, state = 'streaming' AND replay_lsn = pg_current_wal_lsn()"
                     + " FROM pg_stat_replication")) {
            long pid = 0;
            int senders = 0;
            while (r.next()) {
                senders++;
                pid = r.getBoolean(2) ? r.getLong(1) : 0;
            }
            return senders == 1 ? pid : 0;
        } catch (SQLException e) {
            return 0;
        }
    }

    private String receivedLsn(String standby) throws Exception {
        try (Connection c = cluster.connect(standby); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT pg_last_wal_receive_lsn()")) {
            r.next();
            return r.getString(1);
        }
    }

    private List<DiscardReport> reports(String node) throws Exception {
        CliRun json = cluster.cli("history", "--discarded", node, "--json");
        assertEquals(0, json.exitCode(), json.err());
        return List.of(CibJson.mapper().readValue(json.out(), DiscardReport[].class));
    }

    private DiscardReport onlyReport(String node) throws Exception {
        List<DiscardReport> reports = Eventually.await("a lost-transaction report of " + node, CONVERGE,
                () -> {
                    try {
                        return reports(node);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, r -> !r.isEmpty());
        assertEquals(1, reports.size(), "one report of " + node + ": " + reports);
        return reports.get(0);
    }

    private static Set<Long> committedXids(DiscardReport report) {
        return report.transactions().stream().filter(t -> t.outcome() == DiscardedTransaction.Outcome.COMMITTED)
                .map(DiscardedTransaction::xid).collect(Collectors.toCollection(TreeSet::new));
    }

    private List<JsonNode> events(String node) {
        List<JsonNode> events = new ArrayList<>();
        cluster.apiOf(node).call("GET", "/events").forEach(events::add);
        return events;
    }

    private static JsonNode event(List<JsonNode> events, String start) {
        return events.stream().filter(e -> e.path("text").asText().startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no event starts with '" + start + "': "
                        + events.stream().map(e -> e.path("text").asText()).collect(Collectors.joining("\n"))));
    }

    private static Path onlyFile(Path directory, String prefix) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && !p.getFileName().toString().endsWith(".partial")).toList();
            assertEquals(1, found.size(), "one " + prefix + "* in " + directory + ": " + found);
            return found.get(0);
        }
    }

    private long count(String node, String table) {
        try (Connection c = cluster.connect(node); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    // A throwaway PostgreSQL on a copy of the set-aside directory (the operator's copy stays as it was): its crash
    // recovery replays the WAL the rebuild did not discard, and the query reads what it holds.
    private static List<String> rowsOfACopy(Path aside, String query) throws Exception {
        Path copy = aside.resolveSibling("copy-of-" + aside.getFileName());
        run("cp", "-a", aside.toString(), copy.toString());
        String pgCtl = PostgresBinaries.locate(null).program("pg_ctl");
        int port = FreePorts.next();
        run(asPostgres(pgCtl, "start", "-D", copy.toString(), "-w", "-t", "60", "-l", copy.resolve("throwaway.log")
                .toString(), "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
                + " -c shared_preload_libraries='' -c archive_mode=off"));
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                + "/postgres?user=postgres&connectTimeout=5&socketTimeout=10");
             Statement s = c.createStatement(); ResultSet r = s.executeQuery(query)) {
            List<String> rows = new ArrayList<>();
            while (r.next()) {
                rows.add(r.getString(1));
            }
            return rows;
        } finally {
            run(asPostgres(pgCtl, "stop", "-D", copy.toString(), "-m", "immediate", "-w"));
        }
    }

    private static String[] asPostgres(String program, String... arguments) {
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres",
                "--init-groups", "--", program));
        command.addAll(List.of(arguments));
        return command.toArray(String[]::new);
    }

    private static void run(String... command) {
        ProgramRunner.Result result = ProgramRunner.run("test", List.of(command), Map.of(), Duration.ofSeconds(90));
        assertTrue(result.succeeded(), result.commandLine() + ": " + result.output());
    }
}
