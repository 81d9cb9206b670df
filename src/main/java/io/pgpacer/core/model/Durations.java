package io.pgpacer.core.model;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration grammar, for the configuration file, properties and resource operations: {@code 500ms},
 * {@code 1.5s}, {@code 10s}, {@code 5m}, {@code 1h}, or a bare number of seconds as Pacemaker reads
 * {@code interval="10"}. Every duration an operator gives is checked against a {@link Range}.
 */
public final class Durations {

    /** What an operator may write, for error messages. */
    public static final String ACCEPTED = "a duration like 500ms, 1.5s, 10s, 5m or 1h (a bare number is seconds)";

    private static final Pattern DURATION = Pattern.compile("(\\d{1,40})(?:\\.(\\d{1,9}))?\\s*(ms|s|m|h)?");
    private static final BigDecimal LONGEST = BigDecimal.valueOf(Long.MAX_VALUE);

    /**
     * The durations a key accepts, both ends included; every key has one, so that a typo such as {@code 100000h}
     * is refused rather than waited for.
     */
    public record Range(long minMillis, long maxMillis) {

        /** Why {@code millis} is outside, naming the limit; empty when it is inside. */
        public Optional<String> problem(long millis) {
            if (millis < minMillis) {
                return Optional.of(render(millis) + " is too short; use at least " + render(minMillis));
            }
            if (millis > maxMillis) {
                return Optional.of((millis == Long.MAX_VALUE ? "that" : render(millis)) + " is too long; use at most "
                        + render(maxMillis));
            }
            return Optional.empty();
        }

        /** {@code 100ms to 10m}. */
        public String text() {
            return render(minMillis) + " to " + render(maxMillis);
        }
    }

    private Durations() {
    }

    /**
     * Milliseconds of {@code value} (rounded to the nearest millisecond), empty when it is not a duration. A value
     * beyond what a long holds is {@link Long#MAX_VALUE}, which every {@link Range} refuses.
     */
    public static Optional<Long> parse(String value) {
        Matcher m = DURATION.matcher(value == null ? "" : value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return Optional.empty();
        }
        BigDecimal amount = new BigDecimal(m.group(1) + (m.group(2) == null ? "" : "." + m.group(2)));
        String unit = m.group(3) == null ? "s" : m.group(3);
        BigDecimal millis = amount.multiply(BigDecimal.valueOf(switch (unit) {
            case "ms" -> 1;
            case "s" -> 1_000;
            case "m" -> 60_000;
            default -> 3_600_000;
        })).setScale(0, RoundingMode.HALF_UP);
        return Optional.of(millis.compareTo(LONGEST) > 0 ? Long.MAX_VALUE : millis.longValueExact());
    }

    /** Seconds to one decimal, as explanations give a time that passed: {@code 3.1 s}. */
    public static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
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
