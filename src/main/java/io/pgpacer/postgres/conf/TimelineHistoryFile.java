package io.pgpacer.postgres.conf;

import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.timeline.TimelineFork;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A timeline history file ({@code pg_wal/00000003.history}): one line per ancestor timeline, oldest first, each
 * {@code parentTLI <tab> switchpoint <tab> reason}; comment lines start with {@code #}.
 */
public final class TimelineHistoryFile {

    private static final Pattern NAME = Pattern.compile("[0-9A-F]{8}\\.history");

    private TimelineHistoryFile() {
    }

    /** The file name PostgreSQL gives the history of {@code timeline}. */
    public static String nameOf(long timeline) {
        return String.format("%08X.history", timeline);
    }

    /** The timeline a history file name belongs to, or -1 when the name is not one. */
    public static long timelineOf(String fileName) {
        return NAME.matcher(fileName).matches() ? Long.parseLong(fileName.substring(0, 8), 16) : -1;
    }

    /**
     * The forks that led to the file's timeline, oldest first; the last one names its parent.
     *
     * @throws IllegalArgumentException on a line that is neither a comment nor {@code TLI <tab> LSN ...}
     */
    public static List<TimelineFork> parse(String content) {
        List<TimelineFork> forks = new ArrayList<>();
        for (String line : content.split("\\R")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] fields = trimmed.split("\\s+", 3);
            if (fields.length < 2) {
                throw new IllegalArgumentException("not a timeline history line (TLI, tab, LSN): " + line);
            }
            try {
                forks.add(new TimelineFork(Long.parseLong(fields[0]), Lsn.parse(fields[1])));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a timeline history line (TLI, tab, LSN): " + line, e);
            }
        }
        return forks;
    }
}
