package io.pgpacer.config;

import java.time.Duration;

/**
 * How fast the cluster watches and reacts.
 *
 * @param monitorInterval how often each agent checks PostgreSQL over SQL and reports
 * @param leaseTime how long a primary may go without renewing its lease before another node is promoted
 * @param bootstrapWait how long the first election waits for every data node to report
 * @param restartBackoff how long an agent waits after a failed operation (start, monitor, promote, rewind) before
 *     it acts again; doubled after each further consecutive failure
 * @param restartBackoffMax the longest such wait
 */
public record Timings(Duration monitorInterval, Duration leaseTime, Duration bootstrapWait, Duration restartBackoff,
        Duration restartBackoffMax) {

    public static final Duration DEFAULT_RESTART_BACKOFF = DurationKey.RESTART_BACKOFF.defaultValue();
    public static final Duration DEFAULT_RESTART_BACKOFF_MAX = DurationKey.RESTART_BACKOFF_MAX.defaultValue();
    public static final Timings DEFAULTS = new Timings(DurationKey.MONITOR_INTERVAL.defaultValue(),
            DurationKey.LEASE_TIME.defaultValue(), DurationKey.BOOTSTRAP_WAIT.defaultValue());

    public Timings(Duration monitorInterval, Duration leaseTime, Duration bootstrapWait) {
        this(monitorInterval, leaseTime, bootstrapWait, DEFAULT_RESTART_BACKOFF, DEFAULT_RESTART_BACKOFF_MAX);
    }

    /**
     * How long to wait after the {@code consecutiveFailures}-th failure in a row (1 for the first): restart-backoff,
     * doubled for each further one, at most restart-backoff-max.
     */
    public long restartDelayMillis(int consecutiveFailures) {
        long delay = restartBackoff.toMillis();
        for (int i = 1; i < consecutiveFailures && delay < restartBackoffMax.toMillis(); i++) {
            delay *= 2;
        }
        return Math.min(delay, restartBackoffMax.toMillis());
    }

    /** The lease is renewed four times per lease time, so one lost renewal never costs the lease. */
    public Duration renewInterval() {
        return leaseTime.dividedBy(4);
    }

    /**
     * The primary fences itself this long before its lease could expire, to leave time for PostgreSQL to
     * stop: a quarter of the lease time, at least 300 ms.
     */
    public Duration fenceMargin() {
        return Duration.ofMillis(io.pgpacer.core.cib.Lease.fenceMarginMillis(leaseTime.toMillis()));
    }
}
