package io.pgpacer.postgres.local;

import io.pgpacer.core.probe.ProbeTable;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.probe.ProbeProgress;
import io.pgpacer.postgres.CommitGuardState;
import io.pgpacer.postgres.PgObservation;
import io.pgpacer.postgres.PostgresException;
import io.pgpacer.postgres.ReplicaRow;
import io.pgpacer.postgres.conf.SqlQuoting;
import io.pgpacer.postgres.conf.WalFileNames;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.postgresql.PGConnection;

/**
 * The agent's SQL access to its local PostgreSQL, as the superuser. Monitoring uses one cached
 * connection with 1-second connect, login and socket timeouts and a single round trip per look, so
 * a frozen server costs at most about a second; other operations open their own connection.
 */
final class JdbcSession implements AutoCloseable {
    private static final Driver DRIVER = new org.postgresql.Driver();
    private static final int MONITOR_TIMEOUT_SECONDS = 1;
    private static final int PROMOTE_WAIT_SECONDS = 30;
    // A checkpoint writes every dirty buffer: minutes on a large, busy server.
    private static final int CHECKPOINT_WAIT_SECONDS = 600;

    // Two statements, one network round trip. pg_current_wal_lsn() and pg_walfile_name() raise an error
    // during recovery, hence the CASE (pg_walfile_name is strict, so NULL in gives NULL out).
    private static final String OBSERVE_SQL = """
            SELECT s.in_recovery, s.current_lsn::text, pg_walfile_name(s.current_lsn),
                   pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text,
                   (SELECT timeline_id FROM pg_control_checkpoint()),
                   r.status, r.received_tli, r.sender_host, r.sender_port
              FROM (SELECT pg_is_in_recovery() AS in_recovery,
                           CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn() END AS current_lsn) AS s
              LEFT JOIN pg_stat_wal_receiver AS r ON true;
            SELECT application_name, client_addr::text, state, sync_state,
                   sent_lsn::text, flush_lsn::text, replay_lsn::text,
                   EXTRACT(EPOCH FROM flush_lag)::float8, EXTRACT(EPOCH FROM replay_lag)::float8
              FROM pg_stat_replication ORDER BY application_name, client_addr""";

    private final String url;
    private final String user;
    private final String password;
    private Connection monitorConnection; // guarded by this
    private final Object guardLock = new Object();
    private Connection guardConnection; // guarded by guardLock

    JdbcSession(String host, int port, String user, String passwordOrNull) {
        String hostInUrl = host.contains(":") ? "[" + host + "]" : host;
        this.url = "jdbc:postgresql://" + hostInUrl + ":" + port + "/postgres";
        this.user = user;
        this.password = passwordOrNull;
    }

    /** One look; never throws: an unreachable server yields an observation carrying the driver's message. */
    synchronized PgObservation observe(boolean running, long pid) {
        try {
            if (monitorConnection == null) {
                monitorConnection = open(MONITOR_TIMEOUT_SECONDS, MONITOR_TIMEOUT_SECONDS);
            }
            return query(monitorConnection, running, pid);
        } catch (SQLException | RuntimeException e) {
            closeMonitorConnection();
            return PgObservation.unreachable(running, pid, describe(e));
        }
    }

    /**
     * Runs {@code pg_promote(true, 30)}.
     *
     * @throws PostgresException if it fails or does not finish in time
     */
    void promote() {
        try (Connection connection = open(5, PROMOTE_WAIT_SECONDS + 10);
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT pg_promote(true, " + PROMOTE_WAIT_SECONDS + ")")) {
            result.next();
            if (!result.getBoolean(1)) {
                throw new PostgresException("promote failed: PostgreSQL did not finish promoting within "
                        + PROMOTE_WAIT_SECONDS + " s; see postgresql.log");
            }
        } catch (SQLException e) {
            throw new PostgresException("promote failed: SELECT pg_promote(true, " + PROMOTE_WAIT_SECONDS + "): "
                    + describe(e), e);
        }
    }

    /**
     * Creates or fixes the replication role and sets passwords (null means leave unset).
     *
     * @throws PostgresException if the server is a standby or a statement fails
     */
    void ensureRoles(String replicationUser, String replicationPassword, String superuser, String superuserPassword) {
        try (Connection connection = open(5, 10)) {
            try (Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery("SELECT pg_is_in_recovery()")) {
                result.next();
                if (result.getBoolean(1)) {
                    throw new PostgresException("cannot create roles on a standby: roles are created on the"
                            + " primary and replicate to the standbys");
                }
            }
            noSyncWait(connection);
            boolean exists;
            try (PreparedStatement statement = connection.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
                statement.setString(1, replicationUser);
                try (ResultSet result = statement.executeQuery()) {
                    exists = result.next();
                }
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute((exists ? "ALTER ROLE " : "CREATE ROLE ") + SqlQuoting.identifier(replicationUser)
                        + " WITH REPLICATION LOGIN");
            }
            // The driver hashes the password (SCRAM) before sending it, so the plain text never reaches
            // the server, its logs (log_statement = ddl) or an error message.
            PGConnection pg = connection.unwrap(PGConnection.class);
            if (replicationPassword != null) {
                pg.alterUserPassword(replicationUser, replicationPassword.toCharArray(), "scram-sha-256");
            }
            if (superuserPassword != null) {
                pg.alterUserPassword(superuser, superuserPassword.toCharArray(), "scram-sha-256");
            }
        } catch (SQLException e) {
            throw new PostgresException("creating the replication role " + replicationUser + " failed: "
                    + describe(e), e);
        }
    }

    /**
     * Readies a primary as pg_rewind's source: refuses a standby (a node rewinds onto the primary's timeline only),
     * and makes the control file name the current timeline, by a CHECKPOINT if it lags. Right after a promotion it
     * still holds the old timeline until the (spread) end-of-recovery checkpoint ends, and pg_rewind before
     * PostgreSQL 16 reads the source's timeline from there: it would answer "no rewind required" for a node that
     * diverged.
     *
     * @throws PostgresException if the server is a standby, cannot be reached, or the checkpoint fails
     */
    void prepareAsRewindSource(String nodeName) {
        String query = "SELECT pg_is_in_recovery(), (SELECT timeline_id FROM pg_control_checkpoint()),"
                + " CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END";
        try (Connection connection = open(5, CHECKPOINT_WAIT_SECONDS);
             Statement statement = connection.createStatement()) {
            boolean lags;
            try (ResultSet result = statement.executeQuery(query)) {
                result.next();
                if (result.getBoolean(1)) {
                    throw new PostgresException("pg_rewind from " + nodeName + " refused: " + nodeName
                            + " is a standby (in recovery); a node is rewound from the primary only");
                }
                lags = result.getLong(2) < WalFileNames.timeline(result.getString(3));
            }
            if (lags) {
                statement.execute("CHECKPOINT");
            }
        } catch (SQLException e) {
            throw new PostgresException("making " + url + " checkpoint its new timeline failed: " + describe(e), e);
        }
    }

    /**
     * Grants the commit guard lease {@code epoch} anchored to the server's clock, creating the extension first on a
     * primary that lacks it; see {@code PostgresInstance.grantCommitGuard}. One second per round trip at most.
     */
    Optional<CommitGuardState> grantCommitGuard(long epoch, LongSupplier validMillisAfterAnchor) {
        synchronized (guardLock) {
            // why one retry: the cached connection dies with every restart of PostgreSQL, and the grant that follows a
            // start must not wait for the next renewal.
            boolean cached = guardConnection != null;
            try {
                return grant(guardConnection(), epoch, validMillisAfterAnchor);
            } catch (SQLException | RuntimeException first) {
                closeGuardConnection();
                if (cached) {
                    try {
                        return grant(guardConnection(), epoch, validMillisAfterAnchor);
                    } catch (SQLException | RuntimeException e) {
                        closeGuardConnection();
                        throw grantFailed(epoch, e);
                    }
                }
                throw grantFailed(epoch, first);
            }
        }
    }

    private PostgresException grantFailed(long epoch, Exception e) {
        return new PostgresException("granting commit guard lease generation " + epoch + " on " + url + " failed: "
                + describe(e), e);
    }

    private static Optional<CommitGuardState> grant(Connection connection, long epoch,
            LongSupplier validMillisAfterAnchor) throws SQLException {
        if (!guardCreated(connection)) {
            return Optional.empty();
        }
        long anchor;
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT pgpacer.clock_ns()")) {
            result.next();
            anchor = result.getLong(1);
        }
        // why after the reading arrived: the caller's clock then is no earlier than the anchor's moment.
        long validMillis = validMillisAfterAnchor.getAsLong();
        if (validMillis > 0) {
            try (PreparedStatement statement = connection.prepareStatement("SELECT pgpacer.extend_lease(?, ?, ?)")) {
                statement.setLong(1, epoch);
                statement.setLong(2, anchor);
                statement.setLong(3, validMillis);
                statement.executeQuery().close();
            }
        }
        return Optional.of(guardState(connection));
    }

    /** The commit guard's state; empty when the extension is not there or the server does not answer. */
    Optional<CommitGuardState> commitGuardState() {
        synchronized (guardLock) {
            for (int attempt = 0; attempt < 2; attempt++) {
                boolean cached = guardConnection != null;
                try {
                    Connection connection = guardConnection();
                    try (Statement statement = connection.createStatement();
                         ResultSet result = statement.executeQuery(
                                 "SELECT to_regprocedure('pgpacer.state()') IS NOT NULL")) {
                        result.next();
                        if (!result.getBoolean(1)) {
                            return Optional.empty();
                        }
                    }
                    return Optional.of(guardState(connection));
                } catch (SQLException | RuntimeException e) {
                    closeGuardConnection();
                    if (!cached) {
                        break;
                    }
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Ends the commit guard's lease now (when the extension is there) and terminates every client backend but this
     * connection's, within about a second; returns how many were told to go, or -1 when PostgreSQL could not be
     * asked (the caller stops it anyway).
     */
    int endClientWrites() {
        try (Connection connection = open(1, 1); Statement statement = connection.createStatement()) {
            // why revoke: the store can take the lease away while the granted deadline still lies ahead.
            boolean guarded;
            try (ResultSet result = statement.executeQuery("SELECT to_regprocedure('pgpacer.revoke_lease()') IS NOT NULL")) {
                result.next();
                guarded = result.getBoolean(1);
            }
            if (guarded) {
                statement.executeQuery("SELECT pgpacer.revoke_lease()").close();
            }
            try (ResultSet result = statement.executeQuery("SELECT count(pg_terminate_backend(pid))"
                    + " FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")) {
                result.next();
                return result.getInt(1);
            }
        } catch (SQLException | RuntimeException e) {
            return -1;
        }
    }

    private static final String PROBE_TABLE = ProbeTable.NAME;
    private static final String PROBE_UPSERT = "INSERT INTO " + PROBE_TABLE + " AS h (node, probes, committed_at)"
            + " VALUES (?, 1, now()) ON CONFLICT (node) DO UPDATE SET probes = h.probes + 1, committed_at = now()";
    /** The commit guard's refusal: SQLSTATE read_only_sql_transaction with the extension's prefix. */
    private static final String GUARD_SQLSTATE = "25006";

    /**
     * One write probe: a new connection (a hung postmaster accepts none, while a cached one may still answer), {@code
     * synchronous_commit = local} (a missing sync standby is no fault of this node), the probe table created when
     * missing, then one row committed. {@code stage} hears what the probe waits for next, so that whoever judges a
     * probe that has not returned can say where it hangs. Never throws.
     */
    ProbeProgress.Result commitProbe(String node, long timeoutMillis, Consumer<String> stage) {
        // why a second beyond the timeout: the agent judges the probe by its own clock; the driver's limits only end a
        // call that would otherwise hang this probe's thread for good.
        int seconds = (int) Math.min(Integer.MAX_VALUE, (timeoutMillis + 999) / 1000 + 1);
        stage.accept("no answer to a new connection");
        try (Connection connection = open(seconds, seconds); Statement statement = connection.createStatement()) {
            stage.accept("no answer while preparing the probe table");
            statement.execute("SET synchronous_commit = local");
            boolean exists;
            try (ResultSet result = statement.executeQuery("SELECT to_regclass('" + PROBE_TABLE + "') IS NOT NULL")) {
                result.next();
                exists = result.getBoolean(1);
            }
            if (!exists) {
                statement.execute("CREATE SCHEMA IF NOT EXISTS " + ProbeTable.SCHEMA);
                statement.execute("CREATE TABLE IF NOT EXISTS " + PROBE_TABLE + " (node text PRIMARY KEY,"
                        + " probes bigint NOT NULL, committed_at timestamptz NOT NULL)");
            }
            stage.accept("the commit has not returned");
            long start = System.nanoTime();
            try (PreparedStatement upsert = connection.prepareStatement(PROBE_UPSERT)) {
                upsert.setString(1, node);
                upsert.executeUpdate();
            }
            return new ProbeProgress.Result(ProbeProgress.Outcome.COMMITTED, System.nanoTime() - start, null);
        } catch (SQLException | RuntimeException e) {
            // why the server's own message: the severity word before it follows lc_messages, the guard's prefix not.
            boolean guard = e instanceof org.postgresql.util.PSQLException sql
                    && GUARD_SQLSTATE.equals(sql.getSQLState()) && sql.getServerErrorMessage() != null
                    && String.valueOf(sql.getServerErrorMessage().getMessage()).startsWith("pgpacer:");
            return new ProbeProgress.Result(guard ? ProbeProgress.Outcome.REFUSED_BY_GUARD
                    : ProbeProgress.Outcome.FAILED, 0, describe(e));
        }
    }

    private Connection guardConnection() throws SQLException {
        if (guardConnection == null) {
            guardConnection = open(MONITOR_TIMEOUT_SECONDS, MONITOR_TIMEOUT_SECONDS);
        }
        return guardConnection;
    }

    // CREATE EXTENSION writes, so only a primary can; the extension's install script lets that one commit through
    // the guard, which holds no lease yet.
    private static boolean guardCreated(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT to_regprocedure('pgpacer.extend_lease(bigint,bigint,bigint)')"
                     + " IS NOT NULL, pg_is_in_recovery()")) {
            result.next();
            if (result.getBoolean(1)) {
                return true;
            }
            if (result.getBoolean(2)) {
                return false;
            }
        }
        try (Statement statement = connection.createStatement()) {
            noSyncWait(connection);
            statement.execute("CREATE EXTENSION IF NOT EXISTS pgpacer_guard");
        }
        return true;
    }

    // why: the agent's own writes (its roles, the guard's extension) must not wait for sync standbys. A new primary
    // waits for them from its first commit (SyncPlanner.atPromotion), and the loop that would narrow or drop that wait
    // would hang in its own commit. What they write is made again by whichever node is primary, so losing it in a
    // failover costs nothing.
    private static void noSyncWait(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET synchronous_commit = local");
        }
    }

    private static CommitGuardState guardState(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(
                     "SELECT epoch, remaining_ms, refused_commits, withheld_acks FROM pgpacer.state()")) {
            result.next();
            long epoch = result.getLong(1);
            long remaining = result.getLong(2);
            OptionalLong remainingMillis = result.wasNull() ? OptionalLong.empty() : OptionalLong.of(remaining);
            return new CommitGuardState(epoch, remainingMillis, result.getLong(3), result.getLong(4));
        }
    }

    private void closeGuardConnection() {
        if (guardConnection != null) {
            try {
                guardConnection.abort(Runnable::run);
            } catch (SQLException | RuntimeException e) {
                // The connection is being discarded; there is nothing left to do with it.
            }
            guardConnection = null;
        }
    }

    @Override
    public synchronized void close() {
        closeMonitorConnection();
        synchronized (guardLock) {
            closeGuardConnection();
        }
    }

    private Connection open(int connectSeconds, int socketSeconds) throws SQLException {
        return connect(url, user, password, connectSeconds, socketSeconds, url);
    }

    /**
     * A new connection as every connection of pgpacer's is made: named {@code pgpacer}, with connect, login and socket
     * timeouts; {@code server} names the target when the driver does not accept the URL.
     */
    static Connection connect(String url, String user, String password, int connectSeconds, int socketSeconds,
            String server) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("connectTimeout", Integer.toString(connectSeconds));
        properties.setProperty("loginTimeout", Integer.toString(connectSeconds));
        properties.setProperty("socketTimeout", Integer.toString(socketSeconds));
        properties.setProperty("ApplicationName", "pgpacer");
        Connection connection = DRIVER.connect(url, properties);
        if (connection == null) {
            throw new SQLException("the PostgreSQL driver does not accept " + server);
        }
        return connection;
    }

    private static PgObservation query(Connection connection, boolean running, long pid) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(OBSERVE_SQL);
            boolean inRecovery;
            long timeline;
            Lsn currentLsn;
            Lsn receiveLsn;
            Lsn replayLsn;
            boolean streaming;
            String senderHost;
            int senderPort;
            try (ResultSet server = statement.getResultSet()) {
                server.next();
                inRecovery = server.getBoolean(1);
                currentLsn = lsn(server.getString(2));
                receiveLsn = lsn(server.getString(4));
                replayLsn = lsn(server.getString(5));
                long checkpointTimeline = server.getLong(6);
                streaming = "streaming".equals(server.getString(7));
                long receivedTimeline = server.getLong(8);
                senderHost = server.getString(9);
                senderPort = server.getInt(10);
                timeline = inRecovery ? Math.max(receivedTimeline, checkpointTimeline)
                        : WalFileNames.timeline(server.getString(3));
            }
            List<ReplicaRow> replicas = new ArrayList<>();
            if (statement.getMoreResults()) {
                try (ResultSet rows = statement.getResultSet()) {
                    while (rows.next()) {
                        replicas.add(new ReplicaRow(rows.getString(1), rows.getString(2), rows.getString(3),
                                rows.getString(4), lsn(rows.getString(5)), lsn(rows.getString(6)),
                                lsn(rows.getString(7)), seconds(rows, 8), seconds(rows, 9)));
                    }
                }
            }
            return new PgObservation(running, pid, true, inRecovery, timeline, currentLsn, receiveLsn, replayLsn,
                    streaming, senderHost, senderPort, replicas, null);
        }
    }

    private static Lsn lsn(String text) {
        return text == null ? Lsn.ZERO : Lsn.parse(text);
    }

    /** An interval column read as seconds; null stays null. */
    private static Duration seconds(ResultSet rows, int column) throws SQLException {
        double seconds = rows.getDouble(column);
        return rows.wasNull() ? null : Duration.ofNanos(Math.round(seconds * 1e9));
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private void closeMonitorConnection() {
        if (monitorConnection != null) {
            try {
                // abort() does not wait for the server, which may be frozen.
                monitorConnection.abort(Runnable::run);
            } catch (SQLException | RuntimeException e) {
                // The connection is being discarded; there is nothing left to do with it.
            }
            monitorConnection = null;
        }
    }
}
