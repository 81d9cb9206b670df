package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.agent.EventFeed;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.resource.OnFail;
import io.pgpacer.core.resource.Operation;
import io.pgpacer.core.resource.ResourceEdit;
import io.pgpacer.os.FreePorts;
import io.pgpacer.store.ratis.RatisClusterStore;
import io.pgpacer.testkit.RawHttp;
import io.pgpacer.testkit.WitnessOverOneMemberStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests an attacker or a broken client sends, against a real agent's API over a real store: each gets its status
 * and one sentence naming what is wrong (never a reset, a hang or a JSON library's words), no stack trace reaches
 * the answer or the log, and the CIB is left as it was.
 */
class HostileRequestsTest {

    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(15);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    private static WitnessOverOneMemberStore witness;
    private static RatisClusterStore store;
    private static HttpApi api;
    private static int port;
    private static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();
    private static PrintStream originalErr;

    @BeforeAll
    static void startApi() throws IOException {
        originalErr = System.err;
        System.setErr(new PrintStream(new Tee(originalErr, LOG), true, StandardCharsets.UTF_8));
        witness = WitnessOverOneMemberStore.start(dir, "hostile-it", Map.of("n1", "127.0.0.2", "n2", "127.0.0.3"));
        store = witness.store();
        port = FreePorts.next();
        api = new HttpApi("w1", new InetSocketAddress("127.0.0.1", port), store, witness.agent(), new EventFeed());
        api.start();
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
        if (witness != null) {
            witness.close();
        }
        System.setErr(originalErr);
    }

    private static String post(String path, int contentLength) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + contentLength + "\r\n\r\n";
    }

    private static Arguments json(String name, String path, String body, String sentence) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return Arguments.of(name, post(path, bytes.length), bytes, 400, sentence);
    }

    static Stream<Arguments> hostileRequests() {
        byte[] tenMegabytes = new byte[10 << 20];
        Arrays.fill(tenMegabytes, (byte) 'x');
        StringBuilder manyHeaders = new StringBuilder("GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (int i = 0; i < 5000; i++) {
            manyHeaders.append("X-Header-").append(i).append(": ").append(i).append("\r\n");
        }
        manyHeaders.append("\r\n");
        byte[] twoMegabytesChunked = ("200000\r\n" + "y".repeat(0x200000) + "\r\n0\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        return Stream.of(
                Arguments.of("request line of 20 KiB", "GET /status?x=" + "a".repeat(20_000)
                        + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", new byte[0], 414, "the request line exceeds"),
                Arguments.of("not HTTP at all", "HELLO THERE\r\n\r\n", new byte[0], 505,
                        "does not end in a supported HTTP version; send HTTP/1.1"),
                Arguments.of("control character in the path", "GET /st\u0001tus HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                        new byte[0], 400, "the request is not valid HTTP/1.1"),
                Arguments.of("bad percent-encoding", "GET /status%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                        new byte[0], 400, "the request is not valid HTTP/1.1"),
                Arguments.of("two Content-Lengths", "POST /properties HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n", "{}".getBytes(StandardCharsets.UTF_8),
                        400, "the request is not valid HTTP/1.1"),
                Arguments.of("5,000 headers", manyHeaders.toString(), new byte[0], 431, "the request headers exceed"),
                Arguments.of("one header of 16 KiB", "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
                        + "b".repeat(16 << 10) + "\r\n\r\n", new byte[0], 431, "the request headers exceed"),
                Arguments.of("10 MB body", post("/resources", tenMegabytes.length), tenMegabytes, 413,
                        "the request body exceeds the API's limit of 1048576 bytes"),
                Arguments.of("5 KiB body on a request that takes none", post("/maintenance?state=on", 5 << 10),
                        new byte[5 << 10], 413, "the request body exceeds 4096 bytes, and this request takes no body"),
                Arguments.of("2 MB chunked body", "POST /properties HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding:"
                        + " chunked\r\n\r\n", twoMegabytesChunked, 413, "the request body exceeds the API's limit"),
                Arguments.of("Content-Length 100, 7 bytes sent", post("/resources", 100),
                        "{\"id\": ".getBytes(StandardCharsets.UTF_8), 400, "the request body stopped arriving: 7 of the"
                                + " 100 bytes"),
                json("malformed JSON", "/resources", "{\"change\": \"delete\", \"id\": ", "not valid JSON"),
                json("empty body", "/resources", "", "the request body is empty"),
                json("unknown type", "/resources", "{\"change\": \"explode\", \"id\": \"web\"}",
                        "the 'change' 'explode' is not known; it is one of add-constraint, ban, clear, create, delete"),
                json("missing type", "/resources", "{\"id\": \"web\"}", "the key 'change' is missing; it is one of"),
                json("unknown constraint type", "/resources", "{\"change\": \"add-constraint\", \"constraint\":"
                        + " {\"type\": \"glue\"}}", "the 'type' of 'constraint' 'glue' is not known; it is one of"
                        + " colocation, location, order"),
                json("duplicate change", "/resources", "{\"change\": \"create\", \"id\": \"web\", \"change\": 1}",
                        "the key 'change' twice in one object (again at line 1, column 35)"),
                json("duplicate id on line 4", "/resources", "{\n  \"change\": \"delete\",\n  \"id\": \"a\",\n"
                        + "  \"id\": \"b\"\n}", "the key 'id' twice in one object (again at line 4, column 3)"),
                json("wrong field type", "/resources", "{\"change\": \"update\", \"id\": \"web\", \"params\": \"x=1\"}",
                        "the value of 'params' must be a JSON object"),
                json("boolean as a string", "/resources", "{\"change\": \"set-meta\", \"id\": \"web\", \"enabled\":"
                        + " [true]}", "the value of 'enabled' must be true or false"),
                json("unknown key", "/resources", "{\"change\": \"delete\", \"id\": \"web\", \"force\": true}",
                        "the key 'force' is not known; the keys here are id"),
                json("trailing garbage", "/resources", "{\"change\": \"delete\", \"id\": \"web\"} {}",
                        "the request body has more after its JSON value"),
                json("properties: malformed", "/properties", "{\"migration-threshold\": 3", "not valid JSON"),
                json("properties: duplicate key", "/properties", "{\"migration-threshold\": \"3\",\n"
                        + "\"migration-threshold\": \"4\"}", "the key 'migration-threshold' twice in one object"
                        + " (again at line 2, column 1)"),
                json("properties: an array", "/properties", "[1, 2]", "the request body is not a JSON object"),
                json("properties: nested value", "/properties", "{\"migration-threshold\": {\"x\": 1}}",
                        "the value of 'migration-threshold' is an object"),
                json("properties: unknown property", "/properties", "{\"no-such-property\": \"1\"}",
                        "no-such-property"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRequests")
    void isRefusedWithASentenceAndChangesNothing(String name, String head, byte[] body, int status, String sentence)
            throws IOException {
        Cib before = store.read(READ_TIMEOUT);
        int logBefore = LOG.size();

        RawHttp.Answer answer = RawHttp.exchange(port, head, body, ANSWER_WITHIN);
        System.out.println(name + " -> " + answer.status() + " in " + answer.took().toMillis() + " ms: "
                + answer.body().strip());

        assertEquals(status, answer.status(), name + ": " + answer);
        assertTrue(answer.body().contains(sentence), name + ": expected '" + sentence + "' in " + answer);
        assertTrue(answer.head().contains("Content-Type: application/json"), name + ": " + answer.head());
        assertNoInternals(name + ": the answer", answer.body());
        assertNoInternals(name + ": the log", LOG.toString(StandardCharsets.UTF_8).substring(logBefore));
        Cib after = store.read(READ_TIMEOUT);
        assertEquals(before.epoch(), after.epoch(), name + ": the CIB changed");
        assertEquals(before, after, name + ": the CIB changed");
    }

    @Test
    void wellFormedChangesFromTheClientStillApply() {
        ApiClient client = new ApiClient(List.of(URI.create("http://127.0.0.1:" + port)));
        long epoch = store.read(READ_TIMEOUT).configEpoch();

        client.changeResources(new ResourceEdit.Create("web-ip", "IPaddr2", Map.of("ip", "198.18.0.61",
                "cidr_netmask", "24"), List.of(new Operation("monitor", 10_000, 20_000, OnFail.RESTART, null)), 3, null, true));
        client.setProperties(Map.of("migration-threshold", "5"));

        Cib after = store.read(READ_TIMEOUT);
        assertTrue(after.resources().exists("web-ip"), "the resource was created: " + after.resources());
        assertEquals(epoch + 2, after.configEpoch(), "two changes, two configuration epochs");
    }

    @Test
    void headOnAnyPathAnswersWithoutWarning() throws IOException {
        int logBefore = LOG.size();
        for (String path : new String[] {"/status", "/cib", "/nothing-here", "/primary", "/liveness"}) {
            RawHttp.Answer answer = RawHttp.exchange(port, "HEAD " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Connection: close\r\n\r\n", new byte[0], ANSWER_WITHIN);
            assertTrue(answer.status() >= 200 && answer.status() < 600, "HEAD " + path + ": " + answer);
            assertEquals("", answer.body(), "HEAD " + path + " gets no body: " + answer);
        }
        String log = LOG.toString(StandardCharsets.UTF_8).substring(logBefore);
        assertFalse(log.contains("WARN"), "HEAD requests must not log warnings: " + log);
    }

    private static void assertNoInternals(String what, String text) {
        for (String internal : new String[] {"\tat ", "Exception", "com.fasterxml", "io.pgpacer.", "org.eclipse",
                "jetty", "Jetty"}) {
            assertFalse(text.contains(internal), what + " shows '" + internal + "': " + text);
        }
    }

    // Keeps the log on stderr as it was, and a copy to search.
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException {
            first.write(b);
            synchronized (second) {
                second.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            first.write(b, off, len);
            synchronized (second) {
                second.write(b, off, len);
            }
        }
    }
}
