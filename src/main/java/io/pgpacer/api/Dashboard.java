package io.pgpacer.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.pgpacer.api.security.AccessPolicy.Verdict;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.metrics.AgentCollector;
import io.pgpacer.metrics.FailoverTimer.TimedPromotion;
import io.pgpacer.postgres.PgObservation;
import io.pgpacer.postgres.ReplicaRow;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The web dashboard every agent serves at {@code /dashboard}: three static files (HTML, JavaScript, CSS) that poll
 * the API's JSON endpoints and send its commands with the token the operator types in. The files hold no cluster
 * data and no secret, so they are served to anyone; what the page shows and does passes the API's own checks. Two
 * small reads exist for the page alone: whether this caller may send commands, and what only this agent knows (the
 * lag in seconds of its standbys when it runs the primary, and the changes of primary it timed).
 */
final class Dashboard {

    /**
     * Where the page is: {@code http://HOST:API-PORT/dashboard}. Not {@code /}: that is Patroni's primary health check,
     * which HAProxy's bare {@code option httpchk} probes.
     */
    static final String PATH = "/dashboard";
    /** Whether the caller (with the Authorization header it sent, if any) may send commands. */
    static final String ACCESS_PATH = "/dashboard/access";
    /** What only this agent knows: its standbys' lag in seconds, the changes of primary it timed. */
    static final String LOCAL_PATH = "/dashboard/local";

    private static final String RESOURCES = "/io/pgpacer/api/dashboard/";
    // why so strict: the page runs commands with the operator's token, so no other site may frame it or feed it.
    private static final Map<String, String> HEADERS = Map.of(
            "Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
                    + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
            "X-Frame-Options", "DENY",
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            "Cache-Control", "no-cache");

    private record Asset(String contentType, byte[] bytes) {
    }

    private final Map<String, Asset> assets;

    /** @throws IllegalStateException when a file of the page is missing from the build (a broken jar) */
    Dashboard() {
        Asset page = asset("index.html", "text/html; charset=utf-8");
        this.assets = Map.of(PATH, page, PATH + "/", page,
                PATH + "/dashboard.js", asset("dashboard.js", "text/javascript; charset=utf-8"),
                PATH + "/dashboard.css", asset("dashboard.css", "text/css; charset=utf-8"));
    }

    /** Whether the request asks for a file of the page (GET or HEAD). */
    boolean servesFile(String method, String path) {
        return (method.equals("GET") || method.equals("HEAD")) && assets.containsKey(path);
    }

    void sendFile(ApiExchange exchange) {
        Asset asset = assets.get(exchange.path());
        HEADERS.forEach(exchange::setHeader);
        exchange.send(200, asset.contentType(), asset.bytes());
    }

    /**
     * The answer of {@value #ACCESS_PATH}.
     *
     * @param commands the verdict the API would give this request were it a command
     * @param reason null when admitted, else the API's refusal (never what the caller sent)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Access(boolean commands, String reason) {

        static Access of(Verdict commands) {
            return new Access(commands.admitted(), commands.admitted() ? null : commands.message());
        }
    }

    /**
     * One standby as the primary's {@code pg_stat_replication} shows it.
     *
     * @param replayLagBytes WAL the primary wrote that the standby has not replayed; null when it replayed none yet
     * @param replayLagSeconds PostgreSQL's {@code replay_lag}, 0 when caught up, null when not measured yet
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record StandbyLag(String standby, String state, String syncState, Long replayLagBytes, Double replayLagSeconds) {
    }

    /**
     * The answer of {@value #LOCAL_PATH}.
     *
     * @param replication this agent's standbys when its PostgreSQL is the primary, else empty
     * @param timedPromotions the changes of primary this agent saw from end to end, oldest first
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Local(String node, List<StandbyLag> replication, List<TimedPromotion> timedPromotions) {
    }

    /** @param observed this agent's last look at its PostgreSQL, or null (a witness, or not looked yet) */
    static Local local(String node, PgObservation observed, List<TimedPromotion> timed) {
        List<StandbyLag> lags = observed == null || !observed.reachable() || observed.inRecovery() ? List.of()
                : observed.replicas().stream().map(row -> lag(observed.currentLsn(), row)).toList();
        return new Local(node, lags, timed);
    }

    private static StandbyLag lag(Lsn current, ReplicaRow row) {
        OptionalDouble seconds = AgentCollector.lagSeconds(row.replayLag(), row.replayLsn(), row.sentLsn());
        Long behind = row.replayLsn().equals(Lsn.ZERO) ? null : Math.max(0, current.value() - row.replayLsn().value());
        return new StandbyLag(row.applicationName(), row.state(), row.syncState(), behind,
                seconds.isPresent() ? seconds.getAsDouble() : null);
    }

    private static Asset asset(String name, String contentType) {
        try (InputStream in = Dashboard.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard's " + name + " is missing from the build (resource "
                        + RESOURCES + name + "); rebuild pgpacer with 'mvn package'");
            }
            return new Asset(contentType, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboard's " + name, e);
        }
    }
}
