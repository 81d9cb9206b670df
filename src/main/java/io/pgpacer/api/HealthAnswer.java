package io.pgpacer.api;

import java.util.Map;

/**
 * A health check's answer: the HTTP status (200 yes, 503 no, 400 bad query) and the document to send with a
 * {@code GET}; {@code HEAD} and {@code OPTIONS} send the status alone.
 *
 * @param health the node's health document; null for a bad request
 * @param error what was wrong with the request; null otherwise
 */
public record HealthAnswer(int status, NodeHealth health, String error) {

    public static final int OK = 200;
    public static final int BAD_REQUEST = 400;
    public static final int UNAVAILABLE = 503;

    static HealthAnswer of(boolean healthy, NodeHealth health) {
        return new HealthAnswer(healthy ? OK : UNAVAILABLE, health, null);
    }

    static HealthAnswer badRequest(String error) {
        return new HealthAnswer(BAD_REQUEST, null, error);
    }

    /** The response body: the health document, or {@code {"error": ...}} like the API's other errors. */
    public Object body() {
        return error == null ? health : Map.of("error", error);
    }
}
