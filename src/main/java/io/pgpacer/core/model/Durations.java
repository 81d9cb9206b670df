package io.pgpacer.core.model;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators write them in properties and resource operations: {@code 500ms}, {@code 10s}, {@code 5m},
 * {@code 1h}, or a bare number of seconds as Pacemaker reads {@code interval="10"}.
 */
public final class Durations {

    /** What an operator may write, for error messages. */
    public static final String ACCEPTED = "a duration like 500ms, 10s, 5m or 1h (a bare number is seconds)";

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)?");

    private Durations() {
    }

    /** Milliseconds of {@code value}, empty when it is not a duration. */
    public static Optional<Long> parse(String value) {
        Matcher m = DURATION.matcher(value == null ? "" : value.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return Optional.of(switch (unit) {
            case "ms" -> amount;
            case "s" -> amount * 1_000;
            case "m" -> amount * 60_000;
            default -> amount * 3_600_000;
        });
    }

    /** The shortest exact form: {@code 0}, {@code 1h}, {@code 10m}, {@code 30s}, {@code 1500ms}. */
    public static String render(long millis) {
        if (millis == 0) {
            return "0";
        }
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        return millis % 1_000 == 0 ? millis / 1_000 + "s" : millis + "ms";
    }
}
