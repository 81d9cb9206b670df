package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.ClusterHarness.CliRun;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Signals;
import io.pgpacer.testkit.Workload;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Gray failures on real PostgreSQL (issue 17): a primary whose process answers but whose commits hang or fail, and a
 * standby whose WAL receipt stalls while the primary advances. Each fault is the real thing, made by this test on its
 * own mounts and processes (a tmpfs or a loop-mounted ext4 holding the primary's data directory, SIGSTOP of a process
 * the cluster started), and undone in a finally. Each test reports its detection time (fault to failed action) and
 * the window in which no write was acknowledged, and proves with the workload checker that no two primaries took
 * writes and, under synchronous replication, that no acknowledged write was lost.
 */
class GrayFailureTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final String TIMINGS = "timings: {bootstrap-wait: 15s, restart-backoff: 500ms,"
            + " restart-backoff-max: 2s}\n";
    private static final String SYNC = TIMINGS + "replication: {mode: sync}\n";
    private static final String PROBE_TIMED_OUT = "commit probe timed out after 5 s: ";
    private static final List<String> FIGURES = new ArrayList<>();

    @AfterAll
    static void printFigures() {
        System.out.println("gray failures (detection = fault to failed action; unavailable = longest time without an"
                + " acknowledged write):\n  " + String.join("\n  ", FIGURES));
    }

    // --- the faults on the primary ----------------------------------------------------------------------------------

    @Test
    void aStoppedPostmasterTakesNoNewConnectionAndIsFailedOver() throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start("gray-sigstop", 2, SYNC)) {
            failsOver(cluster, "a stopped postmaster (SIGSTOP)", new Fault() {
                long postmaster;

                @Override
                public void inject(ClusterHarness c, String primary) throws Exception {
                    postmaster = ClusterHarness.node(c.api().status(), primary).postmasterPid();
                    try (Connection before = c.connect(primary)) {
                        Signals.send("STOP", postmaster);
                        assertAnswers(before, "a connection opened before the SIGSTOP");
                        assertNoNewConnection(c.pgPort(primary));
                    }
                }

                @Override
                public void undo(ClusterHarness c) {
                    continueIfAlive(postmaster);
                }
            }, action -> action.exitReason().startsWith(PROBE_TIMED_OUT + "no answer to a new connection"));
        }
    }

    @Test
    void aFrozenFileSystemBlocksCommitsAndIsFailedOver() throws Exception {
        Ext4Image image = new Ext4Image();
        try (ClusterHarness cluster = ClusterHarness.start("gray-fsfreeze", 2, SYNC, image::mountAsData)) {
            try {
                failsOver(cluster, "a frozen file system (fsfreeze -f)", new Fault() {
                    @Override
                    public void inject(ClusterHarness c, String primary) throws Exception {
                        run("fsfreeze", "-f", image.mountPoint.toString());
                        image.frozen = true;
                        assertCommitBlocks(c, primary);
                    }

                    @Override
                    public void undo(ClusterHarness c) throws IOException {
                        image.thaw();
                    }
                }, action -> action.exitReason().startsWith(PROBE_TIMED_OUT));
            } finally {
                image.thaw();
                cluster.cluster().close();
                image.unmount();
            }
        }
    }

    @Test
    void aFullWalFileSystemIsFailedOver() throws Exception {
        Tmpfs tmpfs = new Tmpfs("192m");
        try (ClusterHarness cluster = ClusterHarness.start("gray-walfull", 2, SYNC, tmpfs::mountAsData)) {
            try {
                failsOver(cluster, "pg_wal's file system full", new Fault() {
                    @Override
                    public void inject(ClusterHarness c, String primary) throws Exception {
                        tmpfs.fill();
                        forceNewWalSegments(c, primary);
                    }

                    @Override
                    public void undo(ClusterHarness c) throws IOException {
                        tmpfs.emptyFiller();
                    }
                }, action -> action.exitReason().contains("No space left on device")
                        || action.exitReason().startsWith("commit probe")
                        || action.exitReason().startsWith("not running: the postmaster exited unexpectedly"));
            } finally {
                tmpfs.emptyFiller();
                cluster.cluster().close();
                tmpfs.unmount();
            }
        }
    }

    @Test
    void aReadOnlyDataFileSystemIsFailedOver() throws Exception {
        Ext4Image image = new Ext4Image();
        try (ClusterHarness cluster = ClusterHarness.start("gray-readonly", 2, SYNC, image::mountAsData)) {
            try {
                failsOver(cluster, "the data directory's file system read-only", new Fault() {
                    @Override
                    public void inject(ClusterHarness c, String primary) throws Exception {
                        // why the block device: 'mount -o remount,ro' refuses while PostgreSQL holds WAL files open
                        // for writing; a device that turned read-only is what a failing disk does to a file system.
                        run("blockdev", "--setro", image.device());
                        image.readOnly = true;
                        forceNewWalSegments(c, primary);
                    }

                    @Override
                    public void undo(ClusterHarness c) throws IOException {
                        image.writable();
                    }
                }, action -> action.exitReason().startsWith("commit probe")
                        || action.exitReason().startsWith("not running: the postmaster exited unexpectedly"));
            } finally {
                image.writable();
                cluster.cluster().close();
                image.unmount();
            }
        }
    }

    // --- the fault on a standby ------------------------------------------------------------------------------------

    @Test
    void aStandbyWhoseWalReceiptStallsIsRestartedInPlaceAndStreamsAgain() throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start("gray-walreceiver", 2, TIMINGS)) {
            ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
            String primary = ClusterHarness.primary(healthy);
            String standby = healthy.nodes().stream().map(n -> n.name()).filter(n -> !n.equals(primary)).findFirst()
                    .orElseThrow();
            int promotions = cluster.promotions();
            long walreceiver = child(ClusterHarness.node(healthy, standby).postmasterPid(), "walreceiver");
            try (Workload workload = new Workload(cluster.pgPorts())) {
                workload.start(primary);
                Eventually.await("the workload writes on " + primary, Duration.ofSeconds(10),
                        () -> workload.acknowledgedBy(primary) > 10);
                Instant injected = Instant.now();
                Signals.send("STOP", walreceiver);
                try {
                    ClusterStatus stalled = cluster.awaitStatus(standby + "'s stalled receipt counted", CONVERGE,
                            s -> failure(s, standby, injected, a -> a.exitReason().startsWith("replication stalled:"))
                                    .isPresent());
                    FailedAction action = failure(stalled, standby, injected, a -> true).orElseThrow();
                    assertTrue(action.exitReason().matches("replication stalled: received WAL at [0-9A-F]+/[0-9A-F]+"
                            + " for [0-9.]+ s while " + primary + " is at [0-9A-F]+/[0-9A-F]+"), action.exitReason());
                    assertFailedActionPrinted(cluster, standby, action);
                    ClusterStatus back = cluster.awaitStatus(standby + " restarted in place and streaming again",
                            CONVERGE, s -> ClusterHarness.healthy(s) && primary.equals(ClusterHarness.primary(s))
                                    && ClusterHarness.node(s, standby).postmasterPid()
                                            != ClusterHarness.node(stalled, standby).postmasterPid());
                    assertEquals(promotions, cluster.promotions(), "a standby's stall fails nothing over");
                    assertFalse(ProcessHandle.of(walreceiver).map(ProcessHandle::isAlive).orElse(false),
                            "the stopped walreceiver was killed with its postmaster");
                    long receivedBefore = workload.acknowledgedBy(primary);
                    Eventually.await(standby + " replays the primary's new writes", CONVERGE,
                            () -> replayedRows(cluster, standby) >= receivedBefore);
                    FIGURES.add(String.format("WAL receipt stalled on the standby %s (SIGSTOP of its walreceiver):"
                            + " detected after %d ms, restarted in place, streaming again after %d ms; the primary"
                            + " kept writing: %s", standby, millisBetween(injected, action.at()),
                            Duration.between(injected, Instant.now()).toMillis(),
                            ClusterHarness.node(back, standby).dataStatus()));
                } finally {
                    continueIfAlive(walreceiver);
                }
            }
        }
    }

    // --- how a primary fault is judged ------------------------------------------------------------------------------

    /** A fault on the primary: made (and shown to be real) by {@code inject}, undone by {@code undo}. */
    private interface Fault {
        void inject(ClusterHarness cluster, String primary) throws Exception;

        void undo(ClusterHarness cluster) throws Exception;
    }

    // The common part: a healthy synchronous pair under a write workload, the fault on the primary, then the failed
    // action with the expected words, the other node promoted once, the gray failure in the old primary's events and
    // metrics, and the workload's verdict.
    private static void failsOver(ClusterHarness cluster, String fault, Fault injection,
            java.util.function.Predicate<FailedAction> expected) throws Exception {
        try {
            ClusterStatus healthy = cluster.awaitSyncHealthy(CONVERGE);
            String primary = ClusterHarness.primary(healthy);
            assertEquals("node1", primary, "the fault is prepared on node1, which runs initdb");
            String other = "node2";
            int promotions = cluster.promotions();
            Workload workload = new Workload(cluster.pgPorts());
            try {
                workload.start(primary);
                Eventually.await("the workload writes on " + primary, Duration.ofSeconds(10),
                        () -> workload.acknowledgedBy(primary) > 10);
                Instant injected = Instant.now();
                long injectedNanos = System.nanoTime();
                try {
                    injection.inject(cluster, primary);
                    ClusterStatus failedOver = cluster.awaitStatus(fault + ": " + other + " promoted", CONVERGE,
                            s -> other.equals(ClusterHarness.primary(s))
                                    && failure(s, primary, injected, expected).isPresent());
                    FailedAction action = failure(failedOver, primary, injected, expected).orElseThrow();
                    assertFailedActionPrinted(cluster, primary, action);
                    assertEquals(promotions + 1, cluster.promotions(), fault + ": one failover");
                    Eventually.await("the workload writes on " + other, CONVERGE,
                            () -> workload.firstAckBy(other, injectedNanos) > 0);
                    long firstOnOther = workload.firstAckBy(other, injectedNanos);
                    long unavailable = workload.longestGapBetween(injectedNanos, firstOnOther + 1) / 1_000_000;
                    // The safety check: the fault ends (the disk thaws, the postmaster continues) while the workload
                    // still writes to both nodes; whatever the old primary's backends do then, none may acknowledge.
                    injection.undo(cluster);
                    long undone = System.nanoTime();
                    long onOtherAtUndo = workload.acknowledgedBy(other);
                    Eventually.await("50 more writes on " + other + " after the fault ended", CONVERGE,
                            () -> workload.acknowledgedBy(other) >= onOtherAtUndo + 50);
                    assertEquals(-1, workload.firstAckBy(primary, undone), fault + ": the old primary acknowledged a"
                            + " write after the fault ended");
                    workload.stop();
                    Workload.Verdict verdict = workload.verdict(other, cluster.promotions() - promotions);
                    assertEquals(List.of(), verdict.overlaps(), fault + ": no two primaries took writes");
                    assertEquals(List.of(), verdict.lost(), fault + ": synchronous replication loses no acknowledged"
                            + " write");
                    boolean gray = action.exitReason().startsWith("commit probe");
                    // A gray failure is detected (its event line) before PostgreSQL is stopped and the failure
                    // reported; a crash is detected when it is reported.
                    String detectedAt = action.at();
                    if (gray) {
                        detectedAt = null;
                        for (com.fasterxml.jackson.databind.JsonNode event : cluster.apiOf(primary).call("GET",
                                "/events")) {
                            if (event.path("text").asText().startsWith("gray-failure: " + primary + " commit_")
                                    && !Instant.parse(event.path("at").asText()).isBefore(injected)) {
                                detectedAt = event.path("at").asText();
                            }
                        }
                        assertTrue(detectedAt != null, fault + ": the gray-failure event line");
                    }
                    FIGURES.add(String.format("%s: detected after %d ms as %s, reported (PostgreSQL stopped) after %d"
                            + " ms; writes unavailable for %d ms; %s", fault, millisBetween(injected, detectedAt),
                            abbreviate(action.exitReason()), millisBetween(injected, action.at()), unavailable,
                            verdict));
                } finally {
                    injection.undo(cluster);
                }
            } finally {
                workload.stop();
            }
        } catch (AssertionError | Exception e) {
            cluster.keepData();
            throw e;
        }
    }

    private static void assertFailedActionPrinted(ClusterHarness cluster, String node, FailedAction action) {
        CliRun status = cluster.cli("status");
        assertEquals(0, status.exitCode(), status.err());
        String rcText = action.rc() == 7 ? "not running" : "unknown error";
        String line = "_monitor on " + node + " '" + rcText + "' (" + action.rc() + "): exitreason='"
                + action.exitReason() + "'";
        assertTrue(status.out().contains(line), "status prints " + line + ":\n" + status.out());
    }

    private static Optional<FailedAction> failure(ClusterStatus s, String node, Instant since,
            java.util.function.Predicate<FailedAction> expected) {
        return s.failedActions().stream().filter(a -> a.node().equals(node) && a.operation().equals("monitor"))
                .filter(a -> !Instant.parse(a.at()).isBefore(since)).filter(expected).findFirst();
    }

    // --- showing that a fault is real ------------------------------------------------------------------------------

    private static void assertAnswers(Connection connection, String which) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet r = s.executeQuery("SELECT 1")) {
            assertTrue(r.next(), which + " still answers");
        }
    }

    private static void assertNoNewConnection(int port) {
        long start = System.nanoTime();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                + "/postgres?user=postgres&connectTimeout=1&loginTimeout=1&socketTimeout=1")) {
            throw new AssertionError("a new connection to the stopped postmaster was accepted: " + c);
        } catch (SQLException e) {
            long waited = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waited >= 900, "a new connection hangs until its timeout, it is not refused (" + waited
                    + " ms: " + e.getMessage() + ")");
        }
    }

    // A commit on the frozen file system does not return: it is still waiting 2 s later.
    private static void assertCommitBlocks(ClusterHarness cluster, String primary) throws Exception {
        Connection connection = cluster.connectWithoutTimeout(primary);
        CompletableFuture<String> commit = CompletableFuture.supplyAsync(() -> {
            try (Statement s = connection.createStatement()) {
                s.execute("SET synchronous_commit = local");
                s.execute("CREATE TABLE IF NOT EXISTS gray_blocked (at timestamptz)");
                s.execute("INSERT INTO gray_blocked VALUES (clock_timestamp())");
                return "committed";
            } catch (SQLException e) {
                return "failed: " + e.getMessage();
            }
        });
        Eventually.holdsFor("a commit on the frozen file system stays blocked", Duration.ofSeconds(2),
                () -> !commit.isDone());
        // why abort: the backend stays blocked until the thaw; the test does not wait for it.
        connection.abort(Runnable::run);
    }

    // WAL and nothing else (a logical message writes no table), a megabyte at a time, until PostgreSQL cannot write
    // it (or 20 s pass): the insert position crosses into new segment files, which a full or read-only file system
    // cannot hold. A table's extension would fail first and alone (an ERROR, no crash), which is not this fault.
    private static void forceNewWalSegments(ClusterHarness cluster, String primary) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String error = null;
        while (System.nanoTime() < deadline && error == null) {
            try (Connection c = cluster.connect(primary); Statement s = c.createStatement()) {
                s.execute("SET synchronous_commit = local");
                for (int i = 0; i < 64; i++) {
                    s.execute("SELECT pg_logical_emit_message(false, 'gray-failure-test', repeat('x', 1048576))");
                }
            } catch (SQLException e) {
                error = e.getMessage();
            }
        }
        assertTrue(error != null, "writing WAL fails on the broken file system within 20 s");
        FIGURES.add("  (writing WAL failed with: " + abbreviate(error) + ")");
    }

    // --- processes and mounts this test makes -----------------------------------------------------------------------

    // A child of the postmaster that the cluster started, by its process title.
    private static long child(long postmaster, String title) {
        return Eventually.awaitPresent("a " + title + " under postmaster " + postmaster, Duration.ofSeconds(10),
                () -> ProcessHandle.of(postmaster).stream().flatMap(ProcessHandle::children)
                        .filter(p -> cmdline(p.pid()).contains(title)).map(ProcessHandle::pid).findFirst());
    }

    private static String cmdline(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void continueIfAlive(long pid) {
        if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            try {
                Signals.send("CONT", pid);
            } catch (AssertionError e) {
                // it died between the look and the signal: nothing left to continue
            }
        }
    }

    private static long replayedRows(ClusterHarness cluster, String standby) {
        try (Connection c = cluster.connect(standby); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM pgpacer_workload")) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    private static String run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ": " + output);
        }
        return output;
    }

    // PostgreSQL's OS user owns the root of the file system that becomes a node's data directory.
    private static void ownAsPostgres(Path data) throws IOException {
        run("chown", "postgres:postgres", data.toString());
        run("chmod", "0700", data.toString());
    }

    /** A loop-mounted ext4 image as node1's data directory, for fsfreeze and a read-only device. */
    private static final class Ext4Image {
        Path image;
        Path mountPoint;
        boolean frozen;
        boolean readOnly;
        private String device;

        void mountAsData(Path clusterDir) throws IOException {
            mountPoint = clusterDir.resolve("node1").resolve("data");
            Files.createDirectories(mountPoint);
            image = clusterDir.resolve("node1-data.ext4");
            run("truncate", "-s", "320M", image.toString());
            run("mkfs.ext4", "-q", image.toString());
            run("mount", "-o", "loop", image.toString(), mountPoint.toString());
            Files.delete(mountPoint.resolve("lost+found"));
            ownAsPostgres(mountPoint);
        }

        String device() throws IOException {
            if (device == null) {
                device = run("findmnt", "-n", "-o", "SOURCE", "--target", mountPoint.toString());
            }
            return device;
        }

        void thaw() throws IOException {
            if (frozen) {
                run("fsfreeze", "-u", mountPoint.toString());
                frozen = false;
            }
        }

        void writable() throws IOException {
            if (readOnly) {
                run("blockdev", "--setrw", device());
                readOnly = false;
            }
        }

        void unmount() throws IOException {
            if (mountPoint != null) {
                String loop = device();
                run("umount", mountPoint.toString());
                // why: mount -o loop frees its device on umount (autoclear); detach it only if it is still there
                if (run("losetup", "-a").contains(image.toString())) {
                    run("losetup", "-d", loop);
                }
                mountPoint = null;
            }
        }
    }

    /** A small tmpfs as node1's data directory (pg_wal included), filled up by the test. */
    private static final class Tmpfs {
        private final String size;
        Path mountPoint;
        private Path filler;

        Tmpfs(String size) {
            this.size = size;
        }

        void mountAsData(Path clusterDir) throws IOException {
            mountPoint = clusterDir.resolve("node1").resolve("data");
            Files.createDirectories(mountPoint);
            run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", mountPoint.toString());
            ownAsPostgres(mountPoint);
        }

        // Writes a file beside pg_wal until the file system has no space left.
        void fill() throws IOException {
            filler = mountPoint.resolve("gray-failure-test-filler");
            byte[] block = new byte[1 << 20];
            try (OutputStream out = Files.newOutputStream(filler)) {
                while (true) {
                    out.write(block);
                }
            } catch (IOException e) {
                if (!String.valueOf(e.getMessage()).contains("No space left on device")) {
                    throw e;
                }
            }
        }

        void emptyFiller() throws IOException {
            if (filler != null) {
                Files.deleteIfExists(filler);
                filler = null;
            }
        }

        void unmount() throws IOException {
            if (mountPoint != null) {
                run("umount", mountPoint.toString());
                mountPoint = null;
            }
        }
    }

    private static long millisBetween(Instant from, String at) {
        return Duration.between(from, Instant.parse(at)).toMillis();
    }

    private static String abbreviate(String text) {
        return text.length() <= 160 ? "'" + text + "'" : "'" + text.substring(0, 157) + "...'";
    }
}
