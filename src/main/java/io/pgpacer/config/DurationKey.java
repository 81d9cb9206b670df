package io.pgpacer.config;

import io.pgpacer.core.model.Durations;
import io.pgpacer.core.model.Durations.Range;
import java.time.Duration;

/**
 * The durations of the configuration file, each with its default and the range it accepts: the one place these
 * limits are defined (the README's configuration table lists them). The cluster properties that are also keys of
 * the file ({@code failure-timeout}) keep theirs in {@link io.pgpacer.core.cib.ClusterProperty}.
 */
public enum DurationKey {

    MONITOR_INTERVAL("timings.monitor-interval", Duration.ofSeconds(1), new Range(100, 60_000)),
    LEASE_TIME("timings.lease-time", Duration.ofSeconds(3), new Range(1_000, 600_000)),
    BOOTSTRAP_WAIT("timings.bootstrap-wait", Duration.ofSeconds(30), new Range(0, 3_600_000)),
    RESTART_BACKOFF("timings.restart-backoff", Duration.ofMillis(500), new Range(100, 600_000)),
    RESTART_BACKOFF_MAX("timings.restart-backoff-max", Duration.ofSeconds(30), new Range(100, 3_600_000)),
    SYNC_TIMEOUT("replication.sync-timeout", Duration.ofSeconds(10), new Range(1_000, 600_000));

    private final String key;
    private final Duration defaultValue;
    private final Range range;

    DurationKey(String key, Duration defaultValue, Range range) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.range = range;
    }

    /** The dotted key, as refusals name it: {@code timings.lease-time}. */
    public String key() {
        return key;
    }

    /** The last part of the key, as it is written in its section. */
    public String field() {
        return key.substring(key.lastIndexOf('.') + 1);
    }

    public Duration defaultValue() {
        return defaultValue;
    }

    public Range range() {
        return range;
    }

    /** {@code timings.lease-time: 1s to 10m (default 3s)}, as the README lists it. */
    public String describe() {
        return key + ": " + range.text() + " (default " + Durations.render(defaultValue.toMillis()) + ")";
    }
}
