package io.pgpacer.postgres.conf;

import io.pgpacer.core.model.Lsn;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** WAL segment file names ({@code 000000020000000000000003}): timeline, then log and segment, in hex. */
public final class WalFileNames {
    private static final Pattern WAL_FILE = Pattern.compile("[0-9A-Fa-f]{24}");

    private WalFileNames() {
    }

    /**
     * The timeline a WAL file belongs to (its first 8 hex digits).
     *
     * @throws IllegalArgumentException if the name is not a WAL segment name
     */
    public static long timeline(String walFileName) {
        if (walFileName == null || !WAL_FILE.matcher(walFileName).matches()) {
            throw new IllegalArgumentException("not a WAL file name (24 hex digits): " + walFileName);
        }
        return Long.parseLong(walFileName.substring(0, 8), 16);
    }

    /**
     * The name of the segment file that holds {@code lsn} on {@code timeline}, as PostgreSQL's XLogFileName writes it.
     *
     * @param segmentBytes the cluster's WAL segment size (pg_controldata's "Bytes per WAL segment")
     */
    public static String segmentOf(long timeline, Lsn lsn, long segmentBytes) {
        long segment = Long.divideUnsigned(lsn.value(), segmentBytes);
        long segmentsPerId = 0x1_0000_0000L / segmentBytes;
        return String.format(Locale.ROOT, "%08X%08X%08X", timeline, segment / segmentsPerId, segment % segmentsPerId);
    }

    /**
     * The last segment file of {@code timeline} among {@code fileNames}, if it is not before {@code from} (WAL file
     * names of one timeline sort in WAL order).
     */
    public static Optional<String> lastSegment(Collection<String> fileNames, long timeline, String from) {
        return fileNames.stream().filter(n -> WAL_FILE.matcher(n).matches()).map(n -> n.toUpperCase(Locale.ROOT))
                .filter(n -> timeline(n) == timeline && n.compareTo(from) >= 0).max(String::compareTo);
    }
}
