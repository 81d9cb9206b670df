package io.pgpacer.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Slowloris against one agent's API on loopback: connections that sent half a request line and trickle a header
 * line now and then (so that the idle timeout alone does not end them), and POSTs whose body never comes, held
 * while requests are polled and their latencies recorded. Closing it closes every connection it opened.
 */
public final class Slowloris implements AutoCloseable {

    /** The latencies seen for one polled request, and those that failed or took longer than the bound. */
    public record Polled(String request, List<Long> micros, List<String> failures) {

        /** n, median, p99 and max, as a line for the test output. */
        public String summary() {
            List<Long> sorted = micros.stream().sorted().toList();
            if (sorted.isEmpty()) {
                return request + ": never polled";
            }
            return String.format("%-42s n=%4d  median %6.1f ms  p99 %6.1f ms  max %6.1f ms", request, sorted.size(),
                    sorted.get(sorted.size() / 2) / 1000.0, sorted.get(Math.min(sorted.size() - 1,
                            (int) Math.ceil(sorted.size() * 0.99) - 1)) / 1000.0, sorted.get(sorted.size() - 1)
                            / 1000.0);
        }
    }

    private static final Duration TRICKLE_EVERY = Duration.ofSeconds(2);

    private final String host;
    private final int port;
    private final List<Socket> trickling = new ArrayList<>();
    private final List<Socket> lying = new ArrayList<>();
    private final long openedNanos = System.nanoTime();
    private final List<Held> held = new ArrayList<>();
    private int round;

    /** How many trickling connections were open at a trickle round that ended {@code afterOpening} the attack. */
    public record Held(Duration afterOpening, long open) {
    }

    private Slowloris(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** Opens {@code connections} half-sent GETs and {@code lyingPosts} POSTs with 7 of 100 announced bytes. */
    public static Slowloris open(String host, int port, int connections, int lyingPosts) throws IOException {
        Slowloris attack = new Slowloris(host, port);
        try {
            for (int i = 0; i < connections; i++) {
                attack.trickling.add(attack.connect("GET /status HTTP/1.1\r\n"));
            }
            for (int i = 0; i < lyingPosts; i++) {
                attack.lying.add(attack.connect("POST /resources HTTP/1.1\r\nHost: " + host
                        + "\r\nContent-Length: 100\r\n\r\n{\"type\""));
            }
        } catch (IOException | RuntimeException e) {
            attack.close();
            throw e;
        }
        return attack;
    }

    /**
     * Polls each of {@code requests} ("GET /liveness", "POST /failsafe?...") in turn for {@code during}, trickling
     * a header on the slow connections every 2 s; an answer that is not an HTTP status or takes longer than {@code
     * bound} is a failure.
     */
    public List<Polled> poll(List<String> requests, Duration during, Duration bound) throws IOException {
        return poll(host, port, requests, during, bound, this::trickle);
    }

    /** The same polling without an attack, for a baseline on the same machine. */
    public static List<Polled> baseline(String host, int port, List<String> requests, Duration during,
            Duration bound) throws IOException {
        return poll(host, port, requests, during, bound, () -> { });
    }

    private static List<Polled> poll(String host, int port, List<String> requests, Duration during, Duration bound,
            Runnable every2s) throws IOException {
        Map<String, Polled> polled = new LinkedHashMap<>();
        requests.forEach(r -> polled.put(r, new Polled(r, new ArrayList<>(), new ArrayList<>())));
        long end = System.nanoTime() + during.toNanos();
        long nextTrickle = System.nanoTime();
        while (System.nanoTime() < end) {
            if (System.nanoTime() >= nextTrickle) {
                every2s.run();
                nextTrickle = System.nanoTime() + TRICKLE_EVERY.toNanos();
            }
            for (String request : requests) {
                String[] parts = request.split(" ", 2);
                RawHttp.Answer answer = RawHttp.exchange(host, port, parts[0] + " " + parts[1] + " HTTP/1.1\r\nHost: "
                        + host + "\r\nConnection: close\r\n" + (parts[0].equals("POST") ? "Content-Length: 0\r\n" : "")
                        + "\r\n", new byte[0], bound.plusSeconds(10));
                Polled p = polled.get(request);
                p.micros().add(answer.took().toNanos() / 1000);
                if (answer.status() < 200 || answer.took().compareTo(bound) > 0) {
                    p.failures().add(answer.toString());
                }
            }
        }
        return List.copyOf(polled.values());
    }

    // A header line keeps each request unfinished, and restarts the server's idle timeout.
    private void trickle() {
        round++;
        for (Socket socket : trickling) {
            try {
                socket.getOutputStream().write(("X-Slow-" + round + ": 1\r\n").getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                // closed by the server: counted by stillOpen()
            }
        }
        long open = stillOpen();
        held.add(new Held(Duration.ofNanos(System.nanoTime() - openedNanos), open));
    }

    /**
     * The trickle rounds that ended within {@code within} of the attack's opening. A server that closes unfinished
     * requests after a deadline longer than that cannot have closed any connection by then, however slow the machine.
     */
    public List<Held> heldWithin(Duration within) {
        return held.stream().filter(h -> h.afterOpening().compareTo(within) < 0).toList();
    }

    /** How many of the trickling connections the server has not closed. */
    public long stillOpen() {
        return trickling.stream().filter(s -> !closedByServer(s)).count();
    }

    /** How many of all the connections (trickling and lying) the server has not closed. */
    public long notClosedByServer() {
        return trickling.size() + lying.size() - trickling.stream().filter(Slowloris::closedByServer).count()
                - lying.stream().filter(Slowloris::closedByServer).count();
    }

    public int size() {
        return trickling.size() + lying.size();
    }

    private Socket connect(String partial) throws IOException {
        Socket socket = new Socket(host, port);
        socket.setSoTimeout(1);
        socket.getOutputStream().write(partial.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return socket;
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
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() {
        for (List<Socket> sockets : List.of(trickling, lying)) {
            for (Socket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // already closed
                }
            }
        }
    }
}
