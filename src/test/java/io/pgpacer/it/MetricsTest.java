package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.config.ConfigLoader;
import io.pgpacer.config.Timings;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.KeepClusterOnFailure;
import io.pgpacer.testkit.PrometheusParser;
import io.pgpacer.testkit.PrometheusParser.Samples;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code GET /metrics} of a real 3-node cluster, parsed by the Python Prometheus client's parsers (text format
 * and OpenMetrics): the roles, the primary's view of its standbys' lag, the lease, Raft and the CIB's counts;
 * then kill -9 of the primary's agent, and the survivors count and time the failover. Fails (never skips) when
 * the parser is missing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(KeepClusterOnFailure.class)
class MetricsTest {

    private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final double LEASE_SECONDS = Timings.DEFAULTS.leaseTime().toMillis() / 1000.0;
    private static final double RENEW_SECONDS = Timings.DEFAULTS.renewInterval().toMillis() / 1000.0;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private PrometheusParser parser;
    private ClusterHarness cluster;
    private Map<String, NodeSpec> nodes;

    @BeforeAll
    void startCluster() throws IOException {
        parser = PrometheusParser.find();
        cluster = ClusterHarness.start("metrics", 3, "timings: {bootstrap-wait: 20s}\n");
        nodes = new LinkedHashMap<>();
        ConfigLoader.loadCluster(cluster.cluster().config()).nodes().forEach(n -> nodes.put(n.name(), n));
        cluster.awaitHealthy(BOOTSTRAP);
    }

    @AfterAll
    void stopCluster() throws IOException {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void everyAgentShowsItsRoleAndThePrimaryItsStandbysLag() {
        ClusterStatus status = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(status);
        List<String> standbys = status.slaves();

        // The agents look at PostgreSQL every second: wait until each one's metrics caught up with the cluster.
        Map<String, Samples> scraped = awaitMetrics("one primary (" + primary + "), the others standbys, and "
                + primary + " showing the replay lag of " + standbys + " in bytes and seconds", nodes.keySet(),
                m -> role(m.get(primary), primary).equals("primary")
                        && standbys.stream().allMatch(s -> role(m.get(s), s).equals("standby"))
                        && standbys.stream().allMatch(s -> m.get(primary)
                                .value("pgpacer_replication_replay_lag_seconds", "standby", s).isPresent()));

        assertEquals(List.of(primary), scraped.keySet().stream().filter(n -> role(scraped.get(n), n).equals("primary"))
                .toList(), "exactly one node reports role primary");
        Samples onPrimary = scraped.get(primary);
        for (String standby : standbys) {
            double bytes = value(onPrimary, "pgpacer_replication_replay_lag_bytes", "node", primary, "standby",
                    standby);
            assertTrue(bytes >= 0 && bytes < 16 * 1024 * 1024, standby + " is streaming closely: " + bytes + " bytes");
            assertTrue(value(onPrimary, "pgpacer_replication_flush_lag_seconds", "standby", standby) >= 0,
                    onPrimary.toString());
            assertTrue(value(scraped.get(standby), "pgpacer_wal_replay_lsn_bytes", "node", standby) > 0,
                    scraped.get(standby).toString());
        }
        assertTrue(value(onPrimary, "pgpacer_wal_current_lsn_bytes", "node", primary) > 0, onPrimary.toString());
        // Issue 17: the primary's write probe commits every monitor interval; a healthy cluster has no gray failure.
        assertTrue(value(onPrimary, "pgpacer_write_probe_duration_seconds_count", "node", primary) >= 1,
                onPrimary.toString());
        for (Map.Entry<String, Samples> entry : scraped.entrySet()) {
            for (String kind : List.of("commit_timed_out", "commit_failed", "replication_stalled")) {
                assertEquals(0, value(entry.getValue(), "pgpacer_gray_failures_total", "node", entry.getKey(), "kind",
                        kind), entry.getKey() + " " + kind);
            }
            assertEquals(0, value(entry.getValue(), "pgpacer_gray_failure", "node", entry.getKey()), entry.getKey());
        }
        assertEquals(1, value(onPrimary, "pgpacer_lease_held", "node", primary), onPrimary.toString());
        double remaining = value(onPrimary, "pgpacer_lease_remaining_seconds", "node", primary);
        assertTrue(remaining > 0 && remaining <= LEASE_SECONDS, "lease remaining by the fencing clock: " + remaining);

        String leader = null;
        for (Map.Entry<String, Samples> entry : scraped.entrySet()) {
            String node = entry.getKey();
            Samples m = entry.getValue();
            assertEquals(1, m.find("pgpacer_role", "node", node).stream().filter(s -> s.value() == 1).count(),
                    node + " has exactly one role: " + m.find("pgpacer_role"));
            assertEquals(1, value(m, "pgpacer_postgres_timeline", "node", node), node + " on timeline 1");
            assertTrue(value(m, "pgpacer_raft_term", "node", node) >= 1, m.toString());
            assertTrue(value(m, "pgpacer_raft_applied_index", "node", node) >= 1, m.toString());
            assertTrue(value(m, "pgpacer_raft_commit_index", "node", node) >= 1, m.toString());
            assertTrue(value(m, "pgpacer_postgres_observe_duration_seconds_count", "node", node) >= 1, m.toString());
            String seen = m.find("pgpacer_raft_leader_info").get(0).labels().get("leader");
            assertTrue(leader == null || leader.equals(seen), "the agents agree on the Raft leader: " + leader + ", "
                    + seen);
            leader = seen;
            if (!node.equals(primary)) {
                assertEquals(0, value(m, "pgpacer_lease_held", "node", node), node + " holds no lease");
            }
            for (String member : nodes.keySet()) {
                assertEquals(0, value(m, "pgpacer_fail_count", "node", member), member + "'s fail-count on " + node);
            }
            assertEquals(1, value(m, "pgpacer_promotions_total", "reason", "initial start"), m.toString());
            assertEquals(0, value(m, "pgpacer_promotions_total", "reason", "failover"), m.toString());
        }
        String raftLeader = leader;
        assertEquals(List.of(raftLeader), scraped.keySet().stream()
                .filter(n -> value(scraped.get(n), "pgpacer_raft_is_leader", "node", n) == 1).toList(),
                "exactly the Raft leader says it is the leader");
    }

    @Test
    @Order(2)
    void theSurvivorsCountAndTimeAFailoverAfterTheAgentOfThePrimaryIsKilled() {
        String old = ClusterHarness.primary(cluster.awaitHealthy(CONVERGE));
        List<String> survivors = nodes.keySet().stream().filter(n -> !n.equals(old)).toList();
        long killedAt = System.nanoTime();
        cluster.cluster().killAgent(old);

        Map<String, Double> firstSeenAfter = new LinkedHashMap<>();
        Map<String, Samples> scraped = awaitMetrics("both survivors to have timed the failover from " + old
                + " and one of them to report role primary", survivors, m -> {
                    m.forEach((node, samples) -> {
                        if (!samples.find("pgpacer_last_failover_duration_seconds").isEmpty()) {
                            firstSeenAfter.putIfAbsent(node, (System.nanoTime() - killedAt) / 1e9);
                        }
                    });
                    return firstSeenAfter.keySet().containsAll(survivors)
                            && survivors.stream().filter(n -> role(m.get(n), n).equals("primary")).count() == 1;
                });

        String promoted = survivors.stream().filter(n -> role(scraped.get(n), n).equals("primary")).findFirst()
                .orElseThrow();
        for (String node : survivors) {
            Samples m = scraped.get(node);
            double seconds = value(m, "pgpacer_last_failover_duration_seconds", "node", node, "old_primary", old,
                    "new_primary", promoted);
            // The promotion waits for the lease to expire; the timing starts at the last renewal this agent saw,
            // at most a renew interval before the kill, and ends before the test saw it.
            assertTrue(seconds >= LEASE_SECONDS - 1, node + " timed " + seconds + " s, less than the lease wait");
            assertTrue(seconds <= firstSeenAfter.get(node) + RENEW_SECONDS + 0.5, node + " timed " + seconds
                    + " s, but saw the failover " + firstSeenAfter.get(node) + " s after the kill");
            assertEquals(1, value(m, "pgpacer_promotions_total", "reason", "failover"), m.toString());
        }
        assertEquals(2, value(scraped.get(promoted), "pgpacer_postgres_timeline", "node", promoted),
                "the promotion started timeline 2");
        System.out.printf("failover timed by the survivors: %s; seen by the test after %s%n",
                survivors.stream().map(n -> n + "=" + value(scraped.get(n), "pgpacer_last_failover_duration_seconds",
                        "node", n) + " s").toList(), firstSeenAfter);
    }

    /** Scrapes {@code from} in both formats until {@code condition} holds for the text format's samples. */
    private Map<String, Samples> awaitMetrics(String expectation, Collection<String> from,
            Predicate<Map<String, Samples>> condition) {
        return Eventually.await(expectation, CONVERGE, () -> scrape(from), condition);
    }

    private Map<String, Samples> scrape(Collection<String> from) {
        Map<String, Samples> scraped = new LinkedHashMap<>();
        for (String node : from) {
            String text = get(node, "text/plain; version=0.0.4");
            scraped.put(node, parser.parseText(text));
            Samples openMetrics = parser.parseOpenMetrics(get(node, "application/openmetrics-text; version=1.0.0"));
            assertEquals(1, openMetrics.find("pgpacer_raft_term").size(), "OpenMetrics of " + node + ":\n"
                    + openMetrics);
        }
        return scraped;
    }

    private String get(String node, String accept) {
        NodeSpec spec = nodes.get(node);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + spec.address() + ":" + spec.apiPort()
                + "/metrics")).header("Accept", accept).timeout(Duration.ofSeconds(5)).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(node + " answered " + response.statusCode() + ": " + response.body());
            }
            String type = response.headers().firstValue("Content-Type").orElse("");
            if (!type.startsWith(accept.substring(0, accept.indexOf(';')))) {
                throw new IllegalStateException(node + " answered " + type + " to Accept: " + accept);
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(node + "'s /metrics: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The role a node's pgpacer_role reports as 1, or what it shows instead. */
    private static String role(Samples m, String node) {
        List<String> roles = m.find("pgpacer_role", "node", node).stream().filter(s -> s.value() == 1)
                .map(s -> s.labels().get("role")).toList();
        return roles.size() == 1 ? roles.get(0) : roles.toString();
    }

    private static double value(Samples m, String name, String... labels) {
        return m.value(name, labels).orElseThrow(() -> new AssertionError("no single sample " + name
                + List.of(labels) + " in\n" + m));
    }
}
