package io.pgpacer.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.PromotionPhases;
import io.pgpacer.core.cib.PromotionPhases.Phase;
import io.pgpacer.core.cib.PromotionPhases.PhaseEnd;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.model.Lsn;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The phases of the changes of primary to node2, as the Prometheus text format shows the histograms. */
class PromotionPhaseHistogramsTest {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PromotionPhaseHistograms histograms = new PromotionPhaseHistograms("node2", registry);

    private static PromotionRecord promotion(String reason, PromotionPhases phases) {
        return new PromotionRecord("node2", 1, Lsn.parse("0/3000000"), 2, "2026-12-07T12:00:00Z", reason, true,
                phases);
    }

    @Test
    void eachPhaseIsObservedUnderItsReasonAndTheTotalBeside() {
        histograms.observe(promotion("failover", PromotionPhases.between(0, List.of(new PhaseEnd(Phase.DETECTION, 2310),
                new PhaseEnd(Phase.DECISION, 2350), new PhaseEnd(Phase.LEASE, 2470), new PhaseEnd(Phase.PROMOTE, 2820),
                new PhaseEnd(Phase.VIP, 2840), new PhaseEnd(Phase.FIRST_WRITE, 3050)))));
        histograms.observe(promotion("switchover", PromotionPhases.between(0, List.of(
                new PhaseEnd(Phase.HANDOVER, 300), new PhaseEnd(Phase.FIRST_WRITE, 900)))));
        histograms.observe(promotion("failover", null));

        String text = PrometheusTextFormatWriter.create().toDebugString(registry.scrape());
        assertLines(text,
                "# TYPE pgpacer_promotion_phase_seconds histogram",
                "pgpacer_promotion_phase_seconds_bucket{node=\"node2\",phase=\"detection\",reason=\"failover\",le=\"2.5\"} 1",
                "pgpacer_promotion_phase_seconds_bucket{node=\"node2\",phase=\"detection\",reason=\"failover\",le=\"1.0\"} 0",
                "pgpacer_promotion_phase_seconds_sum{node=\"node2\",phase=\"detection\",reason=\"failover\"} 2.31",
                "pgpacer_promotion_phase_seconds_count{node=\"node2\",phase=\"first_write\",reason=\"failover\"} 1",
                "pgpacer_promotion_phase_seconds_sum{node=\"node2\",phase=\"vip\",reason=\"failover\"} 0.02",
                "pgpacer_promotion_phase_seconds_sum{node=\"node2\",phase=\"handover\",reason=\"switchover\"} 0.3",
                "pgpacer_promotion_duration_seconds_sum{node=\"node2\",reason=\"failover\"} 3.05",
                "pgpacer_promotion_duration_seconds_count{node=\"node2\",reason=\"failover\"} 1",
                "pgpacer_promotion_duration_seconds_sum{node=\"node2\",reason=\"switchover\"} 0.9");
        assertFalse(text.contains("phase=\"detection\",reason=\"switchover\""), "a switchover has no detection:\n"
                + text);
    }

    private static void assertLines(String text, String... expected) {
        List<String> lines = Arrays.asList(text.split("\n"));
        for (String line : expected) {
            assertTrue(lines.contains(line), "expected the line\n  " + line + "\nin\n" + text);
        }
    }
}
