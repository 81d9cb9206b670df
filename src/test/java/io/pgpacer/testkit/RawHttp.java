package io.pgpacer.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * One HTTP/1.1 exchange over a raw loopback socket, for requests no well-behaved client sends: the request is
 * written on a thread of its own while the answer is read, so that a server answering before it has read everything
 * (413) is seen answering, and a reset is told apart from an answer.
 */
public final class RawHttp {

    /**
     * What came back: the status (0 when the connection closed without an answer, -1 on a reset, -2 when nothing came
     * within the timeout), the body, and how long the answer took.
     */
    public record Answer(int status, String head, String body, Duration took) {
        @Override
        public String toString() {
            return "status " + status + " after " + took.toMillis() + " ms: " + head + body;
        }
    }

    private RawHttp() {
    }

    public static Answer exchange(int port, String head, byte[] body, Duration timeout) throws IOException {
        return exchange("127.0.0.1", port, head, body, timeout);
    }

    /** @param host a loopback address */
    public static Answer exchange(String host, int port, String head, byte[] body, Duration timeout)
            throws IOException {
        long start = System.nanoTime();
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout((int) timeout.toMillis());
            Thread writer = new Thread(() -> write(socket, head.getBytes(StandardCharsets.ISO_8859_1), body),
                    "raw-http-writer");
            writer.setDaemon(true);
            writer.start();
            Answer answer = read(socket.getInputStream(), start);
            writer.interrupt();
            return answer;
        }
    }

    private static void write(Socket socket, byte[] head, byte[] body) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(head);
            for (int offset = 0; offset < body.length; offset += 64 << 10) {
                out.write(body, offset, Math.min(64 << 10, body.length - offset));
            }
            out.flush();
        } catch (IOException e) {
            // the server stopped reading (it answered already, or closed): the reader reports what came back
        }
    }

    private static Answer read(InputStream in, long start) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        int status;
        try {
            byte[] buffer = new byte[8192];
            int headEnd = -1;
            long contentLength = -1;
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                received.write(buffer, 0, n);
                String text = received.toString(StandardCharsets.ISO_8859_1);
                if (headEnd < 0 && text.contains("\r\n\r\n")) {
                    headEnd = text.indexOf("\r\n\r\n") + 4;
                    for (String line : text.substring(0, headEnd).split("\r\n")) {
                        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                            contentLength = Long.parseLong(line.substring(15).strip());
                        }
                    }
                }
                if (headEnd >= 0 && contentLength >= 0 && received.size() >= headEnd + contentLength) {
                    break;
                }
            }
            status = received.size() == 0 ? 0 : Integer.parseInt(received.toString(StandardCharsets.ISO_8859_1)
                    .split(" ", 3)[1]);
        } catch (SocketTimeoutException e) {
            status = -2;
        } catch (java.net.SocketException e) {
            status = received.size() > 12 ? Integer.parseInt(received.toString(StandardCharsets.ISO_8859_1)
                    .split(" ", 3)[1]) : -1;
        }
        String text = received.toString(StandardCharsets.UTF_8);
        int split = text.indexOf("\r\n\r\n");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        return split < 0 ? new Answer(status, text, "", took)
                : new Answer(status, text.substring(0, split + 4), text.substring(split + 4), took);
    }
}
