package io.pgpacer.postgres.conf;

/**
 * The {@code postmaster.pid} lock file: the postmaster's pid on line 1 and, once it is up, its status
 * on line 8 ({@code starting}, {@code stopping}, {@code ready} or {@code standby}). Fields the
 * postmaster has not written yet are null (or 0).
 */
public record PostmasterPidFile(long pid, String dataDir, int port, String socketDirectory, String listenAddress,
                                String status) {
    /** The file name, relative to the data directory. */
    public static final String FILE_NAME = "postmaster.pid";

    /**
     * @throws IllegalArgumentException if line 1 is not a pid (the file is being written or is foreign)
     */
    public static PostmasterPidFile parse(String text) {
        String[] lines = text.split("\n", -1);
        long pid;
        try {
            // A negative pid marks a single-user backend holding the lock; its absolute value is the pid.
            pid = Math.abs(Long.parseLong(lines[0].strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("postmaster.pid does not start with a pid: '" + lines[0] + "'", e);
        }
        int port = 0;
        try {
            port = lines.length > 3 ? Integer.parseInt(lines[3].strip()) : 0;
        } catch (NumberFormatException e) {
            // The port line is informational; an unreadable one does not make the pid less valid.
        }
        return new PostmasterPidFile(pid, line(lines, 1), port, line(lines, 4), line(lines, 5), line(lines, 7));
    }

    /** True when the postmaster accepts connections: as a primary ({@code ready}) or hot standby. */
    public boolean acceptsConnections() {
        return "ready".equals(status) || "standby".equals(status);
    }

    private static String line(String[] lines, int index) {
        if (index >= lines.length) {
            return null;
        }
        // The postmaster pads the status line with spaces so it can rewrite it in place.
        String value = lines[index].strip();
        return value.isEmpty() ? null : value;
    }
}
