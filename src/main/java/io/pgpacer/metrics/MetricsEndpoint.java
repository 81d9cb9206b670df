package io.pgpacer.metrics;

import io.pgpacer.agent.LocalAgent;
import io.pgpacer.store.ClusterStore;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

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

    /** Upper bounds, in seconds, for a write probe's commit: milliseconds when healthy, seconds when disks stall. */
    private static final double[] PROBE_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
            2.5, 5, 10};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusScrapeHandler handler = new PrometheusScrapeHandler(registry);
    private final FailoverTimer failovers = new FailoverTimer(() -> System.nanoTime() / 1_000_000);

    /** A scrape's answer, to be sent as it is: status, headers (the content type the scraper asked for), body. */
    public record Scrape(int status, Map<String, String> headers, byte[] body) {
    }

    /** Registers this agent's metrics and starts timing its failovers from the next CIB the store applies. */
    public MetricsEndpoint(String self, ClusterStore store, LocalAgent agent) {
        store.onApplied(failovers::record);
        registry.register(new AgentCollector(() -> {
            Optional<LocalAgent.LocalObservation> latest = agent.latestObservation();
            return new AgentFacts(self, agent.witness(), latest.map(LocalAgent.LocalObservation::report).orElse(null),
                    latest.map(LocalAgent.LocalObservation::observed).orElse(null),
                    latest.map(LocalAgent.LocalObservation::ageMillis).orElse(0L), agent.leaseRemainingMillis(),
                    store.info(), store.localCopy(), failovers.last().orElse(null), agent.commitGuard());
        }));
        if (!agent.witness()) {
            Histogram observe = Histogram.builder().name("pgpacer_postgres_observe_duration_seconds")
                    .help("How long each look of the agent at its PostgreSQL took (one SQL round trip on a cached"
                            + " connection, or the failed attempt).")
                    .unit(Unit.SECONDS).labelNames("node").classicOnly().classicUpperBounds(OBSERVE_BUCKETS)
                    .register(registry);
            agent.onObserveTimed(nanos -> observe.labelValues(self).observe(Unit.nanosToSeconds(nanos)));
            registerWriteProbe(self, agent);
            agent.onPromotionTimed(new PromotionPhaseHistograms(self, registry)::observe);
        }
    }

    // The write probe's metrics: its latency as it happens, its failures and the current gray failure at scrape time.
    private void registerWriteProbe(String self, LocalAgent agent) {
        Histogram latency = Histogram.builder().name("pgpacer_write_probe_duration_seconds")
                .help("How long each committed write probe took on the primary: one row written and committed with"
                        + " synchronous_commit = local, over a new connection (the connection not counted).")
                .unit(Unit.SECONDS).labelNames("node").classicOnly().classicUpperBounds(PROBE_BUCKETS)
                .register(registry);
        agent.onWriteProbeCommitted(nanos -> latency.labelValues(self).observe(Unit.nanosToSeconds(nanos)));
        CounterWithCallback.builder().name("pgpacer_gray_failures")
                .help("Gray failures this agent counted since it started, by kind: commit_timed_out and commit_failed"
                        + " (the primary's write probe), replication_stalled (a standby's WAL receipt).")
                .labelNames("node", "kind")
                .callback(callback -> agent.grayFailureCounts().forEach((kind, count) -> callback.call(count, self,
                        kind)))
                .register(registry);
        GaugeWithCallback.builder().name("pgpacer_gray_failure")
                .help("1 while this node's latest gray failure stands (it has not run healthy since), else 0.")
                .labelNames("node")
                .callback(callback -> callback.call(agent.grayFailure().isPresent() ? 1 : 0, self))
                .register(registry);
    }

    /** The last changes of primary this agent timed from end to end (failovers, switchovers), oldest first. */
    public List<FailoverTimer.TimedPromotion> timedPromotions() {
        return failovers.recent();
    }

    /**
     * Answers one scrape.
     *
     * @param rawQuery the query as sent (e.g. {@code name[]=...}), or null
     * @param headers the request's values of a header name ({@code Accept} chooses the format)
     */
    public Scrape scrape(String method, String path, String rawQuery,
            Function<String, List<String>> headers) {
        Answer answer = new Answer();
        PrometheusHttpRequest request = new PrometheusHttpRequest() {
            @Override
            public String getQueryString() {
                return rawQuery;
            }

            @Override
            public Enumeration<String> getHeaders(String name) {
                return Collections.enumeration(headers.apply(name));
            }

            @Override
            public String getMethod() {
                return method;
            }

            @Override
            public String getRequestPath() {
                return path;
            }
        };
        try {
            handler.handleRequest(new PrometheusHttpExchange() {
                @Override
                public PrometheusHttpRequest getRequest() {
                    return request;
                }

                @Override
                public PrometheusHttpResponse getResponse() {
                    return answer;
                }

                @Override
                public void handleException(IOException e) throws IOException {
                    throw e;
                }

                @Override
                public void handleException(RuntimeException e) {
                    throw e;
                }

                @Override
                public void close() {
                }
            });
        } catch (IOException e) {
            // why: the exposition is written to memory, which does not fail with an IOException.
            throw new UncheckedIOException(e);
        }
        return new Scrape(answer.status, answer.headers, answer.body.toByteArray());
    }

    // Collects the answer in memory, so that the server sends it without a thread waiting on a slow scraper.
    private static final class Answer implements PrometheusHttpResponse {
        private final Map<String, String> headers = new LinkedHashMap<>();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private int status = 500;

        @Override
        public void setHeader(String name, String value) {
            headers.put(name, value);
        }

        @Override
        public OutputStream sendHeadersAndGetBody(int statusCode, int contentLength) {
            status = statusCode;
            return body;
        }
    }
}
