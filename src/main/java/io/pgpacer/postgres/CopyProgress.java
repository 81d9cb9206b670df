package io.pgpacer.postgres;

import java.util.Locale;

/**
 * How far a copy of data from another node has come, as pg_basebackup or pg_rewind last reported it with
 * {@code --progress}: kilobytes done of the kilobytes expected, and the program's own percentage (pg_basebackup's
 * estimate may grow while it copies, so the percentage is the program's, never recomputed here).
 */
public record CopyProgress(long doneKb, long totalKb, int percent) {

    public CopyProgress {
        if (doneKb < 0 || totalKb < 0 || percent < 0 || percent > 100) {
            throw new IllegalArgumentException("progress " + doneKb + "/" + totalKb + " kB (" + percent
                    + "%) is out of range");
        }
    }

    /** In operator words: {@code 1.2 GB of 3.4 GB (35 %)}. */
    public String describe() {
        return size(doneKb) + " of " + size(totalKb) + " (" + percent + " %)";
    }

    // Powers of 1024 with PostgreSQL's unit names, as pg_size_pretty shows sizes.
    static String size(long kb) {
        if (kb < 1024) {
            return kb + " kB";
        }
        if (kb < 1024L * 1024) {
            return String.format(Locale.ROOT, "%.1f MB", kb / 1024.0);
        }
        if (kb < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f GB", kb / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.1f TB", kb / (1024.0 * 1024 * 1024));
    }
}
