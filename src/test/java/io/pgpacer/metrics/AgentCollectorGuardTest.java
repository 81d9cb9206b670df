package io.pgpacer.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.postgres.CommitGuardState;
import io.pgpacer.store.ClusterStore.StoreInfo;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The commit guard's metrics: active or not, and its state when active. */
class AgentCollectorGuardTest {

    private static final StoreInfo RAFT = new StoreInfo("node1", "node1", 2, 10, 10);

    @Test
    void anActiveGuardShowsItsGenerationTimeLeftAndRefusals() {
        String text = render(Optional.of(new CommitGuardState(7, OptionalLong.of(1500), 3, 1)));
        assertTrue(text.contains("pgpacer_commit_guard_active{node=\"node1\"} 1.0"), text);
        assertTrue(text.contains("pgpacer_commit_guard_epoch{node=\"node1\"} 7.0"), text);
        assertTrue(text.contains("pgpacer_commit_guard_remaining_seconds{node=\"node1\"} 1.5"), text);
        assertTrue(text.contains("pgpacer_commit_guard_refused_commits{node=\"node1\"} 3.0"), text);
        assertTrue(text.contains("pgpacer_commit_guard_withheld_acks{node=\"node1\"} 1.0"), text);
    }

    @Test
    void anExpiredGrantShowsNoTimeLeftAndAnAbsentGuardOnlyItsAbsence() {
        String expired = render(Optional.of(new CommitGuardState(7, OptionalLong.of(-200), 0, 0)));
        assertTrue(expired.contains("pgpacer_commit_guard_remaining_seconds{node=\"node1\"} 0.0"), expired);
        String absent = render(Optional.empty());
        assertTrue(absent.contains("pgpacer_commit_guard_active{node=\"node1\"} 0.0"), absent);
        assertFalse(absent.contains("pgpacer_commit_guard_epoch"), absent);
    }

    private static String render(Optional<CommitGuardState> guard) {
        AgentFacts facts = new AgentFacts("node1", false, null, null, 0, OptionalLong.empty(), RAFT, Cib.EMPTY, null,
                guard);
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new AgentCollector(() -> facts));
        return PrometheusTextFormatWriter.create().toDebugString(registry.scrape());
    }
}
