package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.KeepClusterOnFailure;
import io.pgpacer.testkit.Workload;
import io.pgpacer.testkit.lab.Cut;
import io.pgpacer.testkit.lab.LabCluster;
import io.pgpacer.testkit.lab.LabScenario;
import io.pgpacer.testkit.lab.VipWorkload;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * The commit guard (pgpacer_guard) in the network-namespace lab: 3 data hosts and a client host, asynchronous
 * replication, default timings (lease 3 s) and {@code commit-guard: auto}. A client in the client host writes
 * through the writer VIP; another writes at every data node's own address, one connection per node; in the
 * isolation case a third runs inside the primary's host and writes to its PostgreSQL over loopback. Each logs
 * every acknowledged write with the node whose PostgreSQL acknowledged it ({@code cluster_name}) and the
 * machine's monotonic time, and every commit the guard refused.
 *
 * <p>Given the guard active on the primary (preloaded, a lease granted), when the primary's host freezes (six
 * times in a row, ROUNDS in bench/soak, on whichever node is primary, each thawed as soon as the new primary took a
 * write), when the primary's agent alone is stopped for longer than its lease while its PostgreSQL runs on, and
 * when the primary's host is cut off by iptables DROP with the writer inside it, then the old primary acknowledges no
 * write after the new primary's promotion, no two nodes take writes at overlapping times, and the old primary
 * rejoins as a standby; with the agent stopped, its running PostgreSQL refuses the direct writer's commits. Each
 * failover starts from a converged cluster: every standby replays the primary's WAL on its timeline, checked in
 * PostgreSQL itself. Each case prints one line of figures before it asserts; lost writes are printed, not
 * asserted (asynchronous replication loses what the old primary acknowledged just before the fault).
 *
 * <p>The promotion instant is taken conservatively, as the earlier of (a) the first write the new primary's
 * PostgreSQL acknowledged after the fault, to any of the writers: the promotion came before it, by no more than
 * the writers' 10 ms pace, since the writer at that node's address keeps its connection through a standby's
 * refusals; and (b) the moment the fault was complete plus the lease time: the old primary's last renewal was
 * sent before that moment, and its guard's deadline ends a fence margin and a quarter (937 ms) before that
 * renewal's lease could expire, so no commit of the old primary may be acknowledged after (b) whenever the
 * promotion happened. A write the old primary acknowledged after the earlier of the two counts as acknowledged
 * after the promotion.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(KeepClusterOnFailure.class)
class CommitGuardLabTest {
    private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
    private static final Duration CONVERGE = LabScenario.CONVERGE;
    /** The lab's lease time: the default {@code timings.lease-time}. */
    private static final Duration LEASE = Duration.ofSeconds(3);
    /** Freezes in a row: the 10 in the build; bench/soak [ROUNDS] runs ROUNDS. */
    private static final int FREEZES = Integer.getInteger("pgpacer.guard.freezes", 6);
    private static final String GUARD_LIBRARY = "pgpacer_guard";
    /** How long the new primary takes writes while the isolated old primary stays cut off: VIP acks. */
    private static final int ACKS_WHILE_CUT_OFF = 50;
    /** How many commits the old primary's PostgreSQL must refuse after the promotion while its agent is stopped. */
    private static final int REFUSALS_WHILE_SUSPENDED = 10;

    private LabCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        // No extra YAML: asynchronous replication and commit-guard: auto are the defaults.
        cluster = LabCluster.start("guard", 3, false, "");
        cluster.awaitHealthy(BOOTSTRAP);
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void frozenPrimaryHostsAcknowledgeNoWriteAfterThePromotion() throws Exception {
        Writers writers = Writers.start(cluster, "guard_freeze", null);
        List<Failover> failovers = new ArrayList<>();
        try {
            for (int i = 0; i < FREEZES; i++) {
                String old = awaitWritingPrimary(writers, failovers);
                failovers.add(failOver(writers, old, () -> cluster.freeze(old), () -> cluster.thaw(old),
                        (promoted, promotedAt) -> true));
            }
        } finally {
            writers.stop();
        }
        // why: the freezes are also the fault test of the guarded lease (core.cib.Lease): with the guard granted, the
        // controller expires a frozen primary's lease a fence margin before the lease time, and the checks of report
        // hold for failovers that came that much sooner.
        List<String> expiries = cluster.dataNodes().stream().flatMap(node -> events(node, Instant.EPOCH,
                "expire lease of").stream()).toList();
        System.out.println("lease expiries (those still in the controllers' event feeds): " + expiries);
        report("host freeze", writers, failovers, List.of(
                () -> assertFalse(expiries.isEmpty(), "no lease expiry in any node's events"),
                () -> assertEquals(List.of(), expiries.stream().filter(e -> !e.contains("commit guard refuses commits"
                        + " by then")).toList(), "the frozen primaries' guard held their leases: every expiry is a"
                        + " guarded one")));
    }

    @Test
    @Order(2)
    void aPrimaryWhoseAgentAloneStopsAcknowledgesNoWriteAfterItsLease() throws Exception {
        Writers writers = Writers.start(cluster, "guard_agent_stop", null);
        List<Failover> failovers = new ArrayList<>();
        try {
            String old = awaitWritingPrimary(writers, failovers);
            String oldTarget = target(old);
            // Held until the old primary's PostgreSQL, still running, answered the direct writer after the promotion
            // often enough: refused (the guard at work) or acknowledged (a stale primary, which the report fails).
            failovers.add(failOver(writers, old, () -> cluster.suspendAgent(old), () -> cluster.resumeAgent(old),
                    (promoted, promotedAt) -> writers.refusalsAt(oldTarget, promotedAt, Long.MAX_VALUE)
                            + writers.direct().acks().stream().filter(a -> a.node().equals(old)
                            && a.ackNanos() > promotedAt).count() >= REFUSALS_WHILE_SUSPENDED));
        } finally {
            writers.stop();
        }
        Failover f = failovers.get(0);
        long refusedAfterPromotion = writers.refusalsAt(target(f.old()), f.promotedAt(), Long.MAX_VALUE);
        report("agent stop", writers, failovers, List.of(() -> assertTrue(
                refusedAfterPromotion >= REFUSALS_WHILE_SUSPENDED, f.old() + "'s running PostgreSQL should have refused"
                        + " commits after the promotion; it refused " + refusedAfterPromotion)));
    }

    @Test
    @Order(3)
    void anIsolatedPrimaryAcknowledgesNoWriteInsideItsPartitionAfterThePromotionAndRejoins() throws Exception {
        String old = ClusterHarness.primary(cluster.awaitHealthy(CONVERGE));
        Writers writers = Writers.start(cluster, "guard_isolate", old);
        List<Failover> failovers = new ArrayList<>();
        try {
            assertEquals(old, awaitWritingPrimary(writers, failovers), "the primary the inside writer was started for");
            Eventually.await("writes acknowledged by " + old + " to the writer inside its host", CONVERGE,
                    () -> writers.inside().acks().stream().filter(a -> a.node().equals(old)).count() >= 10);
            // Held until the new primary took many writes, while the writer inside the old primary's side keeps trying.
            failovers.add(failOver(writers, old, () -> cluster.isolate(old, Cut.DROP), () -> cluster.heal(old),
                    (promoted, promotedAt) -> writers.viaVip().acks().stream().filter(a -> a.node().equals(promoted)
                            && a.ackNanos() > promotedAt).count() >= ACKS_WHILE_CUT_OFF));
        } finally {
            writers.stop();
        }
        report("isolation (DROP)", writers, failovers, List.of());
    }

    /**
     * One fault on the primary: when it was injected and complete, the node promoted, the conservative promotion
     * instant (see the class comment), when the fault was undone and when the old primary was streaming again.
     */
    private record Failover(String old, String promoted, long faultAt, long faultCompleteAt, long firstAckByNew,
            long promotedAt, long undoneAt, long rejoinedAt) {

        String summary() {
            return String.format("%s -> %s (first write on %s %d ms after the fault, undone after %d ms, %s back as a"
                    + " standby %d ms after that)", old, promoted, promoted, millis(faultAt, firstAckByNew),
                    millis(faultAt, undoneAt), old, millis(undoneAt, rejoinedAt));
        }
    }

    /**
     * Injects {@code fault} on {@code old}, waits for another node's promotion and its first acknowledged write,
     * then until {@code hold} is reached, undoes the fault and waits until {@code old} streams from the new primary
     * and the writer through the VIP reached it.
     */
    private Failover failOver(Writers writers, String old, Runnable fault, Runnable undo, Hold hold) {
        Instant faultWallClock = Instant.now();
        long faultAt = System.nanoTime();
        long faultCompleteAt;
        String promoted;
        long firstAck;
        long promotedAt;
        try {
            fault.run();
            faultCompleteAt = System.nanoTime();
            // The first write another node acknowledged: the promotion is over, so the fault can be undone at once.
            Workload.Ack first = Eventually.await("a write acknowledged by a node other than " + old + " after the"
                    + " fault", CONVERGE, () -> writers.firstAckByOtherThan(old, faultCompleteAt), a -> a != null);
            promoted = first.node();
            firstAck = first.ackNanos();
            promotedAt = Math.min(firstAck, faultCompleteAt + LEASE.toNanos());
            String p = promoted;
            long at = promotedAt;
            Eventually.await("the fault on " + old + " held long enough", CONVERGE, () -> hold.reached(p, at));
        } finally {
            undo.run();
        }
        long undoneAt = System.nanoTime();
        String primary = promoted;
        awaitRejoined(old, primary);
        Eventually.await("writes acknowledged by " + primary + " through the VIP", CONVERGE,
                () -> writers.viaVip().firstAckBy(primary, faultAt) > 0);
        Failover failover = new Failover(old, primary, faultAt, faultCompleteAt, firstAck, promotedAt, undoneAt,
                System.nanoTime());
        System.out.println("commit guard failover: " + failover.summary() + "; " + old + "'s events: "
                + events(old, faultWallClock, "fenc", "rejoin", "rewind", "fail", "could not", "diverged") + "; "
                + primary + "'s: " + events(primary, faultWallClock, "fenc", "fail", "could not", "guard", "lease"));
        return failover;
    }

    /** {@code node}'s events since {@code since} that mention one of {@code words}, for the printed figures. */
    private List<String> events(String node, Instant since, String... words) {
        List<String> texts = new ArrayList<>();
        cluster.apiOf(node).call("GET", "/events").forEach(e -> {
            String text = e.path("text").asText();
            if (Instant.parse(e.path("at").asText()).isAfter(since) && Stream.of(words).anyMatch(text::contains)) {
                texts.add(e.path("at").asText().substring(11, 23) + " " + text);
            }
        });
        return texts;
    }

    /** When a fault has been held long enough, given the promoted node and the promotion instant. */
    private interface Hold {
        boolean reached(String promoted, long promotedAt);
    }

    /**
     * Waits until the cluster is healthy with the VIP on its primary, which took writes through the VIP and at its
     * own address since the last failover, and the guard is active there; returns that primary.
     */
    private String awaitWritingPrimary(Writers writers, List<Failover> failovers) throws SQLException {
        String primary = ClusterHarness.primary(cluster.awaitHealthy(CONVERGE));
        cluster.awaitVipOn(primary);
        long since = failovers.isEmpty() ? 0 : failovers.get(failovers.size() - 1).rejoinedAt();
        Eventually.await("writes acknowledged by " + primary + " through the VIP and at its own address", CONVERGE,
                () -> writers.viaVip().acks().stream().filter(a -> a.node().equals(primary) && a.ackNanos() > since)
                        .count() >= 10 && writers.direct().acks().stream()
                        .filter(a -> a.node().equals(primary) && a.ackNanos() > since).count() >= 10);
        assertGuardActive(primary);
        return primary;
    }

    /**
     * Waits until every other data node replays {@code primary}'s WAL: on its timeline, past the position it had
     * when the wait began. The status alone is not enough: a standby that replayed past the new primary's fork
     * point retries every few seconds, and its WAL receiver shows "streaming" for a moment each time.
     */
    /**
     * Waits until every standby, {@code old} included, replays {@code primary}'s timeline. A standby that cannot
     * rejoin is a known defect outside the guard (issue 17.4). A standby that replayed past the new primary's fork is
     * now stopped before it follows it, reported and rewound (StandbyPastForkTest), but PostgreSQL 15's pg_rewind
     * takes the target's timeline from its last restartpoint: a standby that crossed a timeline switch (4 -> 5) and
     * made no restartpoint on the new timeline before the next fork (5 -> 6) is rewound as if on timeline 4 and fails
     * ("servers diverged at WAL location <the 4 -> 5 switch point> on timeline 4", then "could not find previous WAL
     * record at" that point). Seen in 1 run of 10 freezes. It is rebuilt as an operator would ('pgpacer rebuild NODE')
     * and said loudly in the output, so that the guard's assertions still run over every freeze; it changes none.
     */
    private void awaitRejoined(String old, String primary) {
        try {
            cluster.awaitStatus(old + " back as a standby of " + primary, CONVERGE,
                    st -> ClusterHarness.healthy(st) && primary.equals(ClusterHarness.primary(st)));
            awaitReplaying(primary);
        } catch (AssertionError stuck) {
            for (String standby : cluster.dataNodes()) {
                if (!standby.equals(primary) && !replayState(standby, walPosition(primary)).caughtUp()) {
                    System.out.println("KNOWN DEFECT (issue 17): " + standby + " did not rejoin " + primary + " ("
                            + ClusterHarness.node(cluster.api().status(), standby).lastError() + "); rebuilding it");
                    cluster.api().rebuild(standby, true);
                }
            }
            cluster.awaitStatus(old + " back as a standby of " + primary + " after the rebuild", CONVERGE,
                    st -> ClusterHarness.healthy(st) && primary.equals(ClusterHarness.primary(st)));
            awaitReplaying(primary);
        }
    }

    private void awaitReplaying(String primary) {
        WalPosition at = walPosition(primary);
        for (String standby : cluster.dataNodes()) {
            if (standby.equals(primary)) {
                continue;
            }
            Eventually.await(standby + " replaying " + primary + "'s WAL on timeline " + at.timeline() + " past "
                    + at.lsn(), CONVERGE, () -> replayState(standby, at), ReplayState::caughtUp);
        }
    }

    /** Where a primary's WAL is, or why it could not be read ({@code error}, else null). */
    private record WalPosition(long timeline, String lsn, String error) {
    }

    /** What a standby replays: the timeline its WAL receiver streams (0: none), whether it replayed past a point. */
    private record ReplayState(long receivedTimeline, boolean replayedPast, String replayed, long wantedTimeline) {
        boolean caughtUp() {
            return receivedTimeline == wantedTimeline && replayedPast;
        }
    }

    // why polled: on a loaded machine the primary may be fenced and restarted for a moment while it is asked.
    private WalPosition walPosition(String primary) {
        return Eventually.await(primary + " answering its WAL position", CONVERGE, () -> lookAtWalPosition(primary),
                position -> position.error() == null);
    }

    private WalPosition lookAtWalPosition(String primary) {
        try (Connection c = cluster.connect(primary); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT pg_current_wal_lsn(), pg_walfile_name(pg_current_wal_lsn())")) {
            r.next();
            // The first 8 hex digits of a WAL file's name are its timeline.
            return new WalPosition(Long.parseLong(r.getString(2).substring(0, 8), 16), r.getString(1), null);
        } catch (SQLException e) {
            return new WalPosition(0, null, "cannot read " + primary + "'s WAL position: " + e.getMessage());
        }
    }

    // why not failing on an error: a standby may be restarting (rewound) while it is asked.
    private ReplayState replayState(String standby, WalPosition at) {
        try (Connection c = cluster.connect(standby); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT (SELECT received_tli FROM pg_stat_wal_receiver WHERE status ="
                        + " 'streaming'), pg_last_wal_replay_lsn() >= '" + at.lsn() + "'::pg_lsn,"
                        + " pg_last_wal_replay_lsn()")) {
            r.next();
            return new ReplayState(r.getLong(1), r.getBoolean(2), r.getString(3), at.timeline());
        } catch (SQLException e) {
            return new ReplayState(0, false, e.getMessage(), at.timeline());
        }
    }

    /** Fails unless pgpacer_guard is preloaded on {@code node} and holds a lease granted by its agent. */
    private void assertGuardActive(String node) throws SQLException {
        try (Connection c = cluster.connect(node); Statement s = c.createStatement()) {
            List<String> preloaded;
            try (ResultSet r = s.executeQuery("SHOW shared_preload_libraries")) {
                r.next();
                preloaded = Arrays.stream(r.getString(1).split(",")).map(l -> l.strip().replace("\"", "")).toList();
            }
            try (ResultSet r = s.executeQuery("SELECT epoch, remaining_ms FROM pgpacer.state()")) {
                r.next();
                long epoch = r.getLong(1);
                long remaining = r.getLong(2);
                assertTrue(preloaded.contains(GUARD_LIBRARY) && epoch >= 1 && remaining > 0, "the commit guard should"
                        + " be active on the primary " + node + ": shared_preload_libraries " + preloaded
                        + ", lease generation " + epoch + ", " + remaining + " ms left");
            }
        }
    }

    /**
     * Prints the case's figures, then asserts: nothing acknowledged by an old primary after the promotion, no two
     * nodes taking writes at overlapping times, and the {@code more} checks. Lost writes are printed only:
     * asynchronous replication may lose what the old primary acknowledged just before the fault.
     */
    private void report(String name, Writers writers, List<Failover> failovers, List<Executable> more)
            throws SQLException {
        String finalPrimary = failovers.get(failovers.size() - 1).promoted();
        List<String> late = new ArrayList<>();
        long refusedByOld = 0;
        long longestVipGap = 0;
        for (int i = 0; i < failovers.size(); i++) {
            Failover f = failovers.get(i);
            long until = i + 1 < failovers.size() ? failovers.get(i + 1).faultAt() : Long.MAX_VALUE;
            for (Workload.Ack a : writers.acks()) {
                if (a.node().equals(f.old()) && a.ackNanos() > f.promotedAt() && a.ackNanos() < until) {
                    late.add(String.format("%s acknowledged id %d %d ms after %s's promotion", f.old(), a.id(),
                            millis(f.promotedAt(), a.ackNanos()), f.promoted()));
                }
            }
            refusedByOld += writers.refusalsAt(target(f.old()), f.faultAt(), until);
            longestVipGap = Math.max(longestVipGap, writers.viaVip().longestGapBetween(f.faultAt(), f.rejoinedAt()));
        }
        List<String> otherRefusals = writers.refusalsOutside(failovers, this::target);
        long refusedDirect = writers.directRefusals();
        int promotions = cluster.promotions() - writers.promotionsBefore();
        List<Workload.Verdict> verdicts = new ArrayList<>();
        for (VipWorkload writer : writers.all()) {
            try (Connection c = cluster.connect(finalPrimary)) {
                verdicts.add(writer.verdict(c, promotions));
            }
        }
        int lost = verdicts.stream().mapToInt(v -> v.lost().size()).sum();
        List<String> overlaps = verdicts.stream().flatMap(v -> v.overlaps().stream()).toList();
        System.out.printf("commit guard lab, %s: %d failovers (%d promotions recorded), %d writes acknowledged by the"
                + " old primary after the promotion, %d commits refused by the guard at the direct writers (%d by old"
                + " primaries after the fault) and %d through the VIP, %d acknowledged writes lost (async), %d"
                + " overlapping primaries, longest gap through the VIP %d ms; through the VIP: %s; at the nodes'"
                + " addresses: %s%s; refusals not by an old primary after its fault: %s%n", name, failovers.size(),
                promotions, late.size(), refusedDirect, refusedByOld, writers.viaVip().refusals().size(), lost,
                overlaps.size(), longestVipGap / 1_000_000, verdicts.get(0), verdicts.get(1),
                verdicts.size() > 2 ? "; inside the old primary's host: " + verdicts.get(2) : "", otherRefusals);
        List<Executable> checks = new ArrayList<>();
        checks.add(() -> assertEquals(List.of(), late, "no write may be acknowledged by an old primary after the"
                + " promotion"));
        checks.add(() -> assertEquals(List.of(), overlaps, "no two nodes may take writes at overlapping times"));
        checks.addAll(more);
        assertAll(name, checks);
    }

    /** The address at which the writers reach {@code node}'s PostgreSQL from the client host. */
    private String target(String node) {
        return cluster.host(node).address() + ":" + LabCluster.PG_PORT;
    }

    private static long millis(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1_000_000;
    }

    /**
     * The case's clients: through the VIP, at every node's own address, and optionally inside one node's host at
     * its PostgreSQL over loopback (whose refusals count as that node's).
     */
    private record Writers(VipWorkload viaVip, VipWorkload direct, VipWorkload inside, String insideTarget,
            int promotionsBefore) {

        static Writers start(LabCluster cluster, String table, String insideNode) {
            int promotions = cluster.promotions();
            VipWorkload viaVip = cluster.startWriter(table);
            VipWorkload direct = cluster.startNodeWriters(table + "_nodes");
            if (insideNode == null) {
                return new Writers(viaVip, direct, null, null, promotions);
            }
            return new Writers(viaVip, direct, cluster.startWriterIn(insideNode, table + "_inside"),
                    cluster.host(insideNode).address() + ":" + LabCluster.PG_PORT, promotions);
        }

        List<VipWorkload> all() {
            return Stream.of(viaVip, direct, inside).filter(w -> w != null).toList();
        }

        List<Workload.Ack> acks() {
            return all().stream().flatMap(w -> w.acks().stream()).toList();
        }

        /** The first write a node other than {@code node} acknowledged after {@code afterNanos}, or null. */
        Workload.Ack firstAckByOtherThan(String node, long afterNanos) {
            return acks().stream().filter(a -> !a.node().equals(node) && a.ackNanos() > afterNanos)
                    .min(Comparator.comparingLong(Workload.Ack::ackNanos)).orElse(null);
        }

        /** The guard's refusals at the writers that go to a node's own address. */
        long directRefusals() {
            return direct.refusals().size() + (inside == null ? 0 : inside.refusals().size());
        }

        /**
         * The direct writers' refusals that were not at an old primary between its fault and the next one, as runs
         * of the same target after the same fault: the target, how many, and when after the fault.
         */
        List<String> refusalsOutside(List<Failover> failovers, java.util.function.Function<String, String> targetOf) {
            List<VipWorkload.Refusal> all = new ArrayList<>(direct.refusals());
            if (inside != null) {
                inside.refusals().forEach(r -> all.add(new VipWorkload.Refusal(r.id(), insideTarget, r.nanos())));
            }
            all.sort(Comparator.comparingLong(VipWorkload.Refusal::nanos));
            Map<String, List<Long>> runs = new LinkedHashMap<>();
            for (VipWorkload.Refusal r : all) {
                Failover latest = null;
                for (Failover f : failovers) {
                    if (f.faultAt() < r.nanos()) {
                        latest = f;
                    }
                }
                if (latest == null) {
                    runs.computeIfAbsent(r.target() + " before the first fault", k -> new ArrayList<>()).add(0L);
                } else if (!r.target().equals(targetOf.apply(latest.old()))) {
                    runs.computeIfAbsent(r.target() + " after the fault on " + latest.old(), k -> new ArrayList<>())
                            .add(millis(latest.faultAt(), r.nanos()));
                }
            }
            List<String> outside = new ArrayList<>();
            runs.forEach((where, times) -> outside.add(times.size() + " at " + where + " (" + times.get(0) + " to "
                    + times.get(times.size() - 1) + " ms after it)"));
            return outside;
        }

        /** The guard's refusals at {@code target} ({@code HOST:PORT} from the client host) in the period. */
        long refusalsAt(String target, long fromNanos, long toNanos) {
            long count = direct.refusals().stream()
                    .filter(r -> r.target().equals(target) && r.nanos() > fromNanos && r.nanos() < toNanos).count();
            if (inside != null && target.equals(insideTarget)) {
                count += inside.refusals().stream().filter(r -> r.nanos() > fromNanos && r.nanos() < toNanos).count();
            }
            return count;
        }

        void stop() {
            all().forEach(VipWorkload::stop);
        }
    }
}
