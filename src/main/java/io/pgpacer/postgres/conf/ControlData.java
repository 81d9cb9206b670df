package io.pgpacer.postgres.conf;

import io.pgpacer.core.model.Lsn;
import java.util.Map;

/**
 * The fields of {@code pg_controldata} output that decide a node's fate, plus every field by its
 * English name (pg_controldata must run with {@code LC_ALL=C}).
 */
public record ControlData(String systemIdentifier, String clusterState, Lsn checkpointLsn, long checkpointTimeline,
                          Lsn minRecoveryEnd, Map<String, String> fields) {
    public ControlData {
        fields = Map.copyOf(fields);
    }

    /** The timeline of {@link #minRecoveryEnd} as pg_controldata printed it (0 when none), or "?" if it did not. */
    public String minRecoveryEndTimeline() {
        return fields.getOrDefault(ControlDataParser.MIN_RECOVERY_END_TIMELINE, "?");
    }
}
