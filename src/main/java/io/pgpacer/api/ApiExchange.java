package io.pgpacer.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.pgpacer.store.CibJson;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One API request and its answer: the request's head, its body once {@link ApiServer} has read it whole, and the
 * answer, sent once, without blocking (a client that does not read its answer holds no thread).
 */
final class ApiExchange {

    private static final ObjectWriter JSON = CibJson.mapper().writerWithDefaultPrettyPrinter();
    private static final byte[] NO_BODY = new byte[0];

    private final Request request;
    private final Response response;
    private final Callback callback;
    private final AtomicBoolean answered = new AtomicBoolean();
    private byte[] body = NO_BODY;

    ApiExchange(Request request, Response response, Callback callback) {
        this.request = request;
        this.response = response;
        this.callback = callback;
    }

    Request request() {
        return request;
    }

    String method() {
        return request.getMethod();
    }

    /** The decoded path, e.g. {@code /cib/config}. */
    String path() {
        return request.getHttpURI().getDecodedPath();
    }

    /** The query as sent (still URL-encoded), or null. */
    String rawQuery() {
        return request.getHttpURI().getQuery();
    }

    /** The body, empty until {@link ApiServer} has read it, and when there is none. */
    byte[] body() {
        return body;
    }

    void body(byte[] bytes) {
        this.body = bytes;
    }

    void setHeader(String name, String value) {
        response.getHeaders().put(name, value);
    }

    boolean answered() {
        return answered.get();
    }

    /** Answers {@code body} as JSON (without the body for HEAD). */
    void send(int status, Object body) {
        send(status, "application/json", json(body));
    }

    /** {@code body} as the API writes JSON. */
    static byte[] json(Object body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            // why: every answer is a record, a map or a list of plain values.
            throw new IllegalStateException("cannot write the answer as JSON", e);
        }
    }

    /** Answers the status and headers alone. */
    void sendStatus(int status) {
        send(status, null, NO_BODY);
    }

    /** Answers {@code bytes} of {@code contentType} (without the body for HEAD). */
    void send(int status, String contentType, byte[] bytes) {
        if (!answered.compareAndSet(false, true)) {
            return;
        }
        response.setStatus(status);
        if (contentType != null) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        }
        // why: HEAD gets the length GET would have, and no body; Jetty counts the body of every other answer.
        boolean head = HttpMethod.HEAD.is(request.getMethod());
        if (head && bytes.length > 0) {
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        }
        response.write(true, head || bytes.length == 0 ? null : ByteBuffer.wrap(bytes), callback);
    }

    /** Ends the exchange without an answer: the client went away or broke the connection. */
    void abandon(Throwable cause) {
        if (answered.compareAndSet(false, true)) {
            callback.failed(cause);
        }
    }

    static Map<String, String> error(String message) {
        return Map.of("error", message);
    }
}
