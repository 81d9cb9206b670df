package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.agent.EventFeed;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Slowloris;
import io.pgpacer.testkit.WitnessOverOneMemberStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slowloris against a real agent's API over a real store, on loopback: 200 connections that sent half a request
 * line and then trickle a header now and then, and a few POSTs whose body never comes, stay open while the health
 * checks HAProxy polls, the status and a failsafe ping are asked for again and again. Every answer must come, and
 * soon (the latencies are printed); then the server closes every slow connection by its request deadline.
 */
class SlowClientsTest {

    private static final int SLOW_CONNECTIONS = 200;
    private static final int LYING_POSTS = 5;
    // Longer than the idle timeout (the trickle must be what keeps them open), shorter than the request deadline.
    private static final Duration POLL_FOR = ApiServer.REQUEST_DEADLINE.minusSeconds(2);
    // Generous: the JDK server made these wait as long as the slow connections stayed open (70 s were seen).
    private static final Duration ANSWER_BOUND = Duration.ofSeconds(2);
    private static final List<String> POLLED = List.of("GET /liveness", "GET /primary", "GET /status",
            "POST /failsafe?primary=n1&generation=1");

    @TempDir
    Path dir;
    private WitnessOverOneMemberStore witness;
    private HttpApi api;
    private int port;

    @BeforeEach
    void startApi() throws IOException {
        witness = WitnessOverOneMemberStore.start(dir, "slowloris-it", Map.of("n1", "127.0.0.2", "n2", "127.0.0.3"));
        port = WitnessOverOneMemberStore.freePort();
        api = new HttpApi("w1", new InetSocketAddress("127.0.0.1", port), witness.store(), witness.agent(),
                new EventFeed());
        api.start();
    }

    @AfterEach
    void stop() {
        if (api != null) {
            api.close();
        }
        if (witness != null) {
            witness.close();
        }
    }

    @Test
    void healthChecksStatusAndFailsafeAnswerWhileSlowClientsHoldConnections() throws IOException {
        try (Slowloris attack = Slowloris.open("127.0.0.1", port, SLOW_CONNECTIONS, LYING_POSTS)) {
            List<Slowloris.Polled> polled = attack.poll(POLLED, POLL_FOR, ANSWER_BOUND);
            long open = attack.stillOpen();
            polled.forEach(p -> System.out.println(p.summary()));
            System.out.println("trickling connections still open after " + POLL_FOR.toSeconds() + " s of polling: "
                    + open + " of " + SLOW_CONNECTIONS);

            polled.forEach(p -> assertTrue(p.failures().isEmpty(), p.request() + ": answers that did not come within "
                    + ANSWER_BOUND.toMillis() + " ms while " + SLOW_CONNECTIONS + " slow connections were open: "
                    + p.failures()));
            polled.forEach(p -> assertTrue(p.micros().size() >= 10, p.request() + " polled only " + p.micros().size()
                    + " times"));
            assertEquals(SLOW_CONNECTIONS, open, "the trickling connections stay open past the idle timeout: they are"
                    + " what must not block anyone");
            long start = System.nanoTime();
            Eventually.await("the server to close every slow connection (request deadline "
                    + ApiServer.REQUEST_DEADLINE.toSeconds() + " s)", ApiServer.REQUEST_DEADLINE.plusSeconds(5),
                    attack::notClosedByServer, remaining -> remaining == 0);
            System.out.println("the server closed all " + attack.size() + " slow connections "
                    + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms after the polling ended");
        }
    }
}
