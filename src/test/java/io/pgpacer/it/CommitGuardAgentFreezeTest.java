package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.store.CibJson;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Signals;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Given a 3-node async cluster of real agents whose PostgreSQL runs pgpacer_guard, and a client that writes
 * straight to the primary's own PostgreSQL address (not through any VIP), when the primary's agent alone is
 * SIGSTOPped (its PostgreSQL keeps running) for longer than the lease, then another node is promoted and the old
 * primary's PostgreSQL acknowledges no write after its lease could have run out, while it still runs and refuses
 * them with the guard's SQLSTATE. While renewals flow, the guard refuses nothing (no false fencing). Throughout,
 * {@code pgpacer status --full} shows the primary's guard granted under the current lease generation and the
 * standbys' not granted.
 */
class CommitGuardAgentFreezeTest {

    private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
    private static final Duration CONVERGE = Duration.ofSeconds(120);
    /** The harness's default lease time (timings.lease-time). */
    private static final Duration LEASE = Duration.ofSeconds(3);

    private ClusterHarness cluster;
    private Writer writer;
    private Writer newPrimaryWriter;
    private long frozenAgent;

    @AfterEach
    void stop() throws Exception {
        if (frozenAgent != 0) {
            Signals.send("CONT", frozenAgent);
        }
        for (Writer w : new Writer[] {writer, newPrimaryWriter}) {
            if (w != null) {
                w.stop();
            }
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aPrimaryWhoseAgentFreezesAcknowledgesNoWriteAfterItsLease() throws Exception {
        cluster = ClusterHarness.start("guard-freeze", 3, "timings: {bootstrap-wait: 20s}\n");
        String old = ClusterHarness.primary(cluster.awaitHealthy(BOOTSTRAP));
        try (Connection c = cluster.connect(old); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE guard_direct (id bigint PRIMARY KEY, node text)");
        }
        assertTrue(guardState(old).epoch() >= 1, "the agents load and grant pgpacer_guard: " + guardState(old));
        GuardLines bootstrapped = awaitGuardShown(old);
        assertEquals(bootstrapped.generation(), guardState(old).epoch(), "the epoch PostgreSQL holds, as shown");
        JsonNode json = CibJson.mapper().readTree(cluster.cli("status", "--json").out());
        JsonNode primaryGuard = java.util.stream.StreamSupport.stream(json.get("nodes").spliterator(), false)
                .filter(n -> n.get("name").asText().equals(old)).findFirst().orElseThrow().get("commitGuard");
        assertEquals("GRANTED", primaryGuard.get("state").asText(), json.toString());

        // Given renewals flowing: no commit is refused.
        writer = new Writer(cluster.pgPort(old), old, 0);
        writer.start();
        Eventually.await("300 writes acknowledged by " + old, Duration.ofSeconds(60), () -> writer.acks.size() >= 300);
        assertEquals(List.of(), writer.refusals, "the guard refused commits while renewals flowed");
        assertEquals(0, guardState(old).refusedCommits(), "refusals counted by the guard on " + old);

        // When the primary's agent alone freezes.
        frozenAgent = cluster.cluster().agent(old).pid();
        long frozenAt = System.nanoTime();
        Signals.send("STOP", frozenAgent);
        String other = cluster.cluster().nodes().stream().filter(n -> !n.equals(old)).findFirst().orElseThrow();
        ClusterStatus promoted = Eventually.await("a node other than " + old + " promoted", CONVERGE,
                () -> cluster.apiOf(other).status(), s -> {
                    String p = ClusterHarness.primary(s);
                    return p != null && !p.equals(old);
                });
        long promotionSeenAt = System.nanoTime();
        String newPrimary = ClusterHarness.primary(promoted);
        long attemptsAtPromotion = writer.attempts.get();
        Eventually.await(old + "'s PostgreSQL still answering, with refusals, after the promotion",
                Duration.ofSeconds(20), () -> writer.attempts.get() >= attemptsAtPromotion + 20
                        && writer.refusalsAfter(promotionSeenAt) > 0);

        // Then: nothing acknowledged after the lease could have run out, and the guard is what refused.
        long leaseEnd = frozenAt + LEASE.toNanos();
        List<Writer.Ack> late = writer.acks.stream().filter(a -> a.nanos >= leaseEnd).toList();
        long lastAck = writer.acks.stream().mapToLong(a -> a.nanos).max().orElse(frozenAt);
        long firstRefusal = writer.refusals.stream().mapToLong(a -> a.nanos).min().orElse(0);
        System.out.printf("agent freeze: %d writes acknowledged by %s before the freeze and after it up to %d ms;"
                + " first guard refusal %d ms after the freeze; %s promoted (seen) %d ms after the freeze;"
                + " %d refusals by %s in all, %d acknowledged after freeze + lease%n",
                writer.acks.size(), old, (lastAck - frozenAt) / 1_000_000, (firstRefusal - frozenAt) / 1_000_000,
                newPrimary, (promotionSeenAt - frozenAt) / 1_000_000, writer.refusals.size(), old, late.size());
        assertEquals(List.of(), late, old + " acknowledged writes after its lease could have run out");
        assertTrue(firstRefusal > 0 && firstRefusal < leaseEnd, "the guard refused before the lease could run out");

        // And the new primary took writes from its first moment without any refusal.
        newPrimaryWriter = new Writer(cluster.pgPort(newPrimary), newPrimary, 1_000_000_000L);
        newPrimaryWriter.start();
        Eventually.await("100 writes acknowledged by " + newPrimary, Duration.ofSeconds(60),
                () -> newPrimaryWriter.acks.size() >= 100);
        assertEquals(List.of(), newPrimaryWriter.refusals, "the guard refused commits on the new primary");
        assertEquals(0, guardState(newPrimary).refusedCommits(), "refusals counted by the guard on " + newPrimary);

        Signals.send("CONT", frozenAgent);
        frozenAgent = 0;
        writer.stop();
        newPrimaryWriter.stop();
        cluster.awaitHealthy(CONVERGE);

        // A switchover back: the old primary, restarted as a standby since, takes writes without a refusal.
        cluster.api().switchover(old, null, null);
        cluster.awaitStatus(old + " primary again after the switchover", CONVERGE,
                s -> old.equals(ClusterHarness.primary(s)) && ClusterHarness.healthy(s));
        Writer back = new Writer(cluster.pgPort(old), old, 2_000_000_000L);
        back.start();
        try {
            Eventually.await("100 writes acknowledged by " + old, Duration.ofSeconds(60), () -> back.acks.size() >= 100);
        } finally {
            back.stop();
        }
        assertEquals(List.of(), back.refusals, "the guard refused commits after the switchover");
        assertEquals(0, guardState(old).refusedCommits(), "refusals counted by the guard on " + old);
        // The lease changed hands twice since: a later generation, and the former primary restarted as a standby.
        GuardLines switchedBack = awaitGuardShown(old);
        assertTrue(switchedBack.generation() > bootstrapped.generation(), switchedBack.toString());
        System.out.printf("commit guard in status --full: bootstrap %s; after the failover and the switchover back"
                + " %s%n", bootstrapped.byNode(), switchedBack.byNode());
        // Issue 17: a frozen agent's write probe, and commits the guard refused, are fencing, never a gray failure.
        cluster.assertNoGrayFailure();
    }

    /** What {@code pgpacer status --full} printed for each node's {@code commit-guard}, and the lease it read. */
    private record GuardLines(String holder, long generation, Map<String, String> byNode, String printed) {
        @Override
        public String toString() {
            return "lease held by " + holder + " under generation " + generation + "; status --full:\n" + printed;
        }
    }

    private static final Pattern GUARD_LINE = Pattern.compile("^ {4}\\+ commit-guard +: (.*)$");

    private GuardLines guardLines() {
        JsonNode lease = cluster.api().cib().get("lease");
        ClusterHarness.CliRun full = cluster.cli("status", "--full");
        assertEquals(0, full.exitCode(), full.err());
        Map<String, String> byNode = new TreeMap<>();
        String node = null;
        String attributes = full.out().substring(full.out().indexOf("Node Attributes:"),
                full.out().indexOf("Migration Summary:"));
        for (String line : attributes.lines().toList()) {
            if (line.startsWith("* Node ")) {
                node = line.substring("* Node ".length(), line.length() - 1);
            }
            Matcher guard = GUARD_LINE.matcher(line);
            if (guard.matches()) {
                byNode.put(node, guard.group(1));
            }
        }
        return new GuardLines(lease.get("holder").asText(null), lease.get("generation").asLong(), byNode, full.out());
    }

    /** Waits until status --full shows {@code primary}'s guard granted under the lease's generation, the rest not. */
    private GuardLines awaitGuardShown(String primary) {
        return Eventually.await("status --full showing " + primary + "'s commit guard granted under the current lease"
                + " generation and every standby's not granted", CONVERGE, this::guardLines, shown -> {
                    if (!primary.equals(shown.holder()) || shown.byNode().size() != 3) {
                        return false;
                    }
                    return shown.byNode().entrySet().stream().allMatch(e -> e.getKey().equals(primary)
                            ? e.getValue().startsWith("granted epoch " + shown.generation() + " (")
                            : e.getValue().equals("not granted"));
                });
    }

    private record GuardState(long epoch, long refusedCommits) {
    }

    private GuardState guardState(String node) throws SQLException {
        try (Connection c = cluster.connect(node); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT epoch, refused_commits FROM pgpacer.state()")) {
            r.next();
            return new GuardState(r.getLong(1), r.getLong(2));
        }
    }

    /** Inserts rows into one node's PostgreSQL, reconnecting after errors, and records each outcome's time. */
    private static final class Writer {
        record Ack(long id, long nanos) {
        }

        final List<Ack> acks = new CopyOnWriteArrayList<>();
        final List<Ack> refusals = new CopyOnWriteArrayList<>();
        final AtomicLong attempts = new AtomicLong();
        private final int port;
        private final String node;
        private final long firstId;
        private final Thread thread;
        private volatile boolean running = true;

        Writer(int port, String node, long firstId) {
            this.port = port;
            this.node = node;
            this.firstId = firstId;
            this.thread = new Thread(this::run, "guard-writer-" + node);
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        long refusalsAfter(long nanos) {
            return refusals.stream().filter(r -> r.nanos >= nanos).count();
        }

        private void run() {
            long id = firstId;
            Connection connection = null;
            while (running) {
                id++;
                attempts.incrementAndGet();
                try {
                    if (connection == null) {
                        connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                                + "/postgres?user=postgres&connectTimeout=1&loginTimeout=1&socketTimeout=2");
                    }
                    try (Statement s = connection.createStatement()) {
                        s.execute("INSERT INTO guard_direct VALUES (" + id + ", '" + node + "')");
                    }
                    acks.add(new Ack(id, System.nanoTime()));
                } catch (SQLException e) {
                    if ("25006".equals(e.getSQLState()) && String.valueOf(e.getMessage()).startsWith("ERROR: pgpacer:")) {
                        refusals.add(new Ack(id, System.nanoTime()));
                    } else {
                        close(connection);
                        connection = null;
                        LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // pacing of reconnects, not a wait
                    }
                }
                LockSupport.parkNanos(Duration.ofMillis(5).toNanos()); // pacing: about 200 writes a second at most
            }
            close(connection);
        }

        private static void close(Connection connection) {
            try {
                if (connection != null) {
                    connection.close();
                }
            } catch (SQLException e) {
                // The connection is discarded either way.
            }
        }

        void stop() throws InterruptedException {
            if (!running) {
                return;
            }
            running = false;
            thread.join(10_000);
        }
    }
}
