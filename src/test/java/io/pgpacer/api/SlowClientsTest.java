package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.agent.EventFeed;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.WitnessOverOneMemberStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slowloris against a real agent's API over a real store, on loopback: 200 connections that sent half a request
 * line and then trickle a header now and then, and a few POSTs whose body never comes, stay open while the health
 * checks HAProxy polls, the status and a failsafe ping are asked for again and again. Every answer must come, and
 * soon; the latencies are printed.
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
    private final List<Socket> slow = new ArrayList<>();

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
        closeAll(slow);
        if (api != null) {
            api.close();
        }
        if (witness != null) {
            witness.close();
        }
    }

    @Test
    void healthChecksStatusAndFailsafeAnswerWhileSlowClientsHoldConnections() throws IOException {
        for (int i = 0; i < SLOW_CONNECTIONS; i++) {
            slow.add(open("GET /status HTTP/1.1\r\n"));
        }
        for (int i = 0; i < LYING_POSTS; i++) {
            slow.add(open("POST /resources HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"type\""));
        }
        Map<String, List<Long>> latencies = new java.util.LinkedHashMap<>();
        POLLED.forEach(request -> latencies.put(request, new ArrayList<>()));
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        long end = System.nanoTime() + POLL_FOR.toNanos();
        long nextTrickle = System.nanoTime();
        int round = 0;
        while (System.nanoTime() < end) {
            if (System.nanoTime() >= nextTrickle) {
                // the slowloris part: a header line every 2 s keeps each request unfinished and its connection busy
                trickle(round++);
                nextTrickle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            }
            for (String request : POLLED) {
                String[] parts = request.split(" ", 2);
                RawHttp.Answer answer = RawHttp.exchange(port, parts[0] + " " + parts[1] + " HTTP/1.1\r\nHost:"
                        + " 127.0.0.1\r\nConnection: close\r\n" + (parts[0].equals("POST") ? "Content-Length: 0\r\n"
                        : "") + "\r\n", new byte[0], Duration.ofSeconds(10));
                latencies.get(request).add(answer.took().toNanos() / 1000);
                if (answer.status() < 200 || answer.took().compareTo(ANSWER_BOUND) > 0) {
                    failures.add(request + ": " + answer);
                }
            }
        }
        long open = slow.stream().limit(SLOW_CONNECTIONS).filter(s -> !closedByServer(s)).count();
        latencies.forEach((request, micros) -> System.out.println(summary(request, micros)));
        System.out.println("trickling connections still open after " + POLL_FOR.toSeconds() + " s of polling: " + open
                + " of " + SLOW_CONNECTIONS);

        assertTrue(failures.isEmpty(), "answers that did not come within " + ANSWER_BOUND.toMillis() + " ms while "
                + SLOW_CONNECTIONS + " slow connections were open: " + failures);
        latencies.forEach((request, micros) -> assertTrue(micros.size() >= 10, request + " polled only "
                + micros.size() + " times"));
        assertEquals(SLOW_CONNECTIONS, open, "the trickling connections stay open past the idle timeout: they are"
                + " what must not block anyone");
        long start = System.nanoTime();
        Eventually.await("the server to close every slow connection (request deadline "
                + ApiServer.REQUEST_DEADLINE.toSeconds() + " s)", ApiServer.REQUEST_DEADLINE.plusSeconds(5),
                () -> slow.stream().filter(s -> !closedByServer(s)).count(), remaining -> remaining == 0);
        System.out.println("the server closed all " + slow.size() + " slow connections "
                + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms after the polling ended");
    }

    private Socket open(String partial) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(1);
        socket.getOutputStream().write(partial.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return socket;
    }

    private void trickle(int round) {
        for (Socket socket : slow.subList(0, SLOW_CONNECTIONS)) {
            try {
                socket.getOutputStream().write(("X-Slow-" + round + ": 1\r\n").getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                // closed by the server: counted at the end
            }
        }
    }

    // Whether the server has closed the connection (anything it answered first is read and dropped).
    private static boolean closedByServer(Socket socket) {
        try {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            while (true) {
                if (in.read(buffer) < 0) {
                    return true;
                }
            }
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static String summary(String request, List<Long> micros) {
        List<Long> sorted = micros.stream().sorted().toList();
        return String.format("%-42s n=%4d  median %6.1f ms  p99 %6.1f ms  max %6.1f ms", request, sorted.size(),
                sorted.get(sorted.size() / 2) / 1000.0, sorted.get(Math.min(sorted.size() - 1,
                        (int) Math.ceil(sorted.size() * 0.99) - 1)) / 1000.0, sorted.get(sorted.size() - 1) / 1000.0);
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }
}
