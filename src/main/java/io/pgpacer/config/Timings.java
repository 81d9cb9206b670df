package io.pgpacer.config;

import java.time.Duration;

/**
 * How fast the cluster watches and reacts.
 *
 * @param monitorInterval how often each agent checks PostgreSQL over SQL and reports
 * @param leaseTime how long a primary may go without renewing its lease before another node is promoted
 * @param bootstrapWait how long the first election waits for every data node to report
 */
public record Timings(Duration monitorInterval, Duration leaseTime, Duration bootstrapWait) {

    public static final Timings DEFAULTS = new Timings(Duration.ofSeconds(1), Duration.ofSeconds(3),
            Duration.ofSeconds(30));

    /** The lease is renewed four times per lease time, so one lost renewal never costs the lease. */
    public Duration renewInterval() {
        return leaseTime.dividedBy(4);
    }

    /**
     * The primary fences itself this long before its lease could expire, to leave time for PostgreSQL to
     * stop: a quarter of the lease time, at least 300 ms.
     */
    public Duration fenceMargin() {
        Duration quarter = leaseTime.dividedBy(4);
        return quarter.compareTo(Duration.ofMillis(300)) < 0 ? Duration.ofMillis(300) : quarter;
    }
}
