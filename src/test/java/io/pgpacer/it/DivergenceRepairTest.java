package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.core.status.NodeStatus;
import io.pgpacer.store.CibJson;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.ClusterHarness.CliRun;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Signals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A diverged old primary on 2 real nodes (S3, S5): the asynchronous primary commits rows its standby never receives
 * (its WAL senders are frozen), then its postmaster is killed and the standby is promoted. Without auto-rewind the
 * old primary reports DIVERGED with the command that fixes it and is not started; {@code pgpacer repair} brings it
 * back as a streaming standby with the new primary's data, and {@code pgpacer rebuild} re-clones it, keeping the old
 * data directory. With auto-rewind it comes back by itself.
 */
class DivergenceRepairTest {

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
    void withoutAutoRewindTheOldPrimaryIsDivergedUntilRepairedAndRebuildKeepsItsOldData() throws Exception {
        inCluster("diverged", "auto-rewind: false\n", () -> {
            Divergence d = divergeThePrimary();
            ClusterStatus diverged = cluster.awaitStatus(d.oldPrimary + " DIVERGED and " + d.newPrimary + " primary",
                    CONVERGE, s -> d.newPrimary.equals(ClusterHarness.primary(s))
                            && s.diverged().equals(List.of(d.oldPrimary)));
            String fix = "run 'pgpacer repair " + d.oldPrimary + "'";
            NodeStatus old = ClusterHarness.node(diverged, d.oldPrimary);
            assertEquals("DIVERGED", old.pgState());
            assertTrue(old.activity().startsWith("DIVERGED: diverged from timeline 1 at "), old.activity());
            assertTrue(old.activity().contains(fix), old.activity());
            assertTrue(diverged.failedActions().stream().anyMatch(a -> a.node().equals(d.oldPrimary)
                    && a.exitReason().contains(fix)), "the refusal is among the failed actions");
            CliRun status = cluster.cli("status");
            System.out.println("pgpacer status with a diverged node:\n" + status.out());
            assertTrue(status.out().contains("Diverged: [ " + d.oldPrimary + " ]"), status.out());
            assertTrue(status.out().contains("* " + d.oldPrimary + ": DIVERGED: "), status.out());
            JsonNode json = CibJson.mapper().readTree(cluster.cli("status", "--json").out());
            assertTrue(json.path("diverged").toString().contains(d.oldPrimary), json.toPrettyString());
            assertEquals("DIVERGED", cluster.api().cib().path("reports").path(d.oldPrimary).path("pgState").asText());
            assertFalse(ProcessHandle.allProcesses().anyMatch(p -> p.info().arguments().map(List::of)
                    .filter(a -> a.contains(cluster.dataDir(d.oldPrimary).toString())).isPresent()),
                    "no PostgreSQL runs on the diverged data directory");
            write(d.newPrimary, "after the failover");

            // Bad input: repair of the primary is refused and changes no goal.
            long goals = cluster.api().cib().path("goalsVersion").asLong();
            CliRun refused = cluster.cli("repair", d.newPrimary);
            assertEquals(2, refused.exitCode(), refused.out());
            assertTrue(refused.err().contains(d.newPrimary + " is the primary"), refused.err());
            assertEquals(goals, cluster.api().cib().path("goalsVersion").asLong());

            long repairStarted = System.nanoTime();
            CliRun repair = cluster.cli("repair", d.oldPrimary, "--wait", "--timeout", "60");
            assertEquals(0, repair.exitCode(), repair.out() + repair.err());
            System.out.printf("repair: %s streams again %d ms after the request%n", d.oldPrimary,
                    (System.nanoTime() - repairStarted) / 1_000_000);
            awaitStreamingWithTheNewPrimarysData(d);

            long rebuildStarted = System.nanoTime();
            CliRun rebuild = cluster.cli("rebuild", d.oldPrimary, "--wait", "--timeout", "60");
            assertEquals(0, rebuild.exitCode(), rebuild.out() + rebuild.err());
            System.out.printf("rebuild: %s streams again %d ms after the request%n", d.oldPrimary,
                    (System.nanoTime() - rebuildStarted) / 1_000_000);
            List<Path> kept = setAside(d.oldPrimary);
            assertEquals(1, kept.size(), "the old data directory is kept next to the new one: " + kept);
            assertTrue(Files.exists(kept.get(0).resolve("PG_VERSION")), kept.get(0) + " still holds the old cluster");
            awaitStreamingWithTheNewPrimarysData(d);
        });
    }

    @Test
    void withAutoRewindTheOldPrimaryComesBackByItselfAndRebuildCanDiscardTheOldData() throws Exception {
        inCluster("auto-rewind", "", () -> {
            Divergence d = divergeThePrimary();
            cluster.awaitStatus(d.oldPrimary + " back as a standby of " + d.newPrimary, CONVERGE,
                    s -> ClusterHarness.healthy(s) && d.newPrimary.equals(ClusterHarness.primary(s)));
            JsonNode events = cluster.apiOf(d.oldPrimary).call("GET", "/events");
            assertTrue(events.toString().contains("after pg_rewind: diverged from timeline 1 at"), events.toString());
            write(d.newPrimary, "after the failover");
            awaitStreamingWithTheNewPrimarysData(d);

            CliRun rebuild = cluster.cli("rebuild", d.oldPrimary, "--discard-old", "--wait", "--timeout", "60");
            assertEquals(0, rebuild.exitCode(), rebuild.out() + rebuild.err());
            assertEquals(List.of(), setAside(d.oldPrimary), "--discard-old deletes the old data directory");
            awaitStreamingWithTheNewPrimarysData(d);
        });
    }

    // pg_rewind fails for real on the old primary: a DBA's ALTER SYSTEM turned wal_log_hints off there, which its crash
    // recovery writes into the control file, and pg_rewind refuses such a target. Retrying would fail the same way;
    // the agent rebuilds the node from the new primary instead and keeps the old data directory, renamed (S5).
    @Test
    void whenPgRewindFailsOnTheOldPrimaryItIsRebuiltAndItsOldDataKeptAside() throws Exception {
        inCluster("rewind-fails", "", () -> {
            String primary = ClusterHarness.primary(cluster.awaitHealthy(CONVERGE));
            try (Connection c = cluster.connect(primary); Statement s = c.createStatement()) {
                s.execute("ALTER SYSTEM SET wal_log_hints = off");
            }
            Divergence d = divergeThePrimary();
            assertEquals(primary, d.oldPrimary);
            cluster.awaitStatus(d.oldPrimary + " back as a standby of " + d.newPrimary, CONVERGE,
                    s -> ClusterHarness.healthy(s) && d.newPrimary.equals(ClusterHarness.primary(s)));
            ClusterStatus status = cluster.api().status();
            List<String> rewindFailures = status.failedActions().stream()
                    .filter(a -> a.node().equals(d.oldPrimary) && a.exitReason().contains("pg_rewind of "))
                    .map(a -> a.exitReason()).toList();
            System.out.println("pg_rewind's failure on " + d.oldPrimary + ": " + rewindFailures);
            assertEquals(1, rewindFailures.size(), "pg_rewind is tried once, not again: " + rewindFailures);
            assertTrue(rewindFailures.get(0).contains("\"wal_log_hints = on\"")
                    && rewindFailures.get(0).contains("the target's control file: "), rewindFailures.get(0));
            // why not the final event: should the first copy fail (the new primary restarting, say), the empty data
            // directory is cloned like a new node's, which says so in its own words.
            JsonNode events = cluster.apiOf(d.oldPrimary).call("GET", "/events");
            assertTrue(events.toString().contains(d.oldPrimary + " (rebuild after a failed pg_rewind) discards"),
                    "the lost-transaction report comes before the rebuild: " + events);
            List<Path> kept = setAside(d.oldPrimary);
            assertEquals(1, kept.size(), "the old data directory is kept next to the new one: " + kept);
            assertTrue(Files.exists(kept.get(0).resolve("PG_VERSION")), kept.get(0) + " still holds the old cluster");
            write(d.newPrimary, "after the failover");
            awaitStreamingWithTheNewPrimarysData(d);
        });
    }

    private record Divergence(String oldPrimary, String newPrimary) {
    }

    // The primary commits rows its standby never receives, then its postmaster dies: the standby takes over.
    private Divergence divergeThePrimary() throws Exception {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        String standby = healthy.slaves().get(0);
        write(primary, "before the failover");
        Eventually.await("the first row on " + standby, CONVERGE, () -> rows(standby).contains("before the failover"));
        List<Long> senders = new ArrayList<>();
        try (Connection c = cluster.connect(primary); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT pid FROM pg_stat_replication")) {
            while (r.next()) {
                senders.add(r.getLong(1));
            }
        }
        assertEquals(1, senders.size(), "one WAL sender, for " + standby);
        Signals.send("STOP", senders.get(0));
        for (int i = 0; i < 20; i++) {
            write(primary, "lost " + i);
        }
        long postmaster = ClusterHarness.node(cluster.api().status(), primary).postmasterPid();
        Signals.send("KILL", senders.get(0));
        Signals.send("KILL", postmaster);
        return new Divergence(primary, standby);
    }

    private void awaitStreamingWithTheNewPrimarysData(Divergence d) {
        cluster.awaitStatus(d.oldPrimary + " streaming from " + d.newPrimary, CONVERGE,
                s -> ClusterHarness.healthy(s) && d.newPrimary.equals(ClusterHarness.primary(s)));
        Eventually.await(d.oldPrimary + " to hold the new primary's rows and none of its lost ones", CONVERGE,
                () -> rows(d.oldPrimary), rows -> rows.equals(List.of("before the failover", "after the failover")));
    }

    private List<Path> setAside(String node) throws IOException {
        Path data = cluster.dataDir(node);
        try (Stream<Path> siblings = Files.list(data.getParent())) {
            return siblings.filter(p -> p.getFileName().toString().startsWith("data.pgpacer-old-")).toList();
        }
    }

    private void write(String node, String note) throws SQLException {
        try (Connection c = cluster.connect(node); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS notes (id serial, note text)");
            s.execute("INSERT INTO notes (note) VALUES ('" + note + "')");
        }
    }

    private List<String> rows(String node) {
        List<String> rows = new ArrayList<>();
        try (Connection c = cluster.connect(node); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT note FROM notes ORDER BY id")) {
            while (r.next()) {
                rows.add(r.getString(1));
            }
        } catch (SQLException e) {
            rows.add("unreadable: " + e.getMessage());
        }
        return rows;
    }
}
