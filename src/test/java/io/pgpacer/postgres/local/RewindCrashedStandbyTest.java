package io.pgpacer.postgres.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.postgres.PgObservation;
import io.pgpacer.postgres.PostgresException;
import io.pgpacer.postgres.Upstream;
import io.pgpacer.testkit.Eventually;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A standby whose agent was killed (its postmaster dies with it) is left "in archive recovery" with standby.signal;
 * pg_rewind must still bring it back, from the primary only: a standby is never a rewind source (issue 12).
 */
class RewindCrashedStandbyTest {
    private static final Duration REPLICATION_DEADLINE = Duration.ofSeconds(20);

    private final TestNodes nodes = new TestNodes();

    @AfterEach
    void cleanUp() throws Exception {
        nodes.close();
    }

    @Test
    void aCrashedStandbyIsRewoundFromThePrimaryAndNeverFromAStandby() throws Exception {
        // Given node1 as primary and node2, node3 streaming from it
        LocalPostgresInstance node1 = nodes.instance(nodes.settings("node1"));
        LocalPostgresInstance node2 = nodes.instance(nodes.settings("node2"));
        LocalPostgresInstance node3 = nodes.instance(nodes.settings("node3"));
        int port1 = node1.settings().port();
        int port3 = node3.settings().port();
        node1.initdb();
        node1.writeHba(List.of("127.0.0.1"));
        node1.configure(null);
        node1.start();
        node1.ensureRoles();
        Upstream fromNode1 = new Upstream("node1", "127.0.0.1", port1);
        Upstream fromNode2 = new Upstream("node2", "127.0.0.1", node2.settings().port());
        for (LocalPostgresInstance standby : List.of(node2, node3)) {
            standby.baseBackupFrom(fromNode1);
            standby.configure(fromNode1);
            standby.start();
            Eventually.await(standby.settings().nodeName() + " streaming from node1", REPLICATION_DEADLINE,
                    standby::observe, PgObservation::streaming);
        }
        Sql.execute(port1, "CREATE TABLE events (id int PRIMARY KEY, origin text)");
        Sql.execute(port1, "INSERT INTO events VALUES (1, 'before the crash')");
        Eventually.await("the row on node3", REPLICATION_DEADLINE, () -> origins(port3),
                rows -> rows.equals(List.of("before the crash")));

        // When node3's postmaster is killed, as it is with its agent
        long pid = node3.pid();
        List<ProcessHandle> children = ProcessHandle.of(pid).orElseThrow().descendants().toList();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        assertEquals(128 + 9, node3.exitFuture().get(5, TimeUnit.SECONDS), "exit status of a SIGKILLed postmaster");
        Eventually.await("node3's children to exit", Duration.ofSeconds(10),
                () -> children.stream().filter(child -> ProcessTable.isAlive(child.pid())).toList(), List::isEmpty);
        assertEquals("in archive recovery", node3.inspect().clusterState());
        assertTrue(node3.inspect().standbySignal());

        // Then a rewind from the standby node2 is refused, before anything in node3's data directory changed
        PostgresException refused = assertThrows(PostgresException.class, () -> node3.rewindFrom(fromNode2));
        assertTrue(refused.getMessage().contains("node2") && refused.getMessage().contains("is a standby"),
                refused.getMessage());
        assertEquals("in archive recovery", node3.inspect().clusterState(), "node3's data was left as it was");

        // and a rewind from the primary node1 succeeds (no single-user FATAL over standby.signal)
        node3.rewindFrom(fromNode1);
        node3.configure(fromNode1);
        node3.start();
        Eventually.await("node3 streaming from node1 again", REPLICATION_DEADLINE, node3::observe,
                PgObservation::streaming);
        Sql.execute(port1, "INSERT INTO events VALUES (2, 'after the rewind')");
        Eventually.await("both rows on node3", REPLICATION_DEADLINE, () -> origins(port3),
                rows -> rows.equals(List.of("before the crash", "after the rewind")));
    }

    private static List<String> origins(int port) {
        return Sql.column(port, "SELECT origin FROM events ORDER BY id");
    }
}
