package io.pgpacer.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpacer.agent.FailsafePeers;
import io.pgpacer.api.security.ApiCredentials;
import io.pgpacer.store.CibJson;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The primary's side of failsafe: {@code POST /failsafe?primary=NODE&generation=G} to every other member's API
 * at once, with the agents' shared token or this node's client certificate (a failsafe ping is a command).
 * Only a 200 answer with {@code "confirmed": true} counts.
 */
public final class FailsafeClient implements FailsafePeers {

    private final Map<String, URI> members;
    private final ApiCredentials credentials;
    private final HttpClient http;
    private final ObjectMapper json = CibJson.mapper();

    /** @param members every other member's name and API base address */
    public FailsafeClient(Map<String, URI> members, ApiCredentials credentials) {
        this.members = new LinkedHashMap<>(members);
        this.credentials = credentials;
        this.http = httpClient(credentials, Duration.ofSeconds(1));
    }

    /** An HTTP client of the agents' API that trusts what {@code credentials} say. */
    private static HttpClient httpClient(ApiCredentials credentials, Duration connectTimeout) {
        // why HTTP/1.1: the default first tries an h2c upgrade, which the agents' JDK server does not speak.
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout);
        if (credentials.tls() != null) {
            builder.sslContext(credentials.tls());
        }
        return builder.build();
    }

    @Override
    public Round confirm(String primary, long generation, Duration timeout) {
        if (members.isEmpty()) {
            return new Round(false, "no other member to ask");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, CompletableFuture<String>> answers = new LinkedHashMap<>();
        String query = "/failsafe?primary=" + URLEncoder.encode(primary, StandardCharsets.UTF_8)
                + "&generation=" + generation;
        members.forEach((name, api) -> {
            HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(query)).timeout(timeout)
                    .POST(HttpRequest.BodyPublishers.noBody());
            if (credentials.token() != null) {
                request.header("Authorization", credentials.token().authorizationHeader());
            }
            answers.put(name, http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                    .handle((response, error) -> refusal(response, error)));
        });
        List<String> refusals = new ArrayList<>();
        for (Map.Entry<String, CompletableFuture<String>> answer : answers.entrySet()) {
            String refusal;
            try {
                refusal = answer.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                answer.getValue().cancel(true);
                refusal = "no answer within " + timeout.toMillis() + " ms";
            } catch (ExecutionException e) {
                refusal = String.valueOf(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Round(false, "interrupted");
            }
            if (refusal != null) {
                refusals.add(answer.getKey() + ": " + refusal);
            }
        }
        return refusals.isEmpty() ? new Round(true, "every member confirmed: " + members.keySet())
                : new Round(false, String.join("; ", refusals));
    }

    @Override
    public void warmUp() {
        members.values().forEach(api -> http.sendAsync(HttpRequest.newBuilder(api.resolve("/liveness"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding()));
    }

    // null when the member confirmed, else why not.
    private String refusal(HttpResponse<String> response, Throwable error) {
        if (error != null) {
            Throwable cause = error.getCause() != null ? error.getCause() : error;
            return "unreachable (" + (cause.getMessage() == null ? cause.getClass().getSimpleName()
                    : cause.getMessage()) + ")";
        }
        JsonNode body;
        try {
            body = json.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (response.statusCode() == 200 && body != null && body.path("confirmed").asBoolean(false)) {
            return null;
        }
        String reason = body == null ? response.body() : body.has("reason") ? body.get("reason").asText()
                : body.has("error") ? body.get("error").asText() : response.body();
        return "HTTP " + response.statusCode() + ": " + reason;
    }
}
