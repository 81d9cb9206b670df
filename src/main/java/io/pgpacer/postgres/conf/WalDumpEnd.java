package io.pgpacer.postgres.conf;

import io.pgpacer.core.model.Lsn;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where valid WAL ends, from the error {@code pg_waldump} prints when it runs out of records on a timeline
 * ({@code error in WAL record at 0/1528FA8: invalid record length at 0/1529140: wanted 24, got 0}): the position
 * it could not read a record at. pg_waldump always ends this way on WAL that a server wrote and never archived.
 */
public final class WalDumpEnd {

    private static final Pattern ERROR = Pattern.compile("pg_waldump: (?:error|fatal): (.*)");
    private static final Pattern IN_RECORD = Pattern.compile("error in WAL record at [0-9A-Fa-f]+/[0-9A-Fa-f]+: (.*)");
    private static final Pattern AT = Pattern.compile("\\bat ([0-9A-Fa-f]+/[0-9A-Fa-f]+)");
    private static final Pattern SEGMENT_OFFSET = Pattern.compile("in log segment ([0-9A-Fa-f]{24}), offset (\\d+)");
    private static final Pattern MISSING_FILE = Pattern.compile("could not find file \"([0-9A-Fa-f]{24})\"");

    private WalDumpEnd() {
    }

    /**
     * @param start where pg_waldump began reading; the end is never before it
     * @param segmentBytes the cluster's WAL segment size (pg_controldata's "Bytes per WAL segment")
     * @throws IllegalArgumentException when the output does not say where reading stopped
     */
    public static Lsn parse(String output, Lsn start, long segmentBytes) {
        List<String> errors = output.lines().map(ERROR::matcher).filter(Matcher::find).map(m -> m.group(1)).toList();
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("pg_waldump did not say where the WAL ends:\n" + output.strip());
        }
        String error = errors.get(errors.size() - 1);
        Matcher inRecord = IN_RECORD.matcher(error);
        String reason = inRecord.find() ? inRecord.group(1) : error;
        Lsn end = null;
        Matcher segment = SEGMENT_OFFSET.matcher(reason);
        Matcher missing = MISSING_FILE.matcher(reason);
        Matcher at = AT.matcher(reason);
        if (segment.find()) {
            end = new Lsn(segmentStart(segment.group(1), segmentBytes) + Long.parseLong(segment.group(2)));
        } else if (missing.find()) {
            end = new Lsn(segmentStart(missing.group(1), segmentBytes));
        } else {
            while (at.find()) {
                end = Lsn.parse(at.group(1));
            }
        }
        if (end == null) {
            throw new IllegalArgumentException("pg_waldump stopped without naming a WAL position: " + error);
        }
        return Lsn.max(end, start);
    }

    /** The position just after segment file {@code fileName}: where WAL ends when that file is full and valid. */
    public static Lsn endOf(String fileName, long segmentBytes) {
        return new Lsn(segmentStart(fileName, segmentBytes) + segmentBytes);
    }

    // 000000010000000200000003: log 2, segment 3 of that log
    private static long segmentStart(String fileName, long segmentBytes) {
        long log = Long.parseLong(fileName.substring(8, 16), 16);
        long segment = Long.parseLong(fileName.substring(16, 24), 16);
        return log * 0x1_0000_0000L + segment * segmentBytes;
    }
}
