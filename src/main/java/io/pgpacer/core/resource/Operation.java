package io.pgpacer.core.resource;

import io.pgpacer.core.model.Durations;
import java.util.List;

/**
 * One operation of a resource ({@code op monitor interval=10s timeout=60s on-fail=restart role=Master}).
 *
 * @param name {@code start}, {@code stop} or {@code monitor}; the PostgreSQL clone also has {@code promote} and
 *     {@code demote}
 * @param intervalMillis how often a monitor runs; 0 for the other operations
 * @param timeoutMillis how long the operation may take before it counts as failed (OCF rc 1, "timed out")
 * @param role for a monitor of the PostgreSQL clone: {@code Master} or {@code Slave}; null for every role
 */
public record Operation(String name, long intervalMillis, long timeoutMillis, OnFail onFail, String role) {

    public static final List<String> PRIMITIVE_OPERATIONS = List.of("start", "stop", "monitor");
    public static final List<String> CLONE_OPERATIONS = List.of("start", "stop", "monitor", "promote", "demote");
    public static final long DEFAULT_TIMEOUT_MILLIS = 20_000;

    public static Operation start(long timeoutMillis, OnFail onFail) {
        return new Operation("start", 0, timeoutMillis, onFail, null);
    }

    public static Operation stop(long timeoutMillis, OnFail onFail) {
        return new Operation("stop", 0, timeoutMillis, onFail, null);
    }

    public static Operation monitor(long intervalMillis, long timeoutMillis, OnFail onFail) {
        return new Operation("monitor", intervalMillis, timeoutMillis, onFail, null);
    }

    /** As pcs writes it: {@code monitor interval=10s timeout=60s on-fail=restart}. */
    public String render() {
        return name + " interval=" + Durations.render(intervalMillis) + " timeout=" + Durations.render(timeoutMillis)
                + " on-fail=" + onFail.text() + (role == null ? "" : " role=" + role);
    }
}
