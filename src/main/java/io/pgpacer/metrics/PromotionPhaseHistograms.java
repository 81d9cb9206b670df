package io.pgpacer.metrics;

import io.pgpacer.core.cib.PromotionRecord;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * The phases of each change of primary to this node, as histograms: observed as its agent records them, once the new
 * primary made its first write. Only the new primary observes a change, so a sum over the agents counts each once.
 */
final class PromotionPhaseHistograms {

    /** Upper bounds, in seconds: milliseconds for one step, up to a lease time and beyond for a detection. */
    private static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final String self;
    private final Histogram phases;
    private final Histogram total;

    PromotionPhaseHistograms(String self, PrometheusRegistry registry) {
        this.self = self;
        this.phases = Histogram.builder().name("pgpacer_promotion_phase_seconds")
                .help("How long each phase of a change of primary to this node took, by its agent's monotonic clock:"
                        + " detection (the old primary's last lease renewal or failure report to its loss), handover"
                        + " (a switchover begun to the lease handed over), decision (to the new primary's goal),"
                        + " lease (to the lease held), promote (to PostgreSQL's new timeline confirmed), vip (to the"
                        + " writer VIP added), first_write (to the first write probe committed)."
                        + " See 'pgpacer history'.")
                .unit(Unit.SECONDS).labelNames("node", "reason", "phase").classicOnly().classicUpperBounds(BUCKETS)
                .register(registry);
        this.total = Histogram.builder().name("pgpacer_promotion_duration_seconds")
                .help("How long each change of primary to this node took, from the start of the first phase observed"
                        + " to its first write, by its agent's monotonic clock: the sum of its phases.")
                .unit(Unit.SECONDS).labelNames("node", "reason").classicOnly().classicUpperBounds(BUCKETS)
                .register(registry);
    }

    /** Observes the phases of {@code entry}; an entry without phases is not observed. */
    void observe(PromotionRecord entry) {
        if (entry.phases() == null) {
            return;
        }
        String reason = AgentCollector.reasonLabel(entry.reason());
        entry.phases().times().forEach(t -> phases.labelValues(self, reason, t.phase().label())
                .observe(Unit.millisToSeconds(t.millis())));
        total.labelValues(self, reason).observe(Unit.millisToSeconds(entry.phases().totalMillis()));
    }
}
