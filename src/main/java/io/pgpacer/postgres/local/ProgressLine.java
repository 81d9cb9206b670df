package io.pgpacer.postgres.local;

import io.pgpacer.postgres.CopyProgress;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the progress lines that pg_basebackup and pg_rewind print on stderr with {@code --progress}. PostgreSQL 15
 * writes them once a second, ending each with a newline when stderr is no terminal: pg_basebackup
 * {@code 28694/93760 kB (30%), 0/1 tablespace} (verbose: the file name in parentheses after it), pg_rewind
 * {@code 108224/271909 kB (39%) copied}. The numbers are right-aligned, so a line may start with spaces.
 */
final class ProgressLine {
    private static final Pattern PROGRESS = Pattern.compile("^\\s*(\\d{1,18})/(\\d{1,18}) kB \\((\\d{1,3})%\\)");

    private ProgressLine() {
    }

    /** The progress a line reports, or empty for any other line (a notice, a warning, an error). */
    static Optional<CopyProgress> parse(String line) {
        Matcher matcher = PROGRESS.matcher(line);
        if (!matcher.find()) {
            return Optional.empty();
        }
        long done = Long.parseLong(matcher.group(1));
        long total = Long.parseLong(matcher.group(2));
        int percent = Integer.parseInt(matcher.group(3));
        // why: pg_basebackup caps its percentage at 100 while the copy outgrows its estimate; anything else is no
        // progress line of ours.
        if (percent > 100) {
            return Optional.empty();
        }
        return Optional.of(new CopyProgress(done, total, percent));
    }
}
