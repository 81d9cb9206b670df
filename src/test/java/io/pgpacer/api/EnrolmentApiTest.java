package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpacer.enrol.EnrolmentCrypto;
import io.pgpacer.enrol.EnrolmentHost;
import io.pgpacer.enrol.HostFiles;
import io.pgpacer.enrol.HostKey;
import io.pgpacer.testkit.RawHttp;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An unconfigured agent's enrolment API over HTTP: its answers, the main API's limits, and its refusals. */
class EnrolmentApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path etc;

    private HttpResponse<String> send(int port, String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersEnrolmentOnlyWithinTheMainApisLimitsAndRefusesWithOneSentence() throws Exception {
        HostFiles files = new HostFiles(etc);
        SecureRandom random = new SecureRandom();
        files.writeHostKey(HostKey.create("correct horse".toCharArray(), 1000, random));
        EnrolmentHost host = new EnrolmentHost(files, etc.resolve("pgpacer.yaml"), null, "pgpacer test",
                System::currentTimeMillis, random);
        try (EnrolmentApi api = new EnrolmentApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), host)) {
            api.start();
            int port = api.port();

            JsonNode status = JSON.readTree(send(port, "GET", "/enrol", null).body());
            assertEquals("unconfigured", status.path("state").asText());
            assertEquals("pgpacer test", status.path("version").asText());
            assertTrue(status.path("secret").asBoolean());
            assertFalse(status.path("authorized").asBoolean());

            HttpResponse<String> unknown = send(port, "GET", "/status", null);
            assertEquals(404, unknown.statusCode());
            assertTrue(JSON.readTree(unknown.body()).path("error").asText().contains("answers only /enrol"));

            // why a raw socket: the server answers 413 and closes while a client still sends; HttpClient then often
            // reports the reset instead of the answer
            byte[] tooLargeBody = "x".repeat(ApiServer.MAX_BODY_BYTES + 1).getBytes(StandardCharsets.US_ASCII);
            RawHttp.Answer tooLarge = RawHttp.exchange(port, "POST /enrol/prove HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + tooLargeBody.length + "\r\n\r\n",
                    tooLargeBody, Duration.ofSeconds(10));
            assertEquals(413, tooLarge.status(), tooLarge.toString());

            HttpResponse<String> unauthenticated = send(port, "POST", "/enrol/config?node=n1", "cluster: c\n");
            assertEquals(401, unauthenticated.statusCode());
            assertFalse(Files.exists(etc.resolve("pgpacer.yaml")));

            // a wrong proof five times, then even a well-formed attempt waits
            for (int i = 0; i <= 5; i++) {
                JsonNode challenge = JSON.readTree(send(port, "POST", "/enrol/challenge", null).body());
                byte[] nonce = EnrolmentCrypto.nonce(random);
                HttpResponse<String> proof = send(port, "POST", "/enrol/prove", JSON.writeValueAsString(Map.of(
                        "host-nonce", challenge.path("host-nonce").asText(),
                        "client-nonce", Base64.getEncoder().encodeToString(nonce),
                        "client-proof", Base64.getEncoder().encodeToString(nonce))));
                assertEquals(i < 5 ? 401 : 429, proof.statusCode(), "attempt " + (i + 1) + ": " + proof.body());
                assertEquals(1, JSON.readTree(proof.body()).size(), "one sentence: " + proof.body());
            }
        }
    }
}
