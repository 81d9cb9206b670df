package io.pgpacer.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The workload checker: one writer per node writes straight to that node's PostgreSQL, as fast as a client
 * reconnecting through a VIP would, and logs every acknowledged write with the node that acknowledged it.
 * Afterwards it proves (a) which acknowledged writes the final primary lacks, (b) that no two nodes accepted
 * writes during overlapping periods, and (c) how long writes were unavailable.
 */
public final class Workload implements AutoCloseable {

    /** One acknowledged write: its id, the node that committed it, and when the client got the ack. */
    public record Ack(long id, String node, long ackNanos) {
    }

    /** What the checker found. */
    public record Verdict(int acknowledged, List<Long> lost, List<String> overlaps, Duration longestGap) {

        @Override
        public String toString() {
            return acknowledged + " acknowledged writes, " + lost.size() + " lost, " + overlaps.size()
                    + " overlapping primaries " + overlaps + ", longest write gap " + longestGap.toMillis() + " ms";
        }
    }

    private static final long PACE_NANOS = Duration.ofMillis(10).toNanos();

    private final Map<String, Integer> ports;
    private final AtomicLong nextId = new AtomicLong(1);
    private final List<Ack> acks = new CopyOnWriteArrayList<>();
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean running = true;

    /** @param ports node name to its PostgreSQL port on 127.0.0.1 */
    public Workload(Map<String, Integer> ports) {
        this.ports = new LinkedHashMap<>(ports);
    }

    /** Creates the table on {@code primary} and starts the writers. */
    public void start(String primary) throws SQLException {
        try (Connection c = connect(ports.get(primary)); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS pgpacer_workload (id bigint PRIMARY KEY, node text NOT NULL,"
                    + " at timestamptz NOT NULL DEFAULT clock_timestamp())");
        }
        for (Map.Entry<String, Integer> node : ports.entrySet()) {
            Thread writer = new Thread(() -> write(node.getKey(), node.getValue()), "workload-" + node.getKey());
            writer.setDaemon(true);
            writers.add(writer);
            writer.start();
        }
    }

    private void write(String node, int port) {
        Connection connection = null;
        while (running) {
            try {
                if (connection == null) {
                    connection = connect(port);
                }
                long id = nextId.getAndIncrement();
                try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO pgpacer_workload (id, node) VALUES (?, ?)")) {
                    insert.setLong(1, id);
                    insert.setString(2, node);
                    insert.executeUpdate();
                }
                acks.add(new Ack(id, node, System.nanoTime()));
            } catch (SQLException e) {
                // why: a standby refuses writes (25006) on a good connection; anything else may be a dead server.
                if (!"25006".equals(e.getSQLState())) {
                    close(connection);
                    connection = null;
                }
            }
            LockSupport.parkNanos(PACE_NANOS);
        }
        close(connection);
    }

    public List<Ack> acks() {
        return List.copyOf(acks);
    }

    /** The number of writes {@code node} acknowledged so far. */
    public long acknowledgedBy(String node) {
        return acks.stream().filter(a -> a.node().equals(node)).count();
    }

    /** When {@code node} first acknowledged a write after {@code afterNanos}, or -1. */
    public long firstAckBy(String node, long afterNanos) {
        return firstAckBy(acks, node, afterNanos);
    }

    /** When {@code node} first acknowledged one of {@code acks} after {@code afterNanos}, or -1. */
    public static long firstAckBy(List<Ack> acks, String node, long afterNanos) {
        return acks.stream().filter(a -> a.node().equals(node) && a.ackNanos() > afterNanos).mapToLong(Ack::ackNanos)
                .min().orElse(-1);
    }

    /** The longest time between consecutive acknowledgements (any node) from {@code fromNanos} to {@code toNanos}. */
    public long longestGapBetween(long fromNanos, long toNanos) {
        return longestGapBetween(acks, fromNanos, toNanos);
    }

    /** The longest time between consecutive {@code acks} (any node) from {@code fromNanos} to {@code toNanos}. */
    public static long longestGapBetween(List<Ack> acks, long fromNanos, long toNanos) {
        return gapsBetween(acks, fromNanos, toNanos).stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /**
     * The time without acknowledged writes from {@code fromNanos} to {@code toNanos}: the sum of the gaps between
     * consecutive {@code acks} (any node) of at least {@code minGap}, so that the writers' own pace does not count.
     */
    public static long timeWithoutWrites(List<Ack> acks, long fromNanos, long toNanos, Duration minGap) {
        return gapsBetween(acks, fromNanos, toNanos).stream().mapToLong(Long::longValue)
                .filter(gap -> gap >= minGap.toNanos()).sum();
    }

    // The gaps from fromNanos to the first ack after it, and between consecutive acks up to toNanos.
    private static List<Long> gapsBetween(List<Ack> acks, long fromNanos, long toNanos) {
        List<Long> times = new ArrayList<>();
        times.add(fromNanos);
        acks.stream().mapToLong(Ack::ackNanos).filter(t -> t > fromNanos && t <= toNanos).sorted().forEach(times::add);
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < times.size(); i++) {
            gaps.add(times.get(i) - times.get(i - 1));
        }
        return gaps;
    }

    /** Stops the writers, waiting for each to finish its current write. */
    public void stop() {
        running = false;
        for (Thread writer : writers) {
            try {
                writer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Checks the log against what {@code finalPrimary} holds (see {@link #verdict(List, Set, int)}).
     *
     * @param promotions how many promotions the timeline history recorded while the workload ran
     */
    public Verdict verdict(String finalPrimary, int promotions) throws SQLException {
        try (Connection c = connect(ports.get(finalPrimary))) {
            return verdict(acks, idsIn(c, "pgpacer_workload"), promotions);
        }
    }

    /** The ids in {@code table}'s {@code id} column. */
    public static Set<Long> idsIn(Connection connection, String table) throws SQLException {
        Set<Long> present = new HashSet<>();
        try (Statement s = connection.createStatement(); ResultSet rows = s.executeQuery("SELECT id FROM " + table)) {
            while (rows.next()) {
                present.add(rows.getLong(1));
            }
        }
        return present;
    }

    /**
     * Checks acknowledged writes against the ids the final primary holds. A client that sticks to a node until
     * it fails, or a writer per node, sees the acknowledging node change in time order only when another node
     * was promoted: a change of node that no promotion accounts for means two nodes accepted writes during
     * overlapping periods.
     *
     * @param present the ids the final primary holds
     * @param promotions how many promotions the timeline history recorded while the acks were collected
     */
    public static Verdict verdict(List<Ack> acks, Set<Long> present, int promotions) {
        List<Ack> all = new ArrayList<>(acks);
        all.sort(Comparator.comparingLong(Ack::ackNanos));
        List<Long> lost = all.stream().map(Ack::id).filter(id -> !present.contains(id)).toList();
        List<String> handovers = new ArrayList<>();
        long gap = 0;
        for (int i = 1; i < all.size(); i++) {
            Ack previous = all.get(i - 1);
            Ack current = all.get(i);
            if (!previous.node().equals(current.node())) {
                handovers.add(previous.node() + "->" + current.node());
            }
            gap = Math.max(gap, current.ackNanos() - previous.ackNanos());
        }
        List<String> overlaps = handovers.size() <= promotions ? List.of()
                : List.of(handovers.size() + " handovers " + handovers + " but only " + promotions + " promotions");
        return new Verdict(all.size(), lost, overlaps, Duration.ofNanos(gap));
    }

    private static Connection connect(int port) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                + "/postgres?user=postgres&connectTimeout=1&socketTimeout=2&loginTimeout=2&ApplicationName=workload");
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

    @Override
    public void close() {
        stop();
    }
}
