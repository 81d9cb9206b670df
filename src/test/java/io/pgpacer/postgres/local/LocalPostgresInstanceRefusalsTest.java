package io.pgpacer.postgres.local;

import io.pgpacer.os.FreePorts;
import io.pgpacer.testkit.Eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.postgres.DataDirectoryNotEmptyException;
import io.pgpacer.postgres.PgObservation;
import io.pgpacer.postgres.PostgresException;
import io.pgpacer.postgres.PostmasterAlreadyRunningException;
import io.pgpacer.postgres.StopMode;
import io.pgpacer.postgres.Upstream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What the adapter refuses, and how it fails: always with PostgreSQL's own words, never losing data. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalPostgresInstanceRefusalsTest {
    private TestNodes nodes;
    private LocalPostgresInstance primary;

    @BeforeAll
    void startPrimary() {
        nodes = new TestNodes();
        primary = nodes.instance(nodes.settings("primary"));
        primary.initdb();
        primary.configure(null);
        primary.start();
    }

    @AfterAll
    void cleanUp() throws IOException {
        nodes.close();
    }

    @Test
    void aBrokenParameterFailsStartWithPostgresqlsOwnError() {
        LocalPostgresInstance node = nodes.instance(nodes.settings("broken", Map.of("shared_buffers", "nonsense")));
        node.initdb();
        node.configure(null);

        PostgresException error = assertThrows(PostgresException.class, node::start);

        assertTrue(error.getMessage().contains("invalid value for parameter \"shared_buffers\": \"nonsense\""),
                error.getMessage());
        assertFalse(node.isRunning());
    }

    @Test
    void initdbRefusesANonEmptyDataDirectoryAndLeavesItAlone() throws IOException {
        LocalPostgresInstance node = nodes.instance(nodes.settings("occupied"));
        Path precious = node.settings().dataDir().resolve("precious.txt");
        Files.createDirectories(precious.getParent());
        Files.writeString(precious, "keep me");

        assertThrows(DataDirectoryNotEmptyException.class, node::initdb);
        assertThrows(DataDirectoryNotEmptyException.class,
                () -> node.baseBackupFrom(new Upstream("primary", "127.0.0.1", primary.settings().port())));

        assertEquals("keep me", Files.readString(precious));
        try (Stream<Path> entries = Files.list(precious.getParent())) {
            assertEquals(List.of(precious), entries.toList());
        }
    }

    @Test
    void aFailedBaseBackupLeavesNoDataDirectoryBehind() throws IOException {
        LocalPostgresInstance node = nodes.instance(nodes.settings("clone"));
        int nobodyListens = FreePorts.next();

        PostgresException error = assertThrows(PostgresException.class,
                () -> node.baseBackupFrom(new Upstream("ghost", "127.0.0.1", nobodyListens)));

        assertTrue(error.getMessage().contains("pg_basebackup"), error.getMessage());
        assertTrue(error.getMessage().contains("Connection refused"), error.getMessage());
        assertFalse(error.getMessage().contains(TestNodes.REPLICATION_PASSWORD), error.getMessage());
        Path dataDir = node.settings().dataDir();
        assertFalse(Files.exists(dataDir), "data directory after a failed base backup");
        try (Stream<Path> siblings = Files.list(dataDir.getParent())) {
            assertEquals(List.of("run"), siblings.map(path -> path.getFileName().toString()).toList());
        }
    }

    @Test
    void startRefusesAPostmasterItDidNotStartAndCloseLeavesItRunning() {
        LocalPostgresInstance intruder = nodes.instance(primary.settings());
        intruder.configure(null);

        PostmasterAlreadyRunningException error = assertThrows(PostmasterAlreadyRunningException.class, intruder::start);

        assertEquals(primary.pid(), error.pid());
        assertFalse(intruder.isRunning());
        intruder.close();
        assertTrue(primary.isRunning(), "closing an instance stops only the postmaster it started");
    }

    @Test
    void observeAnswersWithinTwoSecondsWhenPostgresqlIsFrozen() {
        assertTrue(primary.observe().reachable());
        List<Long> frozen = new ArrayList<>();
        frozen.add(primary.pid());
        ProcessHandle.of(primary.pid()).orElseThrow().descendants().forEach(child -> frozen.add(child.pid()));
        signal("STOP", frozen);
        try {
            for (String attempt : List.of("cached connection", "new connection")) {
                long started = System.nanoTime();
                PgObservation observation = primary.observe();
                Duration took = Duration.ofNanos(System.nanoTime() - started);

                assertTrue(took.compareTo(Duration.ofMillis(2500)) < 0, attempt + " took " + took.toMillis() + " ms");
                assertFalse(observation.reachable(), observation.toString());
                assertTrue(observation.running(), "running comes from the process, not from SQL");
                assertNotNull(observation.error());
            }
        } finally {
            signal("CONT", frozen);
        }
        Eventually.await("the thawed primary to answer", Duration.ofSeconds(10), primary::observe,
                PgObservation::reachable);
    }

    @Test
    void promoteIsRefusedOnAPrimary() {
        PostgresException error = assertThrows(PostgresException.class, primary::promote);

        assertTrue(error.getMessage().contains("recovery is not in progress"), error.getMessage());
    }

    @Test
    void rolesAreEnsuredIdempotentlyAndConfigurationReloads() {
        primary.ensureRoles();
        primary.ensureRoles();
        primary.writeHba(List.of("198.18.0.1", "198.18.0.2"));
        primary.reload();

        assertEquals(List.of("t"), Sql.column(primary.settings().port(),
                "SELECT rolreplication FROM pg_roles WHERE rolname = '" + TestNodes.REPLICATION_USER + "'"));
    }

    @Test
    void misuseIsReportedBeforeAnythingRuns() {
        LocalPostgresInstance node = nodes.instance(nodes.settings("fresh"));

        assertThrows(PostgresException.class, () -> node.configure(null), "configure without a cluster");
        assertThrows(PostgresException.class, node::reload, "reload while stopped");
        assertEquals(-1, node.exitFuture().join());
        node.stop(StopMode.IMMEDIATE);
        node.initdb();
        assertThrows(IllegalStateException.class, node::start, "start before configure");
        assertFalse(node.inspect().standbySignal());
        assertEquals("shut down", node.inspect().clusterState());
    }

    private static void signal(String signal, List<Long> pids) {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        pids.forEach(pid -> command.add(Long.toString(pid)));
        try {
            // Some children may have exited meanwhile; kill's exit status does not matter here.
            new ProcessBuilder(command).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new AssertionError("could not send SIG" + signal, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted sending SIG" + signal, e);
        }
    }
}
