package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ApiClient;
import io.pgpacer.api.SwitchoverRequest;
import io.pgpacer.config.ConfigException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pgpacer switchover}: a planned, zero-loss change of primary, now or at a given time. */
@Command(name = "switchover", description = {
        "Move the primary role to another node without losing a commit.",
        "The primary stops writes cleanly, the target receives all of its WAL and is promoted, and the old primary",
        "follows it without a rewind.",
        "Refused, changing nothing, when the target is not a healthy streaming standby within --max-lag.",
        "pcs equivalent: 'pcs resource move msPostgresql NODE' (also available as 'pgpacer resource move');",
        "the reference's 'cls_online_switch'."})
final class SwitchoverCommand implements Callable<Integer> {

    private static final Duration POLL = Duration.ofMillis(200);
    private static final int MAX_TIMEOUT_SECONDS = 3600;

    @Mixin
    AgentTarget target;

    @Option(names = "--to", paramLabel = "NODE", description = "The node to promote (default: the standby closest"
            + " to the primary).")
    String to;

    @Option(names = "--at", paramLabel = "TIME", description = "When to begin: an ISO-8601 time with or without a"
            + " zone (2026-11-24T03:00:00Z, 2026-11-24T03:00) or HH:MM (the next such time, local zone), at most 31"
            + " days ahead."
            + " Kept in the cluster store: it survives agent restarts; cancel it with --cancel.")
    String at;

    @Option(names = "--max-lag", paramLabel = "SIZE", description = "How far behind the primary the target may be"
            + " when the switchover begins (default 16MB).")
    String maxLag;

    @Option(names = "--cancel", description = "Cancel the scheduled switchover.")
    boolean cancel;

    @Option(names = "--no-wait", description = "Return once the switchover is accepted.")
    boolean noWait;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "How long to wait for the switchover to"
            + " complete, 1 to 3600 (default ${DEFAULT-VALUE}).", defaultValue = "30")
    int timeoutSeconds;

    @Override
    public Integer call() {
        if (cancel && (to != null || at != null || maxLag != null)) {
            System.err.println("pgpacer switchover: --cancel takes no other option");
            return Main.BAD_INPUT;
        }
        if (timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
            System.err.println("pgpacer switchover: --timeout " + timeoutSeconds + " is out of range; give 1 to "
                    + MAX_TIMEOUT_SECONDS + " seconds");
            return Main.BAD_INPUT;
        }
        try {
            ApiClient api = target.client();
            if (cancel) {
                JsonNode result = api.cancelSwitchover();
                System.out.println(result.path("message").asText());
                return 0;
            }
            String when = null;
            if (at != null) {
                Instant now = Instant.now();
                Instant instant = instantOf(at, now, ZoneId.systemDefault());
                SwitchoverRequest.checkWhen("--at", at, instant, now);
                when = instant.toString();
            }
            return run(api, to, when, maxLag, !noWait && when == null, timeoutSeconds);
        } catch (IllegalArgumentException e) {
            System.err.println("pgpacer switchover: " + e.getMessage());
            return Main.BAD_INPUT;
        } catch (ConfigException | ApiClient.ApiException e) {
            return AgentTarget.failed("switchover", e);
        }
    }

    /** Requests the switchover and, if asked, waits until it completed or was given up. */
    static int run(ApiClient api, String to, String at, String maxLag, boolean wait, int timeoutSeconds) {
        OperatorWait waiting = OperatorWait.upTo(timeoutSeconds);
        JsonNode result = api.switchover(to, at, maxLag);
        System.out.println(result.path("message").asText());
        if (!wait) {
            return 0;
        }
        JsonNode planned = api.cib().path("switchover");
        String target = planned.path("to").asText(null);
        while (waiting.lookAgain(POLL)) {
            JsonNode cib = api.cib();
            if (cib.path("switchover").isNull() || cib.path("switchover").isMissingNode()) {
                String holder = cib.path("lease").path("holder").asText(null);
                String state = holder == null ? "" : cib.path("reports").path(holder).path("pgState").asText("");
                if (holder != null && holder.equals(target) && state.equals("PRIMARY")) {
                    System.out.printf("Switchover complete: %s is the primary (timeline %d), %.1f s after the request%n",
                            holder, cib.path("reports").path(holder).path("timeline").asLong(),
                            waiting.elapsedSeconds());
                    return 0;
                }
                if (holder != null && !holder.equals(target)) {
                    System.err.println("pgpacer switchover: the switchover was given up; " + holder + " is the primary."
                            + " See the failed actions in 'pgpacer status'.");
                    return 1;
                }
            }
        }
        System.err.println(waiting.interrupted() ? "pgpacer switchover: interrupted while waiting; see 'pgpacer status'"
                : "pgpacer switchover: not complete after " + timeoutSeconds + " s; see 'pgpacer status'");
        return 1;
    }

    /** The instant an operator meant by {@code text}; local forms are read in {@code zone}. */
    static Instant instantOf(String text, Instant now, ZoneId zone) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException ignored) {
            // not with an offset; try the local forms
        }
        try {
            return LocalDateTime.parse(text).atZone(zone).toInstant();
        } catch (DateTimeParseException ignored) {
            // not a local date-time; try a time of day
        }
        try {
            LocalTime time = LocalTime.parse(text);
            LocalDate today = LocalDate.ofInstant(now, zone);
            Instant candidate = today.atTime(time).atZone(zone).toInstant();
            return candidate.isAfter(now) ? candidate : today.plusDays(1).atTime(time).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--at '" + text + "' is not a time; give 2026-11-24T03:00:00Z,"
                    + " 2026-11-24T03:00 (local) or 03:00 (the next 03:00, local)");
        }
    }
}
