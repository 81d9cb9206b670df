package io.pgpacer.postgres.local;

import io.pgpacer.testkit.Eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.timeline.LocalWal;
import io.pgpacer.core.timeline.TimelineFork;
import io.pgpacer.postgres.DataDirState;
import io.pgpacer.postgres.PgObservation;
import io.pgpacer.postgres.StopMode;
import io.pgpacer.postgres.Upstream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The life of a two-node cluster on real PostgreSQL: bootstrap, clone, stream, fail over, and bring the
 * crashed old primary back with pg_rewind.
 */
class LocalPostgresInstanceTest {
    private static final Duration REPLICATION_DEADLINE = Duration.ofSeconds(20);

    private final TestNodes nodes = new TestNodes();

    @AfterEach
    void cleanUp() throws Exception {
        nodes.close();
    }

    @Test
    void streamsFailsOverAndRewindsTheCrashedOldPrimary() throws Exception {
        // Given node1, bootstrapped as the primary
        LocalPostgresInstance node1 = nodes.instance(nodes.settings("node1"));
        LocalPostgresInstance node2 = nodes.instance(nodes.settings("node2"));
        int port1 = node1.settings().port();
        int port2 = node2.settings().port();
        node1.initdb();
        node1.writeHba(List.of("127.0.0.1"));
        node1.configure(null);
        node1.start();
        node1.ensureRoles();
        node1.ensureRoles();

        PgObservation primary = node1.observe();
        assertTrue(primary.running() && primary.reachable(), primary.toString());
        assertEquals(node1.pid(), primary.pid());
        assertFalse(primary.inRecovery(), primary.toString());
        assertEquals(1, primary.timeline());
        assertTrue(primary.currentLsn().isAfter(Lsn.ZERO), primary.toString());
        DataDirState runningState = node1.inspect();
        assertEquals("in production", runningState.clusterState());
        assertFalse(runningState.standbySignal());
        assertNotNull(runningState.systemIdentifier());

        // When node2 clones it and starts as its standby
        Upstream fromNode1 = new Upstream("node1", "127.0.0.1", port1);
        node2.baseBackupFrom(fromNode1);
        node2.configure(fromNode1);
        assertTrue(node2.inspect().standbySignal());
        node2.start();

        // Then node2 streams from node1, and node1 sees it as a replica
        PgObservation standby = Eventually.await("node2 streaming from node1", REPLICATION_DEADLINE,
                node2::observe, PgObservation::streaming);
        assertTrue(standby.inRecovery());
        assertEquals(port1, standby.senderPort());
        assertEquals("127.0.0.1", standby.senderHost());
        assertEquals(1, standby.timeline());
        assertEquals(Lsn.ZERO, standby.currentLsn());
        Eventually.await("node1 listing node2 as a streaming replica", REPLICATION_DEADLINE, node1::observe,
                observation -> observation.replicas().stream()
                        .anyMatch(row -> row.applicationName().equals("node2") && row.state().equals("streaming")));

        // and a row written on node1 reaches node2
        Sql.execute(port1, "CREATE TABLE events (id int PRIMARY KEY, origin text)");
        Sql.execute(port1, "INSERT INTO events VALUES (1, 'node1 before failover')");
        Eventually.await("the row on node2", REPLICATION_DEADLINE, () -> origins(port2),
                rows -> rows.equals(List.of("node1 before failover")));

        // When node2 is promoted
        node2.promote();

        // Then it is a writable primary on timeline 2
        PgObservation promoted = node2.observe();
        assertFalse(promoted.inRecovery(), promoted.toString());
        assertEquals(2, promoted.timeline());
        assertFalse(node2.inspect().standbySignal(), "PostgreSQL removes standby.signal when it promotes");
        Sql.execute(port2, "INSERT INTO events VALUES (2, 'node2 after promotion')");

        // When node1, still a primary, accepts a write node2 never sees and then crashes
        Sql.execute(port1, "INSERT INTO events VALUES (3, 'node1 diverged')");
        Lsn node1Wrote = Lsn.parse(Sql.column(port1, "SELECT pg_current_wal_insert_lsn()::text").get(0));
        long node1Pid = node1.pid();
        List<ProcessHandle> node1Children = ProcessHandle.of(node1Pid).orElseThrow().descendants().toList();
        ProcessHandle.of(node1Pid).orElseThrow().destroyForcibly();
        assertEquals(128 + 9, node1.exitFuture().get(5, TimeUnit.SECONDS), "exit status of a SIGKILLed postmaster");
        assertFalse(node1.isRunning());
        assertEquals(0, node1.pid());
        // Its backends hold shared memory until they notice the postmaster is gone; PostgreSQL refuses to
        // start on a data directory whose old segment is still attached.
        Eventually.await("node1's children to exit", Duration.ofSeconds(10),
                () -> node1Children.stream().filter(child -> ProcessTable.isAlive(child.pid())).toList(),
                List::isEmpty);
        assertEquals("in production", node1.inspect().clusterState());

        // and its WAL, read from disk, ends past the point where node2's timeline forked from timeline 1
        List<TimelineFork> node2Forks = node2.timelineHistory(2);
        assertEquals(1, node2Forks.size(), node2Forks.toString());
        assertEquals(1, node2Forks.get(0).parent());
        LocalWal crashed = node1.localWal();
        assertEquals(1, crashed.timeline(), crashed.toString());
        assertFalse(node1Wrote.isAfter(crashed.end()), "the WAL ends after the diverged row: " + crashed);
        assertTrue(crashed.end().isAfter(node2Forks.get(0).switchpoint()), crashed + " vs " + node2Forks);
        assertEquals(List.of(), crashed.forks());

        // Then pg_rewind turns node1 into a standby of node2 without the diverged row
        Upstream fromNode2 = new Upstream("node2", "127.0.0.1", port2);
        node1.rewindFrom(fromNode2);
        node1.configure(fromNode2);
        node1.start();
        PgObservation rewound = Eventually.await("node1 streaming from node2 on timeline 2", REPLICATION_DEADLINE,
                node1::observe, observation -> observation.streaming() && observation.timeline() == 2);
        assertEquals(port2, rewound.senderPort());
        Eventually.await("node2's rows on node1", REPLICATION_DEADLINE, () -> origins(port1),
                rows -> rows.equals(List.of("node1 before failover", "node2 after promotion")));

        // and stopping is idempotent and leaves a cleanly shut down standby
        node1.stop(StopMode.FAST);
        node1.stop(StopMode.FAST);
        assertFalse(node1.isRunning());
        DataDirState stopped = node1.inspect();
        assertEquals("shut down in recovery", stopped.clusterState());
        assertTrue(stopped.cleanlyShutDown());
        assertEquals(2, stopped.timeline());
        LocalWal rewoundWal = node1.localWal();
        assertEquals(2, rewoundWal.timeline(), rewoundWal.toString());
        assertEquals(node2Forks, rewoundWal.forks(), "node1 now has node2's history");
        assertTrue(rewoundWal.end().isAfter(node2Forks.get(0).switchpoint()), rewoundWal.toString());

        // A walreceiver leaves the segment it opened last zero-filled when it stops before writing there; such a
        // file, with any name, changes nothing about where the WAL ends.
        java.nio.file.Path walDir = node1.settings().dataDir().resolve("pg_wal");
        for (String zeroFilled : List.of("000000020000000000000001", "0000000200000000000000FF")) {
            java.nio.file.Files.write(walDir.resolve(zeroFilled), new byte[16 << 20]);
        }
        assertEquals(rewoundWal, node1.localWal(), "zero-filled segments before and after the WAL");
    }

    @Test
    void aStoppedNodeThatHeardOfItsSuccessorsTimelineButGotNoneOfItsWalEndsOnItsOwn() throws Exception {
        // Given node1, a primary streaming to node2
        LocalPostgresInstance node1 = nodes.instance(nodes.settings("node1"));
        LocalPostgresInstance node2 = nodes.instance(nodes.settings("node2"));
        node1.initdb();
        node1.writeHba(List.of("127.0.0.1"));
        node1.configure(null);
        node1.start();
        node1.ensureRoles();
        Upstream fromNode1 = new Upstream("node1", "127.0.0.1", node1.settings().port());
        node2.baseBackupFrom(fromNode1);
        node2.configure(fromNode1);
        node2.start();
        Eventually.await("node2 streaming from node1", REPLICATION_DEADLINE, node2::observe, PgObservation::streaming);
        Sql.execute(node1.settings().port(), "CREATE TABLE events (id int PRIMARY KEY, origin text)");

        // When node1 shuts down (its standby gets every record first) and node2 is promoted
        node1.stop(StopMode.FAST);
        LocalWal stopped = node1.localWal();
        node2.promote();
        TimelineFork fork = node2.timelineHistory(2).get(0);
        assertEquals(stopped.end(), fork.switchpoint(), "a switchover's fork is where the old primary stopped");

        // and node1 gets timeline 2's history file, as a walreceiver writes it before any of that timeline's WAL
        java.nio.file.Path history = java.nio.file.Path.of("00000002.history");
        java.nio.file.Files.copy(node2.settings().dataDir().resolve("pg_wal").resolve(history),
                node1.settings().dataDir().resolve("pg_wal").resolve(history));

        // Then its WAL still ends on timeline 1 at the fork: it can follow node2 without a rewind
        assertEquals(stopped, node1.localWal());
    }

    private static List<String> origins(int port) {
        return Sql.column(port, "SELECT origin FROM events ORDER BY id");
    }
}
