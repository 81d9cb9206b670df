package io.pgpacer.postgres.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.postgres.CommitGuardState;
import io.pgpacer.postgres.PostgresException;
import io.pgpacer.postgres.StopMode;
import io.pgpacer.testkit.Eventually;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pgpacer_guard extension on a real PostgreSQL, loaded and granted through {@link LocalPostgresInstance} as
 * the agent does: commits that write succeed while the grant lasts and fail with SQLSTATE 25006 once it ran out or
 * while none was granted since the start; reads keep working; only the agent's role may grant. Needs the
 * extension installed for the PostgreSQL in use ({@code bin/ensure-deps} does it).
 */
class CommitGuardTest {

    private static final String READ_ONLY_SQL_TRANSACTION = "25006";
    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    private TestNodes nodes;
    private LocalPostgresInstance pg;
    private int port;

    @BeforeEach
    void startPrimaryWithGuard() {
        nodes = new TestNodes();
        pg = nodes.instance(nodes.settings("node1"));
        assertTrue(pg.commitGuardInstalled(), "pgpacer_guard.so is not in "
                + TestNodes.binaries().libraryDir() + "; run bin/ensure-deps as root");
        port = pg.settings().port();
        pg.loadCommitGuard();
        pg.initdb();
        pg.writeHba(List.of("127.0.0.1"));
        pg.configure(null);
        pg.start();
    }

    @AfterEach
    void stop() throws Exception {
        nodes.close();
    }

    @Test
    void writesCommitWhileGrantedAndFailOnceTheGrantRanOutWhileReadsGoOn() throws Exception {
        assertRefused("CREATE TABLE t (i int)", "pgpacer: this node holds no primary lease");
        CommitGuardState granted = pg.grantCommitGuard(7, () -> 60_000).orElseThrow();
        assertEquals(7, granted.epoch());
        assertTrue(granted.remainingMillis().orElseThrow() > 50_000, "remaining after a 60 s grant: " + granted);
        execute("CREATE TABLE t (i int)");
        execute("INSERT INTO t VALUES (1)");

        // A later generation replaces the deadline, here with one that ends almost at once.
        pg.grantCommitGuard(8, () -> 1);
        Eventually.await("the grant of generation 8 ran out", Duration.ofSeconds(10), pg::commitGuardState,
                state -> state.orElseThrow().remainingMillis().orElseThrow() < 0);
        SQLException refused = assertRefused("INSERT INTO t VALUES (2)", "pgpacer: this node's primary lease expired at ");
        assertTrue(refused.getMessage().contains("; the primary may have moved"), refused.getMessage());
        assertRefused("BEGIN; INSERT INTO t VALUES (3); COMMIT", "pgpacer: this node's primary lease expired at ");

        assertEquals("1", single("SELECT count(*) FROM t"), "the refused rows must not be there");
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            statement.executeQuery("SELECT * FROM t").close();
            connection.commit();
        }
        CommitGuardState state = pg.commitGuardState().orElseThrow();
        assertEquals(8, state.epoch());
        assertTrue(state.refusedCommits() >= 3, "refusals counted: " + state);
        assertEquals("8", single("SELECT pgpacer.epoch()"));
        assertEquals("8", single("SHOW pgpacer.epoch"));

        // An earlier generation is refused: a grant from a deposed holder must not revive the lease.
        PostgresException stale = assertThrows(PostgresException.class, () -> pg.grantCommitGuard(7, () -> 60_000));
        assertTrue(stale.getMessage().contains("lease generation 7 is stale"), stale.getMessage());
    }

    @Test
    void afterARestartWritesAreRefusedUntilTheNextGrant() throws Exception {
        pg.grantCommitGuard(3, () -> 60_000).orElseThrow();
        execute("CREATE TABLE t (i int)");
        pg.stop(StopMode.FAST);
        pg.start();
        assertEquals("0", single("SELECT pgpacer.epoch()"));
        assertRefused("INSERT INTO t VALUES (1)", "pgpacer: this node holds no primary lease");
        pg.grantCommitGuard(4, () -> 60_000).orElseThrow();
        execute("INSERT INTO t VALUES (1)");
        assertEquals("1", single("SELECT count(*) FROM t"));
    }

    @Test
    void onlyTheAgentsRoleMayGrantWhileEveryRoleReadsTheEpoch() throws Exception {
        pg.grantCommitGuard(5, () -> 60_000).orElseThrow();
        execute("CREATE ROLE app LOGIN");
        try (Connection app = connect("app"); Statement statement = app.createStatement()) {
            SQLException denied = assertThrows(SQLException.class,
                    () -> statement.executeQuery("SELECT pgpacer.extend_lease(6, pgpacer.clock_ns(), 60000)"));
            assertEquals(INSUFFICIENT_PRIVILEGE, denied.getSQLState(), denied.getMessage());
            SQLException revoke = assertThrows(SQLException.class,
                    () -> statement.executeQuery("SELECT pgpacer.revoke_lease()"));
            assertEquals(INSUFFICIENT_PRIVILEGE, revoke.getSQLState(), revoke.getMessage());
            try (ResultSet epoch = statement.executeQuery("SELECT pgpacer.epoch(), current_setting('pgpacer.epoch')")) {
                epoch.next();
                assertEquals(5, epoch.getLong(1));
                assertEquals("5", epoch.getString(2));
            }
        }
    }

    // The second check: a commit whose record was written as the lease ran out (here it waits for a synchronous
    // standby that does not exist until the grant is gone) is never acknowledged: its client loses the connection.
    @Test
    void aCommitWrittenAsTheGrantRunsOutIsNeverAcknowledged() throws Exception {
        pg.grantCommitGuard(9, () -> 60_000).orElseThrow();
        execute("CREATE TABLE t (i int)");
        pg.waitForStandbys(List.of("nobody"), 1);
        pg.grantCommitGuard(10, () -> 2_000).orElseThrow();
        CompletableFuture<String> insert = CompletableFuture.supplyAsync(() -> {
            try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
                statement.execute("INSERT INTO t VALUES (1)");
                return "acknowledged";
            } catch (SQLException e) {
                return "failed: " + e.getSQLState() + " " + e.getMessage();
            }
        });
        Eventually.await("the insert waits for the synchronous standby", Duration.ofSeconds(10),
                () -> Sql.column(port, "SELECT coalesce(wait_event, '-') || ': ' || query FROM pg_stat_activity"
                        + " WHERE backend_type = 'client backend'"),
                activity -> activity.stream().anyMatch(row -> row.startsWith("SyncRep: INSERT")));
        Eventually.await("the grant of generation 10 ran out", Duration.ofSeconds(10), pg::commitGuardState,
                state -> state.orElseThrow().remainingMillis().orElseThrow() < 0);
        pg.waitForStandbys(List.of(), 0);
        String outcome = insert.get(30, TimeUnit.SECONDS);
        assertFalse(outcome.equals("acknowledged"), "a commit completed after the grant ran out was acknowledged");
        assertEquals("1", single("SELECT count(*) FROM t"), "the commit is durable locally (" + outcome + ")");
        assertEquals(1, pg.commitGuardState().orElseThrow().withheldAcks());
    }

    // Fencing's first step: the store may have taken the lease away while the granted deadline still lies ahead.
    @Test
    void fencingEndsTheGrantAndTerminatesClientBackends() throws Exception {
        pg.grantCommitGuard(11, () -> 60_000).orElseThrow();
        execute("CREATE TABLE t (i int)");
        try (Connection client = connect("postgres"); Statement statement = client.createStatement();
             JdbcSession agent = new JdbcSession("127.0.0.1", port, TestNodes.SUPERUSER, null)) {
            statement.execute("INSERT INTO t VALUES (1)");
            assertTrue(agent.endClientWrites() >= 1, "the client's backend was terminated");
            assertThrows(SQLException.class, () -> statement.execute("INSERT INTO t VALUES (2)"));
        }
        assertTrue(pg.commitGuardState().orElseThrow().remainingMillis().orElseThrow() <= 0, "the grant ended");
        assertRefused("INSERT INTO t VALUES (3)", "pgpacer: this node's primary lease expired at ");
    }

    private SQLException assertRefused(String sql, String messageStart) {
        SQLException refused = assertThrows(SQLException.class, () -> execute(sql), sql);
        assertEquals(READ_ONLY_SQL_TRANSACTION, refused.getSQLState(), refused.getMessage());
        assertTrue(refused.getMessage().startsWith("ERROR: " + messageStart), refused.getMessage());
        return refused;
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private String single(String sql) throws SQLException {
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private Connection connect(String user) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + user
                + "&connectTimeout=5&socketTimeout=30&ApplicationName=commit-guard-test");
    }
}
