package io.pgpacer.api;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code lag} query parameter of the replica checks: how many bytes of WAL a standby may be behind the
 * primary. Written as Patroni accepts it, a byte count with an optional PostgreSQL memory unit
 * ({@code 1048576}, {@code 1024kB}, {@code 16MB}; units are powers of 1024, any letter case).
 */
public record MaxLag(long bytes) {

    private static final Pattern FORM = Pattern.compile("(\\d{1,19})\\s*([A-Za-z]*)");
    private static final Map<String, Long> UNITS = Map.of("", 1L, "b", 1L, "kb", 1L << 10, "mb", 1L << 20,
            "gb", 1L << 30, "tb", 1L << 40);

    /**
     * Parses the parameter's value.
     *
     * @throws IllegalArgumentException naming the parameter, the value and the expected form
     */
    public static MaxLag parse(String text) {
        return parse("lag", text);
    }

    /** Parses the value of the query parameter {@code parameter}, naming it when the value is wrong. */
    public static MaxLag parse(String parameter, String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        Long unit = m.matches() ? UNITS.get(m.group(2).toLowerCase(Locale.ROOT)) : null;
        if (unit == null) {
            throw invalid(parameter, text);
        }
        try {
            return new MaxLag(Math.multiplyExact(Long.parseLong(m.group(1)), unit));
        } catch (ArithmeticException | NumberFormatException e) {
            throw invalid(parameter, text);
        }
    }

    private static IllegalArgumentException invalid(String parameter, String text) {
        return new IllegalArgumentException("query parameter '" + parameter + "': expected a number of bytes with an optional"
                + " unit B, kB, MB, GB or TB (like 1048576, 1024kB or 16MB), got '" + text + "'");
    }
}
