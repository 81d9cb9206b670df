package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The CLI's HTTP client against a loopback server that answers as the test says, one connection at a time. */
class ApiClientTest {

    @Test
    void aCommandWhoseConnectionDiesBeforeTheAnswerIsSentOnceAndReportedAsUnanswered() throws Exception {
        try (Server server = new Server(socket -> { })) {
            ApiClient.ApiException e = assertThrows(ApiClient.ApiException.class,
                    () -> client(server).call("POST", "/switchover?to=node2"));
            assertEquals(0, e.status());
            assertTrue(e.getMessage().startsWith("no agent answered: http://127.0.0.1:" + server.port() + ": "),
                    e.getMessage());
            assertEquals(1, server.requests(), "requests the server saw");
        }
    }

    @Test
    void aRefusedCommandKeepsTheAgentsSentence() throws Exception {
        String json = "{\"error\":\"this command needs the API token; set $PGPACER_API_TOKEN\"}";
        try (Server server = new Server(socket -> answer(socket, "401 Unauthorized", json))) {
            ApiClient.ApiException e = assertThrows(ApiClient.ApiException.class,
                    () -> client(server).call("POST", "/switchover", "{}"));
            assertEquals(401, e.status());
            assertEquals("this command needs the API token; set $PGPACER_API_TOKEN", e.getMessage());
        }
    }

    @Test
    void anAnswerIsReadWithItsBody() throws Exception {
        try (Server server = new Server(socket -> answer(socket, "200 OK", "{\"message\":\"done\"}"))) {
            assertEquals("done", client(server).call("DELETE", "/switchover").path("message").asText());
            assertEquals(1, server.requests());
        }
    }

    private static ApiClient client(Server server) {
        return new ApiClient(List.of(URI.create("http://127.0.0.1:" + server.port())));
    }

    private static void answer(Socket socket, String status, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        try {
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Accepts connections, reads each request's head and body, lets {@code reply} answer (or not), closes. */
    private static final class Server implements AutoCloseable {
        private final ServerSocket listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        private final AtomicInteger requests = new AtomicInteger();
        private final Thread thread;

        Server(Consumer<Socket> reply) throws IOException {
            thread = new Thread(() -> {
                while (!listener.isClosed()) {
                    try (Socket socket = listener.accept()) {
                        socket.setSoTimeout(5_000);
                        readRequest(socket);
                        requests.incrementAndGet();
                        reply.accept(socket);
                    } catch (IOException e) {
                        // the listener closed, or the client went away: the next accept decides
                    }
                }
            }, "api-client-test-server");
            thread.start();
        }

        private static void readRequest(Socket socket) throws IOException {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
            int length = 0;
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring("content-length:".length()).strip());
                }
            }
            for (int i = 0; i < length; i++) {
                try {
                    in.read();
                } catch (SocketTimeoutException e) {
                    throw new IOException("the request's body did not arrive", e);
                }
            }
        }

        int port() {
            return listener.getLocalPort();
        }

        int requests() {
            return requests.get();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
