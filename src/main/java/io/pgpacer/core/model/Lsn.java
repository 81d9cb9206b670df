package io.pgpacer.core.model;

/**
 * A PostgreSQL write-ahead-log position, printed the way PostgreSQL prints it ({@code 0/3000148}).
 * Ordered by position; {@link #ZERO} means "no WAL known".
 */
public record Lsn(long value) implements Comparable<Lsn> {
    public static final Lsn ZERO = new Lsn(0);

    /** Parses PostgreSQL's {@code XXXXXXXX/XXXXXXXX} text form. */
    public static Lsn parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("not an LSN (expected hex 'X/X', like 0/3000148): " + text);
        }
        try {
            long high = Long.parseLong(text.substring(0, slash).trim(), 16);
            long low = Long.parseLong(text.substring(slash + 1).trim(), 16);
            if (high > 0xFFFFFFFFL || low > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("not an LSN (each half has at most 8 hex digits): " + text);
            }
            return new Lsn((high << 32) | low);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an LSN (expected hex 'X/X', like 0/3000148): " + text, e);
        }
    }

    /** The 16-hex-digit form the reference prints as pgsql-master-baseline ({@code 00000000220000A0}). */
    public String toBaseline() {
        return String.format("%016X", value);
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    public static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return String.format("%X/%X", value >>> 32, value & 0xFFFFFFFFL);
    }
}
