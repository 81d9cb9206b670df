package io.pgpacer.api;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;

/**
 * The query of {@code POST /switchover}, validated: {@code to} (a node, optional), {@code at} (an ISO-8601
 * instant such as {@code 2026-11-24T03:00:00Z}, optional) and {@code max-lag} (bytes or 16MB-style units).
 *
 * @param notBefore epoch milliseconds, 0 for at once
 */
public record SwitchoverRequest(String to, long notBefore, long maxLagBytes) {

    /**
     * How far ahead a switchover may be scheduled: a maintenance window within the month. A later time is a typo
     * (9999-12-31) more often than a plan, and would sit in the store, blocking other switchovers, for years.
     */
    public static final Duration LONGEST_DELAY = Duration.ofDays(31);

    /** How far behind the primary a target may be when the switchover begins, unless the request says. */
    static final MaxLag DEFAULT_MAX_LAG = MaxLag.parse("16MB");

    private static final Set<String> KEYS = Set.of("to", "at", "max-lag");

    /** @throws IllegalArgumentException naming the parameter that is wrong and what it should be */
    static SwitchoverRequest parse(Map<String, String> query, Instant now) {
        for (String key : query.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown parameter '" + key + "'; switchover takes to, at and max-lag");
            }
        }
        String to = query.get("to");
        if (to != null && to.isBlank()) {
            to = null;
        }
        long notBefore = 0;
        String at = query.get("at");
        if (at != null && !at.isBlank()) {
            Instant when;
            try {
                when = Instant.parse(at);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("at '" + at + "' is not an ISO-8601 instant; give e.g."
                        + " 2026-11-24T03:00:00Z");
            }
            checkWhen("at", at, when, now);
            notBefore = when.toEpochMilli();
        }
        String lag = query.get("max-lag");
        long maxLag = lag == null || lag.isBlank() ? DEFAULT_MAX_LAG.bytes() : MaxLag.parse("max-lag", lag).bytes();
        return new SwitchoverRequest(to, notBefore, maxLag);
    }

    /**
     * Refuses a time in the past or more than {@link #LONGEST_DELAY} ahead.
     *
     * @param parameter how the caller names it ({@code at}, {@code --at})
     * @throws IllegalArgumentException naming the parameter, the time and the limit
     */
    public static void checkWhen(String parameter, String text, Instant when, Instant now) {
        if (!when.isAfter(now)) {
            throw new IllegalArgumentException(parameter + " " + text + " is in the past (now " + now + "); omit it"
                    + " to switch over at once");
        }
        if (when.isAfter(now.plus(LONGEST_DELAY))) {
            throw new IllegalArgumentException(parameter + " " + text + " is more than " + LONGEST_DELAY.toDays()
                    + " days ahead; schedule a switchover within the next " + LONGEST_DELAY.toDays() + " days");
        }
    }
}
