package io.pgpacer.core.resource;

import java.util.Locale;

/**
 * Pacemaker's constraint scores: integers where {@code INFINITY} (1,000,000) means "must" and {@code -INFINITY}
 * "must not"; sums saturate at both ends.
 */
public final class Score {

    public static final int INFINITY = 1_000_000;
    public static final int MINUS_INFINITY = -INFINITY;

    private Score() {
    }

    /**
     * The score {@code text} names: {@code INFINITY}, {@code +INFINITY}, {@code -INFINITY} or an integer within them.
     *
     * @throws IllegalArgumentException naming the bad value and what is accepted
     */
    public static int parse(String text) {
        String value = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
        switch (value) {
            case "INFINITY", "+INFINITY", "INF", "+INF":
                return INFINITY;
            case "-INFINITY", "-INF":
                return MINUS_INFINITY;
            default:
                break;
        }
        try {
            long score = Long.parseLong(value.startsWith("+") ? value.substring(1) : value);
            if (score > INFINITY || score < MINUS_INFINITY) {
                throw new IllegalArgumentException("score " + text + " is out of range; use -INFINITY..INFINITY"
                        + " (INFINITY is " + INFINITY + ")");
            }
            return (int) score;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a score; use an integer, INFINITY or -INFINITY");
        }
    }

    /**
     * The sum of two scores, Pacemaker's "infinity math": anything plus -INFINITY is -INFINITY, anything else plus
     * INFINITY is INFINITY (a "must" stays a must whatever finite preferences are added), and finite sums saturate
     * below the infinities, so that finite preferences alone never make a ban.
     */
    public static int add(int a, int b) {
        if (a == MINUS_INFINITY || b == MINUS_INFINITY) {
            return MINUS_INFINITY;
        }
        if (a == INFINITY || b == INFINITY) {
            return INFINITY;
        }
        long sum = (long) a + b;
        return (int) Math.max(MINUS_INFINITY + 1L, Math.min(INFINITY, sum));
    }

    public static String render(int score) {
        return score >= INFINITY ? "INFINITY" : score <= MINUS_INFINITY ? "-INFINITY" : Integer.toString(score);
    }
}
