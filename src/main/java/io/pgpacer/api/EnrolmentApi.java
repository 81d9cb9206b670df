package io.pgpacer.api;

import io.pgpacer.api.security.ApiSecurity;
import io.pgpacer.enrol.EnrolmentHost;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The only API of an agent that has no configuration yet: enrolment, over plain HTTP with the main API's limits
 * ({@link ApiServer}). {@code GET /enrol} and the challenge-response of {@code pgpacer host auth} are open (the
 * exchange authenticates itself); {@code POST /enrol/config} needs a MAC made with the API token that exchange
 * delivered, over one of the host's challenges, so that the token never crosses the network.
 */
public final class EnrolmentApi implements AutoCloseable {

    static final List<String> BODY_PATHS = List.of("/enrol/prove", "/enrol/secrets", "/enrol/config");

    private final ApiServer server;

    /** Binds {@code bind} now; serves from {@link #start()}. */
    public EnrolmentApi(InetSocketAddress bind, EnrolmentHost host) throws IOException {
        this.server = new ApiServer(bind, ApiSecurity.defaults(), new ApiServer.Routes() {
            @Override
            public boolean admit(ApiExchange exchange) {
                return true;
            }

            @Override
            public boolean takesBody(ApiExchange exchange) {
                return exchange.method().equals("POST") && BODY_PATHS.contains(exchange.path());
            }

            @Override
            public boolean waitsForStore(ApiExchange exchange) {
                return false;
            }

            @Override
            public void route(ApiExchange exchange) {
                if (!answer(host, exchange)) {
                    exchange.send(404, ApiExchange.error("no such endpoint on an unconfigured agent: "
                            + exchange.method() + " " + exchange.path() + "; it answers only /enrol until"
                            + " 'pgpacer cluster setup --deliver' gives it a configuration"));
                }
            }
        });
    }

    public void start() {
        server.start();
    }

    /** The port bound. */
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
    }

    /**
     * Answers an {@code /enrol} request and returns true, or returns false when the request is not one. On a
     * configured agent only {@code GET /enrol} and {@code POST /enrol/config} are answered; the main API admitted
     * the latter with its token already.
     */
    static boolean answer(EnrolmentHost host, ApiExchange exchange, boolean configured) {
        String method = exchange.method();
        String path = exchange.path();
        Map<String, String> query = query(exchange.rawQuery());
        EnrolmentHost.Answer answer;
        if (method.equals("GET") && path.equals("/enrol")) {
            answer = host.status(query.get("token-sha256"));
        } else if (method.equals("POST") && path.equals("/enrol/config")) {
            boolean force = "yes".equals(query.get("force"));
            // why a MAC and not the bearer token: an unconfigured host speaks plain HTTP, where a token would show.
            if (!configured && !host.deliveryAuthenticated(query.get("host-nonce"),
                    query.get("mac"), query.get("node"), force, exchange.body())) {
                answer = new EnrolmentHost.Answer(401, Map.of("error", "the delivery is not authenticated: send a"
                        + " fresh host-nonce from POST /enrol/challenge and a mac made with the API"
                        + " token 'pgpacer host auth' delivered (pgpacer cluster setup --deliver does)"));
            } else {
                answer = host.configure(query.get("node"), exchange.body(), force);
            }
        } else if (configured) {
            return false;
        } else if (method.equals("POST") && path.equals("/enrol/challenge")) {
            answer = host.challenge();
        } else if (method.equals("POST") && path.equals("/enrol/prove")) {
            answer = host.prove(source(exchange), exchange.body());
        } else if (method.equals("POST") && path.equals("/enrol/secrets")) {
            answer = host.storeSecrets(exchange.body());
        } else {
            return false;
        }
        exchange.send(answer.status(), answer.body());
        return true;
    }

    private static boolean answer(EnrolmentHost host, ApiExchange exchange) {
        return answer(host, exchange, false);
    }

    private static String source(ApiExchange exchange) {
        return exchange.request().getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress a
                ? a.getAddress().getHostAddress() : "an unknown address";
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> values = new HashMap<>();
        if (raw == null) {
            return values;
        }
        for (String pair : raw.split("&")) {
            String[] kv = pair.split("=", 2);
            values.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return values;
    }
}
