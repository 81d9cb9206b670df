package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.core.status.NodeStatus;
import io.pgpacer.postgres.local.PostgresBinaries;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.ClusterHarness.CliRun;
import io.pgpacer.testkit.Eventually;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A clone that takes a while, on real PostgreSQL 15 and real agents (issue 16.2): while pg_basebackup copies, the
 * cloning node stays online and its activity says how far the copy got; maintenance cancels the copy (pg_basebackup is
 * gone by its pid, the partial copy removed) and the node clones again once maintenance ends, then streams; stopping
 * the agent cancels a copy too, and the restarted agent makes it again. A witness keeps the store's majority meanwhile.
 * pg_basebackup is throttled with its own {@code --max-rate}: the configured bin directory links every PostgreSQL
 * program, and pg_basebackup is a two-line script that runs the real one with {@code --max-rate} when the test's
 * throttle file exists, so that the cluster's first clone runs at full speed.
 */
class CloneProgressTest {
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final Duration WITHIN = Duration.ofSeconds(30);
    /** About 4 s of copying per 32 MB: long enough to see progress and cancel, short enough for the test's budget. */
    private static final String MAX_RATE = "8M";
    private static final Pattern PROGRESS = Pattern.compile(
            "cloning from (\\S+): ([0-9.]+ [kMGT]B) of ([0-9.]+ [kMGT]B) \\((\\d+) %\\)");

    private ClusterHarness cluster;
    private Path throttle;

    @Test
    void aCloningNodeReportsItsProgressAndMaintenanceCancelsTheCopy() throws Exception {
        long started = System.nanoTime();
        try (ClusterHarness harness = ClusterHarness.start("clone-progress", 2, 1, "timings: {bootstrap-wait: 15s}\n",
                this::throttledPgBasebackup)) {
            cluster = harness;
            try {
                run(started);
            } catch (AssertionError | Exception e) {
                harness.keepData();
                throw e;
            }
        }
    }

    private void run(long started) throws Exception {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        String standby = primary.equals("node1") ? "node2" : "node1";
        assertEquals(List.of("node1", "node2"), healthy.nodes().stream().filter(n -> !n.witness())
                .map(NodeStatus::name).toList());
        long healthyAt = System.nanoTime();
        long rows = fillWithData(primary);
        System.out.printf("healthy after %.1f s, %d rows written on %s in %.1f s%n", (healthyAt - started) / 1e9, rows,
                primary, (System.nanoTime() - healthyAt) / 1e9);
        Files.writeString(throttle, MAX_RATE + "\n");

        // When the operator asks for a new copy of the standby
        CliRun rebuild = cluster.cli("rebuild", standby, "--discard-old");
        assertEquals(0, rebuild.exitCode(), rebuild.out() + rebuild.err());

        // Then, while pg_basebackup copies, the node stays online and says how far the copy got, and it advances
        NodeStatus first = awaitProgress(standby, primary, 1);
        int firstPercent = percent(first);
        NodeStatus later = awaitProgress(standby, primary, firstPercent + 1);
        System.out.printf("%s while cloning: '%s', then '%s' (%.1f s into the test)%n", standby, first.activity(),
                later.activity(), (System.nanoTime() - started) / 1e9);
        CliRun status = cluster.cli("status", "--full");
        assertTrue(status.out().contains("pgpacer-activity") && status.out().contains("cloning from " + primary + ": "),
                status.out());
        // why the standby's name only: on a loaded machine another member (the witness) may miss a report for the
        // node timeout while the copy runs; what must not happen is the cloning node shown offline.
        assertFalse(status.out().lines().anyMatch(line -> line.startsWith("OFFLINE:") && line.contains(" " + standby
                + " ")), status.out());
        long copying = Eventually.awaitPresent("pg_basebackup copying into " + standby + "'s staging directory",
                WITHIN, () -> pgBasebackupOf(standby));
        Path staging = stagingOf(standby);
        assertTrue(Files.isDirectory(staging), staging + " holds the partial copy");

        // When the node is put into maintenance in the middle of the copy
        CliRun maintenance = cluster.cli("node", "maintenance", standby);
        assertEquals(0, maintenance.exitCode(), maintenance.out() + maintenance.err());

        // Then the copy is cancelled: an event says why, pg_basebackup is gone by its pid, the partial copy is removed
        String cancelled = "clone from " + primary + " cancelled: the node was put into maintenance";
        Eventually.await("the event '" + cancelled + "' on " + standby, WITHIN, () -> events(standby).stream()
                .anyMatch(e -> e.equals(cancelled)));
        assertFalse(ProcessHandle.of(copying).filter(ProcessHandle::isAlive).isPresent(),
                "pg_basebackup " + copying + " is gone");
        assertFalse(Files.exists(staging), staging + " is removed");
        ClusterStatus paused = cluster.awaitStatus(standby + " online in maintenance", WITHIN,
                s -> ClusterHarness.node(s, standby).online()
                        && ClusterHarness.node(s, standby).activity().startsWith("maintenance: "));
        assertEquals("maintenance: observing only, not acting", ClusterHarness.node(paused, standby).activity());

        // When maintenance ends, the requested copy is made again, and this time it completes
        CliRun unmaintenance = cluster.cli("node", "unmaintenance", standby);
        assertEquals(0, unmaintenance.exitCode(), unmaintenance.out() + unmaintenance.err());
        awaitProgress(standby, primary, 0);
        long cloneAgain = System.nanoTime();
        cluster.awaitStatus(standby + " streaming from " + primary + " again", CONVERGE, s -> ClusterHarness.healthy(s)
                && primary.equals(ClusterHarness.node(s, standby).upstream()));
        System.out.printf("the second copy took %.1f s at --max-rate=%s; %.1f s into the test%n",
                (System.nanoTime() - cloneAgain) / 1e9, MAX_RATE, (System.nanoTime() - started) / 1e9);
        List<String> events = events(standby);
        assertTrue(events.stream().anyMatch(e -> e.startsWith("rebuilt: a new copy of " + primary
                + " with pg_basebackup")), String.join("\n", events));
        assertTrue(events.subList(events.indexOf(cancelled) + 1, events.size())
                .contains("cloning from " + primary + " with pg_basebackup"),
                "a new copy started after the cancel: " + String.join("\n", events));
        assertEquals(rows, count(standby), "the new copy holds every row of " + primary);
        assertEquals(Optional.empty(), pgBasebackupOf(standby), "no pg_basebackup is left");

        // When the agent stops in the middle of another copy
        CliRun again = cluster.cli("rebuild", standby, "--discard-old");
        assertEquals(0, again.exitCode(), again.out() + again.err());
        awaitProgress(standby, primary, 1);
        long stopped = Eventually.awaitPresent("pg_basebackup copying into " + standby + "'s staging directory",
                WITHIN, () -> pgBasebackupOf(standby));
        long stopAt = System.nanoTime();
        cluster.cluster().stop(standby);

        // Then it cancels the copy before it exits (it exited long before the copy would have ended), and once
        // started again the node makes the requested copy and streams
        System.out.printf("%s's agent stopped %.1f s after SIGTERM in the middle of a copy%n", standby,
                (System.nanoTime() - stopAt) / 1e9);
        assertFalse(ProcessHandle.of(stopped).filter(ProcessHandle::isAlive).isPresent(),
                "pg_basebackup " + stopped + " is gone");
        assertFalse(Files.exists(staging), staging + " is removed");
        String log = Files.readString(cluster.cluster().log(standby), StandardCharsets.UTF_8);
        assertTrue(log.contains("clone from " + primary + " cancelled: the agent is stopping"),
                "the agent's log says so: " + log.substring(Math.max(0, log.length() - 3000)));
        cluster.cluster().start(standby);
        cluster.awaitStatus(standby + " streaming from " + primary + " after its agent's restart", CONVERGE,
                s -> ClusterHarness.healthy(s) && primary.equals(ClusterHarness.node(s, standby).upstream()));
        assertTrue(events(standby).stream().anyMatch(e -> e.startsWith("rebuilt: a new copy of " + primary)),
                String.join("\n", events(standby)));
        assertEquals(rows, count(standby), "the copy made after the restart holds every row of " + primary);
        System.out.printf("the whole test %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    // The configured bin directory: links to every PostgreSQL program, pg_basebackup a script that adds --max-rate.
    private void throttledPgBasebackup(Path clusterDir) throws IOException {
        Path real = PostgresBinaries.locate(null).binDir();
        Path bin = Files.createDirectories(clusterDir.resolve("bin"));
        throttle = clusterDir.resolve("pg_basebackup-max-rate");
        try (Stream<Path> programs = Files.list(real)) {
            for (Path program : programs.toList()) {
                if (!program.getFileName().toString().equals("pg_basebackup")) {
                    Files.createSymbolicLink(bin.resolve(program.getFileName()), program);
                }
            }
        }
        Path script = bin.resolve("pg_basebackup");
        Files.writeString(script, "#!/bin/sh\n"
                + "if [ -r " + throttle + " ]; then exec " + real.resolve("pg_basebackup") + " --max-rate=\"$(cat "
                + throttle + ")\" \"$@\"; fi\n"
                + "exec " + real.resolve("pg_basebackup") + " \"$@\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path config = clusterDir.resolve("cluster.yaml");
        String yaml = Files.readString(config, StandardCharsets.UTF_8);
        Files.writeString(config, yaml.replace("postgresql:\n", "postgresql:\n  bin-dir: \"" + bin + "\"\n"),
                StandardCharsets.UTF_8);
    }

    // About 32 MB of table, written on the primary; the standby's copy must hold every row.
    private long fillWithData(String primary) throws Exception {
        try (Connection c = cluster.connectWithoutTimeout(primary); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE filler AS SELECT g AS id, repeat(md5(g::text), 4) AS payload"
                    + " FROM generate_series(1, 200000) g");
            s.execute("CHECKPOINT");
        }
        return count(primary);
    }

    private long count(String node) throws Exception {
        try (Connection c = cluster.connect(node); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM filler")) {
            r.next();
            return r.getLong(1);
        }
    }

    private NodeStatus awaitProgress(String standby, String primary, int atLeastPercent) {
        ClusterStatus status = cluster.awaitStatus(standby + " online and cloning from " + primary + ", at least "
                + atLeastPercent + " % done", WITHIN, s -> {
                    NodeStatus node = ClusterHarness.node(s, standby);
                    Matcher m = PROGRESS.matcher(node.activity() == null ? "" : node.activity());
                    return node.online() && m.matches() && m.group(1).equals(primary)
                            && Integer.parseInt(m.group(4)) >= atLeastPercent && Integer.parseInt(m.group(4)) < 100;
                });
        return ClusterHarness.node(status, standby);
    }

    private static int percent(NodeStatus node) {
        Matcher m = PROGRESS.matcher(node.activity());
        assertTrue(m.matches(), node.activity());
        return Integer.parseInt(m.group(4));
    }

    private Path stagingOf(String node) {
        Path data = cluster.dataDir(node);
        return data.resolveSibling(data.getFileName() + ".pgpacer-basebackup");
    }

    // Found by its arguments (never killed by them): the pg_basebackup that writes into this node's staging directory.
    private Optional<Long> pgBasebackupOf(String node) {
        String target = "--pgdata=" + stagingOf(node);
        return ProcessHandle.allProcesses().filter(p -> p.info().arguments()
                .map(List::of).filter(a -> a.contains(target)).isPresent()
                && p.info().command().map(c -> c.endsWith("/pg_basebackup")).orElse(false))
                .map(ProcessHandle::pid).findFirst();
    }

    private List<String> events(String node) {
        List<String> texts = new ArrayList<>();
        for (JsonNode event : cluster.apiOf(node).call("GET", "/events")) {
            texts.add(event.path("text").asText());
        }
        return texts;
    }
}
