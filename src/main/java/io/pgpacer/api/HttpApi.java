package io.pgpacer.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pgpacer.agent.Agent;
import io.pgpacer.agent.EventFeed;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand.CleanupFailures;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.store.CibJson;
import io.pgpacer.store.ClusterStore;
import io.pgpacer.store.StoreUnavailableException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's REST API: cluster status, the CIB, recent events, health, and operator commands. Any agent
 * answers for the whole cluster; reads go through the store's majority when it can be reached, and say so.
 */
public final class HttpApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final Duration READ_TIMEOUT = Duration.ofMillis(700);

    private final String self;
    private final ClusterStore store;
    private final Agent agent;
    private final EventFeed events;
    private final HttpServer server;
    private final ExecutorService pool;
    private final ObjectMapper json = CibJson.mapper();

    public HttpApi(String self, InetSocketAddress bind, ClusterStore store, Agent agent, EventFeed events)
            throws IOException {
        this.self = self;
        this.store = store;
        this.agent = agent;
        this.events = events;
        this.server = HttpServer.create(bind, 16);
        this.pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "pgpacer-api");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::route);
    }

    public void start() {
        server.start();
    }

    private void route(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            if (method.equals("GET") && path.equals("/status")) {
                send(exchange, 200, status());
            } else if (method.equals("GET") && path.equals("/cib")) {
                send(exchange, 200, cib().cib());
            } else if (method.equals("GET") && path.equals("/events")) {
                send(exchange, 200, events.recent());
            } else if (method.equals("GET") && (path.equals("/health") || path.equals("/liveness"))) {
                send(exchange, 200, Map.of("node", self, "status", "running"));
            } else if (method.equals("POST") && path.equals("/resource/cleanup")) {
                cleanup(exchange, query.get("node"));
            } else {
                send(exchange, 404, error("no such endpoint: " + method + " " + path
                        + " (GET /status, /cib, /events, /health; POST /resource/cleanup[?node=NAME])"));
            }
        } catch (StoreUnavailableException e) {
            send(exchange, 503, error("the cluster store has no majority: " + e.getMessage()));
        } catch (RuntimeException e) {
            LOG.warn("API request failed", e);
            send(exchange, 500, error(e.toString()));
        }
    }

    /** The CIB, and whether it was read through a majority. */
    private record CibRead(Cib cib, boolean quorum) {
    }

    private CibRead cib() {
        try {
            return new CibRead(store.read(READ_TIMEOUT), true);
        } catch (StoreUnavailableException e) {
            return new CibRead(store.localCopy(), false);
        }
    }

    private ClusterStatus status() {
        CibRead read = cib();
        return ClusterStatus.of(read.cib(), agent::online, store.leader().orElse(null), read.quorum(), self,
                Instant.now().toString());
    }

    private void cleanup(HttpExchange exchange, String node) throws IOException {
        Cib cib = store.localCopy();
        if (node != null && cib.node(node).isEmpty()) {
            send(exchange, 404, error("unknown node '" + node + "'; configured nodes are "
                    + cib.nodes().stream().map(n -> n.name()).toList()));
            return;
        }
        CommandResult result = store.submit(new CleanupFailures(node), Duration.ofSeconds(3));
        send(exchange, result.applied() ? 200 : 409, result);
    }

    private static Map<String, String> error(String message) {
        return Map.of("error", message);
    }

    private void send(HttpExchange exchange, int code, Object body) throws IOException {
        byte[] bytes = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(key, value);
        }
        return params;
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
