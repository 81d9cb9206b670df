package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.KeepClusterOnFailure;
import io.pgpacer.testkit.Workload;
import io.pgpacer.testkit.lab.LabCluster;
import io.pgpacer.testkit.lab.VipWatch;
import io.pgpacer.testkit.lab.VipWorkload;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Failsafe (brief F8, last sentence) in the network-namespace lab: 3 data hosts with {@code failsafe: true} and
 * default timings (lease 3 s). The Raft port is blocked on every host, so the store has no majority anywhere
 * while every PostgreSQL and every agent's API still work. Given a healthy cluster under a write workload
 * through the writer VIP, when the store is cut off everywhere, then the primary keeps taking writes for far
 * longer than the lease time, nobody is promoted and the VIP stays on it; after healing, the same primary is
 * healthy and no two nodes took writes at overlapping times. When, besides, one standby's API cannot be reached,
 * then not every member confirms and the primary fences within the lease time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(KeepClusterOnFailure.class)
class FailsafeLabTest {
    private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final int RAFT_PORT = 7400;
    private static final long LEASE_MILLIS = 3_000;
    /** How long the primary must keep serving without the store: four lease times. */
    private static final Duration OUTAGE = Duration.ofSeconds(12);

    private LabCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = LabCluster.start("failsafe", 3, false, "failsafe: true\n");
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void withTheStoreCutOffEverywhereThePrimaryKeepsServingAndNobodyIsPromoted() throws Exception {
        String primary = ClusterHarness.primary(cluster.awaitHealthy(BOOTSTRAP));
        awaitVipOn(primary);
        long pidBefore = cluster.postmasterPid(primary);
        int promotions = cluster.promotions();
        try (VipWorkload viaVip = cluster.startWriter("failsafe_vip");
                VipWorkload direct = cluster.startNodeWriters("failsafe_direct");
                VipWatch watch = cluster.watchVip()) {
            Eventually.await("20 writes acknowledged by " + primary, CONVERGE,
                    () -> viaVip.acks().stream().filter(a -> a.node().equals(primary)).count() >= 20);
            long blockedAt = System.nanoTime();
            long healedAt;
            try {
                blockRaftEverywhere(primary);
                Eventually.await("the store without a majority, as " + primary + " sees it", Duration.ofSeconds(15),
                        () -> !cluster.apiOf(primary).status().quorum());
                Eventually.await("a write acknowledged by " + primary + " " + OUTAGE.toSeconds()
                        + " s after the Raft port was blocked", OUTAGE.plusSeconds(20),
                        () -> viaVip.firstAckBy(primary, blockedAt + OUTAGE.toNanos()) > 0);
            } finally {
                healEverywhere();
                healedAt = System.nanoTime();
            }
            long servedMillis = (viaVip.acks().stream().filter(a -> a.node().equals(primary))
                    .mapToLong(Workload.Ack::ackNanos).filter(t -> t < healedAt).max().orElse(blockedAt) - blockedAt)
                    / 1_000_000;
            long gapMillis = viaVip.longestGapBetween(blockedAt, healedAt) / 1_000_000;
            List<String> events = events(primary, java.time.Instant.EPOCH);
            List<String> holdersDuringOutage = watch.changes().stream()
                    .filter(c -> c.atNanos() >= blockedAt && c.atNanos() <= healedAt)
                    .flatMap(c -> c.holders().stream()).distinct().toList();
            String healthy = cluster.awaitWritablePrimary(CONVERGE);
            Eventually.await("writes through the VIP on " + healthy + " after healing", CONVERGE,
                    () -> viaVip.firstAckBy(healthy, healedAt) > 0);
            long pidAfter = cluster.postmasterPid(healthy);
            int promoted = cluster.promotions() - promotions;
            Workload.Verdict vipVerdict;
            Workload.Verdict directVerdict;
            try (Connection c = cluster.connect(healthy)) {
                vipVerdict = viaVip.verdict(c, promoted);
            }
            try (Connection c = cluster.connect(healthy)) {
                directVerdict = direct.verdict(c, promoted);
            }
            System.out.printf("failsafe, Raft port blocked on every host for %d ms: %s took writes through the VIP"
                    + " for %d ms of it (longest write gap %d ms); VIP holders during the outage %s; promotions %d;"
                    + " after healing primary %s, PostgreSQL %s (pid %d -> %d); via VIP: %s; direct: %s%n",
                    (healedAt - blockedAt) / 1_000_000, primary, servedMillis, gapMillis, holdersDuringOutage,
                    promoted, healthy, pidBefore == pidAfter ? "not restarted" : "RESTARTED", pidBefore, pidAfter,
                    vipVerdict, directVerdict);
            System.out.println("failsafe events on " + primary + ": " + events);
            assertAll("failsafe with the store cut off everywhere",
                    () -> assertTrue(servedMillis >= OUTAGE.toMillis(), primary + " took writes for only "
                            + servedMillis + " ms of the outage"),
                    () -> assertTrue(gapMillis < LEASE_MILLIS, "writes stopped for " + gapMillis + " ms during the"
                            + " outage: the primary fenced"),
                    () -> assertEquals(0, promoted, "no promotion may happen while failsafe keeps the primary"),
                    () -> assertEquals(primary, healthy, "the primary stays the primary"),
                    () -> assertTrue(holdersDuringOutage.stream().allMatch(primary::equals),
                            "the VIP stayed on " + primary + " alone: " + holdersDuringOutage),
                    () -> assertEquals(List.of(), watch.overlaps(), "the VIP was on two hosts at once"),
                    () -> assertEquals(List.of(), vipVerdict.overlaps(), "S1 through the VIP"),
                    () -> assertEquals(List.of(), directVerdict.overlaps(), "S1: no two nodes took writes at once"),
                    () -> assertEquals(List.of(), vipVerdict.lost(), "no failover, so nothing may be lost"),
                    () -> assertTrue(events.stream().anyMatch(e -> e.contains("every other member confirmed")),
                            "the primary says it kept its lease by failsafe: " + events),
                    () -> assertEquals(pidBefore, pidAfter, "the primary was restarted after the store came back"));
        }
    }

    @Test
    @Order(2)
    void whenOneMemberCannotBeAskedThePrimaryFencesWithinTheLeaseTime() throws Exception {
        String primary = ClusterHarness.primary(cluster.awaitHealthy(CONVERGE));
        awaitVipOn(primary);
        String unreachable = cluster.dataNodes().stream().filter(n -> !n.equals(primary)).findFirst().orElseThrow();
        int promotions = cluster.promotions();
        try (VipWorkload viaVip = cluster.startWriter("failsafe_fence");
                VipWorkload direct = cluster.startNodeWriters("failsafe_fence_direct")) {
            Eventually.await("20 writes acknowledged by " + primary, CONVERGE,
                    () -> viaVip.acks().stream().filter(a -> a.node().equals(primary)).count() >= 20);
            long blockedAt;
            long fencedAt;
            List<String> events;
            java.time.Instant blockedWall = java.time.Instant.now();
            try {
                cluster.host(unreachable).blockPort(LabCluster.API_PORT);
                blockedAt = System.nanoTime();
                blockRaftEverywhere(primary);
                Eventually.await("the writer VIP gone from " + primary + " (fenced)", Duration.ofSeconds(15),
                        () -> cluster.vipHolders().isEmpty());
                fencedAt = System.nanoTime();
                // why: the events of the first test stay in the feed; only this test's count here.
                events = Eventually.await(primary + " saying which member did not confirm", Duration.ofSeconds(10),
                        () -> events(primary, blockedWall),
                        list -> list.stream().anyMatch(e -> e.contains("not every member confirmed")));
            } finally {
                healEverywhere();
            }
            long lastAckMillis = (viaVip.acks().stream().mapToLong(Workload.Ack::ackNanos).filter(t -> t < fencedAt)
                    .max().orElse(blockedAt) - blockedAt) / 1_000_000;
            long directLastMillis = (direct.acks().stream().mapToLong(Workload.Ack::ackNanos)
                    .filter(t -> t < fencedAt).max().orElse(blockedAt) - blockedAt) / 1_000_000;
            String healthy = cluster.awaitWritablePrimary(CONVERGE);
            // why: the primary fenced, so once the store is back its lease has run out and the controller may
            // legitimately promote a standby; each such promotion accounts for one change of writer.
            int promoted = cluster.promotions() - promotions;
            Workload.Verdict verdict;
            try (Connection c = cluster.connect(healthy)) {
                verdict = direct.verdict(c, promoted);
            }
            System.out.printf("failsafe with %s's API unreachable: %s's last write %d ms (VIP) / %d ms (direct)"
                    + " after the Raft port was blocked, VIP gone after %d ms; after healing primary %s (promotions %d);"
                    + " direct: %s%n", unreachable, primary, lastAckMillis, directLastMillis,
                    (fencedAt - blockedAt) / 1_000_000, healthy, promoted, verdict);
            System.out.println("failsafe events on " + primary + ": " + events);
            assertAll("failsafe with one member unreachable",
                    () -> assertTrue(lastAckMillis < LEASE_MILLIS, "writes through the VIP went on for "
                            + lastAckMillis + " ms, past the lease time"),
                    () -> assertTrue(directLastMillis < LEASE_MILLIS, "writes to " + primary + " went on for "
                            + directLastMillis + " ms, past the lease time"),
                    () -> assertTrue(events.stream().anyMatch(e -> e.contains("not every member confirmed")
                            && e.contains(unreachable)), "the primary names the member that did not confirm: "
                            + events),
                    () -> assertFalse(events.stream().anyMatch(e -> e.contains("every other member confirmed")),
                            "no failsafe extension without every member: " + events),
                    () -> assertEquals(List.of(), verdict.overlaps(), "S1: no two nodes took writes at once"));
        }
    }

    // The primary's port last: the rules go in host by host, and a member asked for failsafe while it and another
    // still reached each other would rightly answer that it reaches the store. Blocking the others first cuts
    // their majority before the primary's first renewal can fail, so every ping meets a member already cut off.
    private void blockRaftEverywhere(String primary) {
        for (String node : cluster.nodes()) {
            if (!node.equals(primary)) {
                cluster.host(node).blockPort(RAFT_PORT);
            }
        }
        cluster.host(primary).blockPort(RAFT_PORT);
    }

    private void healEverywhere() {
        for (String node : cluster.nodes()) {
            cluster.host(node).heal();
        }
    }

    // The lease keeper's and the failsafe answers' events of this test's run, read from the node itself.
    private List<String> events(String node, java.time.Instant since) {
        JsonNode all = cluster.apiOf(node).call("GET", "/events");
        List<String> texts = new java.util.ArrayList<>();
        all.forEach(e -> {
            if (!java.time.Instant.parse(e.path("at").asText()).isBefore(since)) {
                texts.add(e.path("source").asText() + ": " + e.path("text").asText());
            }
        });
        return texts.stream().filter(t -> t.contains("failsafe")).toList();
    }

    private void awaitVipOn(String node) {
        Eventually.await("the writer VIP on " + node + " alone", Duration.ofSeconds(20), cluster::vipHolders,
                holders -> holders.equals(List.of(node)));
    }
}
