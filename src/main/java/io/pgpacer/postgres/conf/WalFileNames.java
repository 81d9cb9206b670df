package io.pgpacer.postgres.conf;

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
}
