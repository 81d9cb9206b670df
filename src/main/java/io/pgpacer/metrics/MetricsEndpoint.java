package io.pgpacer.metrics;

import com.sun.net.httpserver.HttpExchange;
import io.pgpacer.agent.Agent;
import io.pgpacer.store.ClusterStore;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.util.Optional;

/**
 * {@code GET /metrics} of one agent: a registry of its own (never the JVM-wide default) holding the
 * {@link AgentCollector}, which reads the agent at scrape time, and the one metric that must be recorded as
 * it happens, the duration of each look at PostgreSQL. The Prometheus client answers the request, in the
 * text format or OpenMetrics as the scraper asks.
 */
public final class MetricsEndpoint {

    /** Upper bounds, in seconds, for a look at PostgreSQL: one SQL round trip, given up after 1 s. */
    private static final double[] OBSERVE_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
            2.5};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final MetricsHandler handler = new MetricsHandler(registry);

    /** Registers this agent's metrics and starts timing its failovers from the next CIB the store applies. */
    public MetricsEndpoint(String self, ClusterStore store, Agent agent) {
        FailoverTimer failovers = new FailoverTimer(() -> System.nanoTime() / 1_000_000);
        store.onApplied(failovers::record);
        registry.register(new AgentCollector(() -> {
            Optional<Agent.LocalObservation> latest = agent.latestObservation();
            return new AgentFacts(self, agent.witness(), latest.map(Agent.LocalObservation::report).orElse(null),
                    latest.map(Agent.LocalObservation::observed).orElse(null),
                    latest.map(Agent.LocalObservation::ageMillis).orElse(0L), agent.leaseRemainingMillis(),
                    store.info(), store.localCopy(), failovers.last().orElse(null), agent.commitGuard());
        }));
        if (!agent.witness()) {
            Histogram observe = Histogram.builder().name("pgpacer_postgres_observe_duration_seconds")
                    .help("How long each look of the agent at its PostgreSQL took (one SQL round trip on a cached"
                            + " connection, or the failed attempt).")
                    .unit(Unit.SECONDS).labelNames("node").classicOnly().classicUpperBounds(OBSERVE_BUCKETS)
                    .register(registry);
            agent.onObserveTimed(nanos -> observe.labelValues(self).observe(Unit.nanosToSeconds(nanos)));
        }
    }

    /** Answers one scrape. */
    public void handle(HttpExchange exchange) throws IOException {
        handler.handle(exchange);
    }
}
