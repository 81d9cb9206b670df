package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.ClusterHarness.CliRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The reference's data-directory faults on 2 real nodes, each on the primary and then on a standby: the data
 * directory missing, without permission for PostgreSQL's OS user, or with a configuration PostgreSQL refuses. The
 * node reports failed starts with the tools' own words, its fail-count grows, the cluster fails over when it was the
 * primary, restarts are never tried faster than the configured back-off, nothing in the directory is deleted, a lost
 * directory is never re-cloned on its own, and once the fault is gone the node rejoins by itself.
 */
class DataDirectoryFaultTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final long BACKOFF = 500;
    private static final long BACKOFF_MAX = 2_000;
    /** Failed actions carry the agent's wall clock in ISO-8601, to the microsecond; allow for scheduling jitter. */
    private static final long TOLERANCE = 20;

    private ClusterHarness cluster;

    /** One fault: how it is made, the words its failed starts must contain, and how it is undone. */
    private interface Fault {
        String name();

        String expectedText(Path data);

        void apply(Path data) throws IOException;

        void undo(Path data) throws IOException;
    }

    private static final Fault MISSING = new Fault() {
        public String name() {
            return "data directory missing";
        }

        public String expectedText(Path data) {
            return "the data directory " + data + " is missing, but this node held a cluster there";
        }

        public void apply(Path data) throws IOException {
            Files.move(data, hidden(data));
        }

        public void undo(Path data) throws IOException {
            Files.move(hidden(data), data);
        }
    };

    private static final Fault NO_PERMISSION = new Fault() {
        public String name() {
            return "data directory without permission";
        }

        public String expectedText(Path data) {
            return "Permission denied";
        }

        public void apply(Path data) throws IOException {
            Files.setPosixFilePermissions(data, Set.of());
        }

        public void undo(Path data) throws IOException {
            Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
    };

    private static final Fault BAD_CONFIGURATION = new Fault() {
        public String name() {
            return "PostgreSQL refuses its configuration";
        }

        public String expectedText(Path data) {
            return "invalid value for parameter \"shared_buffers\": \"lots\"";
        }

        public void apply(Path data) throws IOException {
            Files.writeString(data.resolve("postgresql.auto.conf"), "shared_buffers = 'lots'\n",
                    StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        }

        public void undo(Path data) throws IOException {
            Path conf = data.resolve("postgresql.auto.conf");
            Files.writeString(conf, Files.readString(conf, StandardCharsets.UTF_8).replace("shared_buffers = 'lots'\n",
                    ""), StandardCharsets.UTF_8);
        }
    };

    @Test
    void faultsOnThePrimaryFailOverFaultsOnAStandbyDoNotAndNothingIsDeleted() throws Exception {
        try (ClusterHarness started = ClusterHarness.start("datadir-faults", 2, "timings: {bootstrap-wait: 15s,"
                + " restart-backoff: " + BACKOFF + "ms, restart-backoff-max: " + BACKOFF_MAX + "ms}\n")) {
            cluster = started;
            List<String> figures = new ArrayList<>();
            try {
                for (Fault fault : List.of(MISSING, NO_PERMISSION, BAD_CONFIGURATION)) {
                    String primary = ClusterHarness.primary(cluster.awaitHealthy(CONVERGE));
                    figures.add(inject(fault, primary, true));
                    figures.add(inject(fault, primary, false));
                }
            } catch (AssertionError | Exception e) {
                cluster.keepData();
                throw e;
            } finally {
                System.out.println("data directory faults:\n  " + String.join("\n  ", figures));
            }
        }
    }

    // The fault, then kill -9 of the node's postmaster: every start after that must fail until the fault is undone.
    private String inject(Fault fault, String node, boolean wasPrimary) throws Exception {
        String situation = fault.name() + " on " + (wasPrimary ? "the primary " : "the standby ") + node;
        ClusterStatus before = cluster.awaitHealthy(CONVERGE);
        String other = before.nodes().stream().map(n -> n.name()).filter(n -> !n.equals(node)).findFirst().orElseThrow();
        int promotions = cluster.promotions();
        Path data = cluster.dataDir(node);
        Instant injected = Instant.now();
        long postmaster = ClusterHarness.node(before, node).postmasterPid();
        fault.apply(data);
        ProcessHandle.of(postmaster).ifPresent(ProcessHandle::destroyForcibly);
        Set<String> files = filesUnder(fault == MISSING ? hidden(data) : data);

        ClusterStatus failing = cluster.awaitStatus(situation + ": four failed starts", CONVERGE,
                s -> starts(s, node, injected).size() >= 4);
        List<FailedAction> starts = starts(failing, node, injected);
        for (FailedAction start : starts) {
            assertTrue(start.exitReason().contains(fault.expectedText(data)), situation + ": " + start.exitReason());
        }
        assertTrue(ClusterHarness.node(failing, node).failCount() >= starts.size(), situation + ": the fail-count grows");
        List<Long> gaps = gaps(failures(failing, node, injected));
        assertTrue(gaps.stream().allMatch(gap -> gap >= BACKOFF - TOLERANCE), situation + ": restarts every " + gaps);
        assertTrue(gaps.get(gaps.size() - 1) >= BACKOFF_MAX - TOLERANCE, situation + ": the back-off grows: " + gaps);
        if (wasPrimary) {
            assertEquals(other, ClusterHarness.primary(cluster.awaitStatus(situation + ": " + other + " primary",
                    CONVERGE, s -> other.equals(ClusterHarness.primary(s)))), situation);
            assertEquals(promotions + 1, cluster.promotions(), situation + ": one failover");
        } else {
            assertEquals(other, ClusterHarness.primary(failing), situation + ": the primary stays");
            assertEquals(promotions, cluster.promotions(), situation + ": no failover");
        }
        if (fault == MISSING) {
            assertFalse(Files.exists(data), situation + ": a lost data directory is never re-cloned on its own");
        }
        Set<String> after = filesUnder(fault == MISSING ? hidden(data) : data);
        assertTrue(after.containsAll(files), situation + ": nothing deleted; missing now: " + missing(files, after));

        fault.undo(data);
        long undone = System.nanoTime();
        cluster.awaitStatus(situation + ": undone, " + node + " streams from " + other, CONVERGE,
                s -> ClusterHarness.healthy(s) && other.equals(ClusterHarness.primary(s)));
        String figure = String.format("%s: %d failed starts, gaps %s ms, fail-count %d; back %d ms after the fix: %s",
                situation, starts.size(), gaps, ClusterHarness.node(failing, node).failCount(),
                (System.nanoTime() - undone) / 1_000_000, abbreviate(starts.get(0).exitReason()));
        CliRun cleanup = cluster.cli("resource", "cleanup");
        assertEquals(0, cleanup.exitCode(), cleanup.err());
        return figure;
    }

    private static List<FailedAction> starts(ClusterStatus s, String node, Instant since) {
        return failures(s, node, since).stream().filter(a -> a.operation().equals("start")).toList();
    }

    // The node's own failed attempts: its monitor noticing the kill, then its starts (the controller may add a note).
    private static List<FailedAction> failures(ClusterStatus s, String node, Instant since) {
        return s.failedActions().stream().filter(a -> a.node().equals(node) && !Instant.parse(a.at()).isBefore(since))
                .filter(a -> a.operation().equals("monitor") || a.operation().equals("start")).toList();
    }

    private static List<Long> gaps(List<FailedAction> actions) {
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < actions.size(); i++) {
            gaps.add(Duration.between(Instant.parse(actions.get(i - 1).at()), Instant.parse(actions.get(i).at()))
                    .toMillis());
        }
        return gaps;
    }

    private static Path hidden(Path data) {
        return data.resolveSibling("data.moved-away-by-test");
    }

    private static Set<String> filesUnder(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            Set<String> files = new TreeSet<>();
            paths.filter(Files::isRegularFile).forEach(p -> files.add(dir.relativize(p).toString()));
            return files;
        }
    }

    private static Set<String> missing(Set<String> before, Set<String> after) {
        Set<String> gone = new TreeSet<>(before);
        gone.removeAll(after);
        return gone;
    }

    private static String abbreviate(String text) {
        String oneLine = text.replace('\n', ' ');
        return oneLine.length() <= 240 ? oneLine : oneLine.substring(0, 240) + "...";
    }
}
