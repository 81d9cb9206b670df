package io.pgpacer.testkit.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.postgresql.util.PSQLException;

/**
 * A database client run inside a lab host: it writes rows with increasing ids to each target address (the
 * writer VIP, or each node's own address), one thread per target, as an application would, and logs every
 * acknowledged write to a file. Each insert returns the {@code cluster_name} of the server that committed it
 * (pgpacer sets it to the node's name), so the log says which node acknowledged what even when every
 * connection goes to the same address.
 *
 * <p>Log lines: {@code ack ID NODE NANOS} per acknowledged write, {@code NANOS} from {@link System#nanoTime()},
 * the machine's monotonic clock, which the test JVM shares; {@code refused ID TARGET NANOS} per commit that
 * pgpacer_guard refused (the node's lease had run out); lines starting with {@code #} tell what went wrong.
 * An id whose insert failed is never used again, so an id is acknowledged at most once. Every JDBC timeout is
 * about a second: a frozen or vanished server costs a second, then the writer connects again. A standby's
 * refusal (read-only) keeps the connection, so writing to standbys does not make them fork a backend each time.
 *
 * <p>Arguments: {@code TABLE LOG HOST:PORT...}. It runs until killed.
 */
public final class VipWriter {
    private static final long PACE_NANOS = Duration.ofMillis(10).toNanos();
    private static final String READ_ONLY = "25006";
    /** The source file that raises pgpacer_guard's refusals, as PostgreSQL reports it with every error. */
    private static final String GUARD_SOURCE = "pgpacer_guard.c";

    private final String table;
    private final Writer log;
    private final AtomicLong nextId = new AtomicLong(1);

    private VipWriter(String table, Writer log) {
        this.table = table;
        this.log = log;
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        try (Writer log = Files.newBufferedWriter(Path.of(args[1]), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            VipWriter writer = new VipWriter(args[0], log);
            List<Thread> threads = new ArrayList<>();
            for (int i = 2; i < args.length; i++) {
                String target = args[i];
                threads.add(new Thread(() -> writer.write(target), "writer-" + target));
            }
            threads.forEach(Thread::start);
            for (Thread thread : threads) {
                thread.join();
            }
        }
    }

    private void write(String target) {
        String url = "jdbc:postgresql://" + target + "/postgres?user=postgres&connectTimeout=1&socketTimeout=1"
                + "&loginTimeout=1&ApplicationName=vip-writer";
        Connection connection = null;
        String lastError = "";
        while (true) {
            long id = nextId.getAndIncrement();
            try {
                if (connection == null) {
                    connection = DriverManager.getConnection(url);
                    try (Statement create = connection.createStatement()) {
                        create.execute("CREATE TABLE IF NOT EXISTS " + table + " (id bigint PRIMARY KEY,"
                                + " node text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())");
                    }
                }
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table
                        + " (id, node) VALUES (?, current_setting('cluster_name')) RETURNING node")) {
                    insert.setLong(1, id);
                    try (ResultSet node = insert.executeQuery()) {
                        node.next();
                        line("ack " + id + " " + node.getString(1) + " " + System.nanoTime());
                    }
                }
                lastError = "";
            } catch (SQLException e) {
                if (refusedByGuard(e)) {
                    line("refused " + id + " " + target + " " + System.nanoTime());
                }
                String error = e.getSQLState() + " " + String.valueOf(e.getMessage()).replace('\n', ' ');
                // why: a dead address fails the same way every second; one line per change is enough.
                if (!error.equals(lastError)) {
                    line("# " + System.nanoTime() + " " + target + " id " + id + ": " + error);
                }
                lastError = error;
                if (!READ_ONLY.equals(e.getSQLState())) {
                    close(connection);
                    connection = null;
                }
            }
            LockSupport.parkNanos(PACE_NANOS);
        }
    }

    // why the source file: the guard refuses with a standby's SQLSTATE (so that clients retry elsewhere), and the
    // server's error report names where it was raised, which tells the two apart without reading the message.
    private static boolean refusedByGuard(SQLException e) {
        return READ_ONLY.equals(e.getSQLState()) && e instanceof PSQLException server
                && server.getServerErrorMessage() != null
                && GUARD_SOURCE.equals(server.getServerErrorMessage().getFile());
    }

    private void line(String text) {
        synchronized (log) {
            try {
                log.write(text + "\n");
                log.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void close(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // the connection is gone either way
            }
        }
    }
}
