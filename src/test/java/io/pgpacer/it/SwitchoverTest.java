package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ApiClient;
import io.pgpacer.cli.Main;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Signals;
import io.pgpacer.testkit.Workload;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Planned switchovers on 3 real nodes under a write workload, round-robin, in asynchronous and synchronous
 * mode: no acknowledged write is lost, no two nodes take writes at overlapping times, the old primary
 * follows the new one without pg_rewind, and a switchover to a node that cannot take over is refused
 * without changing anything.
 */
class SwitchoverTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    /** 2 rounds make each of the 3 nodes primary once (the first by bootstrap); bench/soak runs more. */
    private static final int ROUNDS = Integer.getInteger("pgpacer.switchover.rounds", 2);

    @Test
    void asyncSwitchoversRoundRobinLoseNothingAndNeedNoRewind() throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start("switchover-async", 3, "timings: {bootstrap-wait: 20s}\n")) {
            try {
                roundRobin(cluster, "async", ClusterHarness::healthy);
                switchoverToALaggingStandbyIsRefusedAndChangesNothing(cluster);
                switchoverToAStoppedNodeIsRefusedAndChangesNothing(cluster);
                scheduledSwitchoverSurvivesAgentRestartsCanBeCancelledAndRunsOnTime(cluster);
            } catch (AssertionError | Exception e) {
                cluster.keepData();
                throw e;
            }
        }
    }

    @Test
    void syncSwitchoversRoundRobinLoseNothingAndNeedNoRewind() throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start("switchover-sync", 3,
                "timings: {bootstrap-wait: 20s}\nreplication: {mode: sync, sync-timeout: 3s}\n")) {
            roundRobin(cluster, "sync", s -> ClusterHarness.healthy(s) && cluster.recordedSyncStandbys().size() == 1
                    && "STREAMING|SYNC".equals(ClusterHarness.node(s, cluster.recordedSyncStandbys().get(0)).dataStatus()));
        }
    }

    private static void roundRobin(ClusterHarness cluster, String mode,
            java.util.function.Predicate<ClusterStatus> healthy) throws Exception {
        ClusterStatus start = cluster.awaitStatus("a healthy " + mode + " cluster", CONVERGE, healthy);
        int promotionsBefore = cluster.promotions();
        List<String> nodes = cluster.cluster().nodes();
        List<Long> gapsMillis = new ArrayList<>();
        try (Workload workload = new Workload(cluster.pgPorts())) {
            workload.start(ClusterHarness.primary(start));
            for (int round = 0; round < ROUNDS; round++) {
                ClusterStatus before = cluster.awaitStatus("a healthy " + mode + " cluster", CONVERGE, healthy);
                String old = ClusterHarness.primary(before);
                String target = nodes.get((nodes.indexOf(old) + 1) % nodes.size());
                Eventually.await("writes on " + old, CONVERGE, () -> workload.acknowledgedBy(old) > 0);
                long requestedAt = System.nanoTime();
                // Alternate the two ways an operator asks for it.
                String[] command = round % 2 == 0
                        ? new String[] {"switchover", "--to", target, "--config", cluster.cluster().config().toString()}
                        : new String[] {"resource", "move", "msPostgresql", target, "--config",
                                cluster.cluster().config().toString()};
                assertEquals(0, Main.commandLine().execute(command), "round " + round + ": " + String.join(" ", command));
                long firstAck = Eventually.await("writes on " + target, CONVERGE,
                        () -> workload.firstAckBy(target, requestedAt), t -> t > 0);
                gapsMillis.add(workload.longestGapBetween(requestedAt, firstAck) / 1_000_000);
                ClusterStatus after = cluster.awaitStatus(old + " streaming from " + target, CONVERGE,
                        s -> healthy.test(s) && target.equals(ClusterHarness.primary(s)));
                assertEquals("switchover", after.lastPromotion().reason());
                assertNoRewind(cluster, old);
            }
            workload.stop();
            Workload.Verdict verdict = workload.verdict(ClusterHarness.primary(cluster.awaitHealthy(CONVERGE)),
                    cluster.promotions() - promotionsBefore);
            List<Long> sorted = new ArrayList<>(gapsMillis);
            Collections.sort(sorted);
            System.out.printf("switchover (%s): %d rounds, write unavailability median %d ms, max %d ms (%s); %s%n",
                    mode, ROUNDS, sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), gapsMillis, verdict);
            assertEquals(List.of(), verdict.lost(), "a switchover must lose no acknowledged write");
            assertEquals(List.of(), verdict.overlaps(), "no two nodes may accept writes at overlapping times");
            assertEquals(ROUNDS, cluster.promotions() - promotionsBefore, "one promotion per switchover");
        }
    }

    // The old primary's own agent says how it rejoined; pg_rewind must not have run there.
    private static void assertNoRewind(ClusterHarness cluster, String node) {
        List<String> events = new ArrayList<>();
        cluster.apiOf(node).call("GET", "/events").forEach(e -> events.add(e.path("text").asText()));
        assertTrue(events.stream().anyMatch(e -> e.contains("without a rewind")),
                node + " should have rejoined without a rewind; its events: " + events);
        assertTrue(events.stream().noneMatch(e -> e.contains("pg_rewind")), node + " ran pg_rewind: " + events);
    }

    /** What a refused switchover must leave as it was. */
    private record Decisions(String primary, long goalsVersion, long leaseGeneration, boolean switchoverPlanned) {

        static Decisions of(JsonNode cib) {
            return new Decisions(cib.path("lease").path("holder").asText(), cib.path("goalsVersion").asLong(),
                    cib.path("lease").path("generation").asLong(), !cib.path("switchover").isNull());
        }
    }

    private static void assertRefused(ClusterHarness cluster, String target, String maxLag, String expected) {
        Decisions before = Decisions.of(cluster.api().cib());
        ApiClient.ApiException refused = org.junit.jupiter.api.Assertions.assertThrows(ApiClient.ApiException.class,
                () -> cluster.api().switchover(target, null, maxLag));
        assertEquals(412, refused.status(), refused.getMessage());
        assertTrue(refused.getMessage().contains(expected), refused.getMessage());
        assertEquals(before, Decisions.of(cluster.api().cib()), "a refused switchover must change nothing");
        String[] cli = maxLag == null
                ? new String[] {"switchover", "--to", target, "--config", cluster.cluster().config().toString()}
                : new String[] {"switchover", "--to", target, "--max-lag", maxLag, "--config",
                        cluster.cluster().config().toString()};
        assertEquals(2, Main.commandLine().execute(cli), "the CLI exits 2 on a refused switchover");
    }

    private static void switchoverToALaggingStandbyIsRefusedAndChangesNothing(ClusterHarness cluster) throws Exception {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        String lagging = healthy.slaves().get(0);
        long receiver;
        try (Connection standby = cluster.connect(lagging); Statement st = standby.createStatement();
                ResultSet rs = st.executeQuery("SELECT pid FROM pg_stat_wal_receiver")) {
            assertTrue(rs.next(), lagging + " has no WAL receiver");
            receiver = rs.getLong(1);
        }
        Signals.send("STOP", receiver);
        try {
            try (Connection writer = cluster.connect(primary); Statement st = writer.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS switchover_ballast (filler text)");
                st.execute("INSERT INTO switchover_ballast SELECT repeat('x', 1000) FROM generate_series(1, 4000)");
            }
            Function<JsonNode, Long> lag = cib -> lsn(cib.path("reports").path(primary).path("lsn").asText())
                    - lsn(cib.path("reports").path(lagging).path("lsn").asText());
            Eventually.await("the CIB to show " + lagging + " more than 1 MB behind", CONVERGE,
                    () -> lag.apply(cluster.api().cib()), l -> l > (1 << 20));
            assertRefused(cluster, lagging, "1MB", lagging + " lags ");
        } finally {
            Signals.send("CONT", receiver);
        }
        cluster.awaitHealthy(CONVERGE);
    }

    private static void switchoverToAStoppedNodeIsRefusedAndChangesNothing(ClusterHarness cluster) throws Exception {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String stopped = healthy.slaves().get(1);
        cluster.cluster().killAgent(stopped);
        try {
            cluster.awaitStatus(stopped + " offline", CONVERGE, s -> s.offline().contains(stopped));
            assertRefused(cluster, stopped, null, stopped + " is offline");
        } finally {
            cluster.cluster().start(stopped);
        }
        cluster.awaitHealthy(CONVERGE);
    }

    private static void scheduledSwitchoverSurvivesAgentRestartsCanBeCancelledAndRunsOnTime(ClusterHarness cluster)
            throws Exception {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        String target = healthy.slaves().get(0);
        String config = cluster.cluster().config().toString();
        String inAnHour = Instant.now().plus(Duration.ofHours(1)).toString();
        assertEquals(0, Main.commandLine().execute("switchover", "--to", target, "--at", inAnHour, "--config", config));
        // Every standby's agent restarts, one after the other so that the store keeps its majority; the plan is in
        // the replicated store, not in an agent's memory.
        for (String standby : healthy.slaves()) {
            cluster.cluster().killAgent(standby);
            cluster.awaitStatus(standby + " offline", CONVERGE, s -> s.offline().contains(standby));
            cluster.cluster().start(standby);
            cluster.awaitStatus(standby + " back", CONVERGE, s -> ClusterHarness.healthy(s) && s.online().contains(standby));
        }
        assertEquals(target, cluster.api().cib().path("switchover").path("to").asText());
        assertEquals(primary, ClusterHarness.primary(cluster.api().status()), "not before its time");
        assertEquals(0, Main.commandLine().execute("switchover", "--cancel", "--config", config));
        assertTrue(cluster.api().cib().path("switchover").isNull(), "cancelled");

        String soon = Instant.now().plus(Duration.ofSeconds(3)).toString();
        long scheduledAt = System.nanoTime();
        assertEquals(0, Main.commandLine().execute("switchover", "--to", target, "--at", soon, "--config", config));
        ClusterStatus after = cluster.awaitStatus(target + " primary after the scheduled time", CONVERGE,
                s -> ClusterHarness.healthy(s) && target.equals(ClusterHarness.primary(s)));
        assertTrue(System.nanoTime() - scheduledAt >= Duration.ofSeconds(2).toNanos(), "it must wait for its time");
        assertEquals("switchover", after.lastPromotion().reason());
    }

    private static long lsn(String text) {
        return io.pgpacer.core.model.Lsn.parse(text).value();
    }

}
