package io.pgpacer.api;

import io.pgpacer.api.security.ApiSecurity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's HTTP server (Jetty), set up so that no client can keep the agent from answering. Requests are parsed
 * without holding a thread: a half-sent request costs its socket alone, until {@link #IDLE_TIMEOUT} closes it (or
 * {@link #REQUEST_DEADLINE}, when it trickles in). The
 * request line and headers are bounded ({@link #MAX_HEADER_BYTES}, else 414 or 431), the body too ({@link
 * #MAX_BODY_BYTES}, else 413), and the body is also read without a thread; one that stops arriving gets 400. Requests
 * that wait for the store run on a small lane of their own, refused with 503 when it is full, so health checks and
 * failsafe pings never queue behind them. Every refusal is one JSON sentence, never an error page.
 */
final class ApiServer implements AutoCloseable {

    /** The largest request body read: 1 MiB (a CIB document of hundreds of resources is a few dozen KiB). */
    static final int MAX_BODY_BYTES = 1 << 20;
    /** The largest body read (and ignored) for a request that takes none: only the few that do may cost 1 MiB. */
    static final int MAX_IGNORED_BODY_BYTES = 4 << 10;
    /** The request line and headers together: 8 KiB. */
    static final int MAX_HEADER_BYTES = 8 << 10;
    /** A connection that sends nothing for this long is closed; a body that stops arriving this long gets 400. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(5);
    /** A request must arrive whole within this of its connection's opening or previous answer, else it is closed. */
    static final Duration REQUEST_DEADLINE = Duration.ofSeconds(10);

    // Jetty's own threads: one acceptor, one selector, and workers that only ever run complete requests.
    private static final int JETTY_THREADS = 8;
    private static final int STORE_LANE_THREADS = 2;
    private static final int STORE_LANE_QUEUE = 64;
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    /** What the API does with a request; the server reads it and hands it over. */
    interface Routes {

        /** Answers the refusal and returns false when the request may not proceed; only its head has arrived. */
        boolean admit(ApiExchange exchange) throws IOException;

        /** Whether the request takes a body (of up to {@link #MAX_BODY_BYTES}; others are ignored up to 4 KiB). */
        boolean takesBody(ApiExchange exchange);

        /** Whether answering may wait for the store's majority; such requests run on the store lane. */
        boolean waitsForStore(ApiExchange exchange);

        /** Answers the request, whose body has arrived whole. */
        void route(ApiExchange exchange) throws IOException;
    }

    private final Routes routes;
    private final Server server;
    private final ServerConnector connector;
    private final ThreadPoolExecutor storeLane;
    private final RequestDeadline requestDeadline;

    /**
     * Binds {@code bind} now (so that a port in use is reported by the caller at once); serves from {@link #start()}.
     *
     * @throws IOException when the address cannot be bound
     */
    ApiServer(InetSocketAddress bind, ApiSecurity security, Routes routes) throws IOException {
        this.routes = routes;
        QueuedThreadPool threads = new QueuedThreadPool(JETTY_THREADS, 2, (int) Duration.ofMinutes(1).toMillis());
        threads.setName("pgpacer-api");
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        this.server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(MAX_HEADER_BYTES);
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        this.connector = security.connector(server, bind, http);
        connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        server.addConnector(connector);
        this.requestDeadline = new RequestDeadline(REQUEST_DEADLINE, connector.getScheduler());
        connector.addEventListener(requestDeadline);
        server.setHandler(new Dispatcher());
        server.setErrorHandler(new Refusals());
        server.setStopTimeout(1000);
        this.storeLane = new ThreadPoolExecutor(STORE_LANE_THREADS, STORE_LANE_THREADS, 1, TimeUnit.MINUTES,
                new ArrayBlockingQueue<>(STORE_LANE_QUEUE), r -> {
                    Thread t = new Thread(r, "pgpacer-api-store");
                    t.setDaemon(true);
                    return t;
                });
        storeLane.allowCoreThreadTimeOut(true);
        connector.open();
    }

    void start() {
        try {
            server.start();
            requestDeadline.start();
        } catch (Exception e) {
            throw new IllegalStateException("the API server did not start: " + e.getMessage(), e);
        }
    }

    /** The port bound (useful when {@code bind} asked for any free port). */
    int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        requestDeadline.stop();
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("the API server did not stop cleanly: {}", e.toString());
        }
        storeLane.shutdownNow();
    }

    static String bodyTooLarge(int limit) {
        return limit == MAX_BODY_BYTES ? "the request body exceeds the API's limit of " + MAX_BODY_BYTES + " bytes"
                + " (1 MiB); send a smaller document" : "the request body exceeds " + limit + " bytes, and this"
                + " request takes no body; send it without one";
    }

    // Runs when the head of a request has arrived: admits it, then reads the body without holding a thread.
    private final class Dispatcher extends Handler.Abstract {

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            ApiExchange exchange = new ApiExchange(request, response, requestDeadline.track(request, callback));
            try {
                if (!routes.admit(exchange)) {
                    return true;
                }
            } catch (IOException | RuntimeException e) {
                fail(exchange, e);
                return true;
            }
            int limit = routes.takesBody(exchange) ? MAX_BODY_BYTES : MAX_IGNORED_BODY_BYTES;
            if (request.getLength() > limit) {
                exchange.send(413, ApiExchange.error(bodyTooLarge(limit)));
                return true;
            }
            new BodyReader(exchange, limit).run();
            return true;
        }
    }

    // Collects the body as it arrives; demand() calls it again when more has come, on a Jetty worker.
    private final class BodyReader implements Runnable {

        private final ApiExchange exchange;
        private final int limit;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        BodyReader(ApiExchange exchange, int limit) {
            this.exchange = exchange;
            this.limit = limit;
        }

        @Override
        public void run() {
            Request request = exchange.request();
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    bodyFailed(chunk.getFailure());
                    return;
                }
                ByteBuffer buffer = chunk.getByteBuffer();
                boolean last = chunk.isLast();
                if (bytes.size() + buffer.remaining() > limit) {
                    chunk.release();
                    exchange.send(413, ApiExchange.error(bodyTooLarge(limit)));
                    return;
                }
                byte[] part = new byte[buffer.remaining()];
                buffer.get(part);
                bytes.write(part, 0, part.length);
                chunk.release();
                if (last) {
                    exchange.body(bytes.toByteArray());
                    dispatch(exchange);
                    return;
                }
            }
        }

        private void bodyFailed(Throwable failure) {
            if (failure instanceof TimeoutException) {
                long announced = exchange.request().getLength();
                exchange.send(400, ApiExchange.error("the request body stopped arriving: " + bytes.size() + " of "
                        + (announced < 0 ? "its" : "the " + announced) + " bytes " + (announced < 0 ? ""
                        : "its Content-Length announced ") + "came, then nothing for " + IDLE_TIMEOUT.toSeconds()
                        + " s; send the whole body, with a Content-Length that matches it"));
            } else if (failure instanceof HttpException http) {
                exchange.send(http.getCode(), ApiExchange.error(Refusals.sentence(http.getCode(), http.getReason())));
            } else {
                // why no answer: the client closed or broke the connection, so nothing can reach it.
                exchange.abandon(failure);
            }
        }
    }

    private void dispatch(ApiExchange exchange) {
        requestDeadline.arrived(exchange.request());
        if (!routes.waitsForStore(exchange)) {
            answer(exchange);
            return;
        }
        try {
            storeLane.execute(() -> answer(exchange));
        } catch (RejectedExecutionException e) {
            exchange.send(503, ApiExchange.error("the agent is busy: " + STORE_LANE_QUEUE + " API requests already"
                    + " wait for the cluster store; retry in a moment"));
        }
    }

    private void answer(ApiExchange exchange) {
        // why: a command may wait seconds for the store while the client, rightly, sends nothing.
        exchange.request().addIdleTimeoutListener(timeout -> false);
        try {
            routes.route(exchange);
        } catch (IOException | RuntimeException e) {
            fail(exchange, e);
        }
        if (!exchange.answered()) {
            fail(exchange, new IllegalStateException("no answer for " + exchange.method() + " " + exchange.path()));
        }
    }

    private static void fail(ApiExchange exchange, Exception e) {
        LOG.warn("API request {} {} failed", exchange.method(), exchange.path(), e);
        exchange.send(500, ApiExchange.error("the agent could not answer " + exchange.method() + " "
                + exchange.path() + ": " + e.getMessage() + " (its log has the details)"));
    }

    // Jetty's refusals of requests that are not valid or too large: one JSON sentence instead of its error page.
    private static final class Refusals extends ErrorHandler {

        static String sentence(int status, String reason) {
            return switch (status) {
                case 400 -> "the request is not valid HTTP/1.1" + (reason == null || reason.isBlank() ? ""
                        : " (" + reason + ")") + "; send a well-formed request";
                case 408 -> "the request did not arrive within " + IDLE_TIMEOUT.toSeconds() + " s; send it whole";
                case 413 -> bodyTooLarge(MAX_BODY_BYTES);
                case 414 -> "the request line exceeds the API's limit of " + MAX_HEADER_BYTES + " bytes (8 KiB) for"
                        + " the request line and headers; shorten the path and query";
                case 431 -> "the request headers exceed the API's limit of " + MAX_HEADER_BYTES + " bytes (8 KiB) for"
                        + " the request line and headers; send fewer or shorter headers";
                case 500 -> "the agent could not answer this request (its log has the details)";
                case 505 -> "the request line does not end in a supported HTTP version; send HTTP/1.1 (or HTTP/1.0)";
                default -> "the request was refused: HTTP " + status + " " + HttpStatus.getMessage(status);
            };
        }

        private static byte[] json(int status, String reason) {
            return ApiExchange.json(ApiExchange.error(sentence(status, reason)));
        }

        @Override
        protected void generateResponse(Request request, Response response, int code, String message,
                Throwable cause, Callback callback) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, ByteBuffer.wrap(json(code, message)), callback);
        }
    }
}
