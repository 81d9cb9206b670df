package io.pgpacer.core.status;

import io.pgpacer.core.cib.FailCount;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * When a node's fail-count expires (Pacemaker's {@code failure-timeout}): {@code failure-timeout} after its last
 * failure, once the node is healthy then; a node that keeps failing or stays unhealthy keeps its count.
 *
 * @param expiresAt the earliest instant it expires (ISO-8601), null when it never does (failure-timeout 0)
 * @param remainingMillis how long until then, counted from the status's time; 0 once past; null when unknown
 * @param waitsForHealth the node is not healthy now: the count stays until it is, whatever the time
 */
public record FailCountExpiry(String expiresAt, Long remainingMillis, boolean waitsForHealth) {

    /** The expiry of {@code count}, null without one; {@code now} is an ISO-8601 instant (other text: no countdown). */
    static FailCountExpiry of(FailCount count, long failureTimeoutMillis, boolean healthy, String now) {
        if (count.count() == 0) {
            return null;
        }
        Optional<Instant> failed = instant(count.lastFailureAt());
        if (failureTimeoutMillis <= 0 || failed.isEmpty()) {
            return new FailCountExpiry(null, null, false);
        }
        Instant at = failed.get().plusMillis(failureTimeoutMillis);
        Long remaining = instant(now).map(n -> Math.max(0, at.toEpochMilli() - n.toEpochMilli())).orElse(null);
        return new FailCountExpiry(at.toString(), remaining, !healthy);
    }

    /** Whether the count never expires: only {@code pgpacer resource cleanup} resets it. */
    public boolean never() {
        return expiresAt == null;
    }

    private static Optional<Instant> instant(String text) {
        try {
            return text == null ? Optional.empty() : Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
