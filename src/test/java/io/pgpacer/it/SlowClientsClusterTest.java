package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.config.ConfigLoader;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.KeepClusterOnFailure;
import io.pgpacer.testkit.Slowloris;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Slowloris against the primary's agent of a real 3-node cluster (real PostgreSQL, real agent processes, loopback):
 * while 200 connections trickle half-sent requests and a few POSTs never send their body, the checks HAProxy polls
 * ({@code /primary}), {@code /liveness}, {@code /status} and a failsafe ping all answer, within a bound that only a
 * blocked server would exceed; the latencies are printed. The primary keeps its role, and the agent closes every slow
 * connection by itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(KeepClusterOnFailure.class)
class SlowClientsClusterTest {

    private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
    private static final int SLOW_CONNECTIONS = 200;
    private static final Duration POLL_FOR = Duration.ofSeconds(8);
    private static final Duration ANSWER_BOUND = Duration.ofSeconds(2);
    // The agent's request deadline (10 s) and then some for a loaded machine.
    private static final Duration CLOSED_WITHIN = Duration.ofSeconds(20);
    // Before the request deadline, less a sweep of it: no connection can have reached its deadline by then.
    private static final Duration HELD_BEFORE_THE_DEADLINE = Duration.ofSeconds(9);

    private ClusterHarness cluster;

    @BeforeAll
    void startCluster() throws IOException {
        cluster = ClusterHarness.start("slowloris", 3, "timings: {bootstrap-wait: 20s}\n");
        cluster.awaitHealthy(BOOTSTRAP);
    }

    @AfterAll
    void stopCluster() throws IOException {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void thePrimarysApiAnswersWhileSlowClientsHoldTwoHundredConnections() throws IOException {
        String primary = ClusterHarness.primary(cluster.awaitHealthy(BOOTSTRAP));
        NodeSpec node = ConfigLoader.loadCluster(cluster.cluster().config()).nodes().stream()
                .filter(n -> n.name().equals(primary)).findFirst().orElseThrow();
        List<String> polled = List.of("GET /liveness", "GET /primary", "GET /status",
                "POST /failsafe?primary=" + primary + "&generation=1");

        List<Slowloris.Polled> baseline = Slowloris.baseline(node.address(), node.apiPort(), polled,
                Duration.ofSeconds(4), ANSWER_BOUND);
        System.out.println("baseline, no slow connections, same agent and machine:");
        baseline.forEach(b -> System.out.println(b.summary()));

        try (Slowloris attack = Slowloris.open(node.address(), node.apiPort(), SLOW_CONNECTIONS, 5)) {
            List<Slowloris.Polled> answers = attack.poll(polled, POLL_FOR, ANSWER_BOUND);
            List<Slowloris.Held> held = attack.heldWithin(HELD_BEFORE_THE_DEADLINE);
            long open = attack.stillOpen();
            System.out.println("slowloris against " + primary + "'s agent (" + node.address() + ":" + node.apiPort()
                    + "), " + SLOW_CONNECTIONS + " trickling connections + 5 lying POSTs:");
            answers.forEach(a -> System.out.println(a.summary()));
            System.out.println("trickling connections open at each trickle round before the deadline: " + held
                    + "; after the polling: " + open);

            answers.forEach(a -> assertTrue(a.failures().isEmpty(), a.request() + ": answers that did not come within "
                    + ANSWER_BOUND.toMillis() + " ms: " + a.failures()));
            answers.forEach(a -> assertTrue(a.micros().size() >= 10, a.request() + " polled only "
                    + a.micros().size() + " times"));
            // why not count after the polling: on a loaded machine it may end after the agent's deadline has
            // rightly closed some of them
            assertTrue(held.size() >= 2, "the polling ran at least two trickle rounds while no deadline could have"
                    + " closed a connection; rounds: " + held);
            held.forEach(h -> assertEquals(SLOW_CONNECTIONS, h.open(),
                    "the slow connections were held open during the polling; rounds: " + held));
            Eventually.await("the agent to close every slow connection", CLOSED_WITHIN, attack::notClosedByServer,
                    remaining -> remaining == 0);
        }
        assertEquals(primary, ClusterHarness.primary(cluster.awaitHealthy(Duration.ofSeconds(30))),
                "the primary keeps its role through the attack");
    }
}
