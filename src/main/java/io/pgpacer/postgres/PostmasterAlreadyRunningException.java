package io.pgpacer.postgres;

import java.nio.file.Path;

/**
 * A postmaster that this instance did not start is serving the data directory (its
 * {@code postmaster.pid} names a live process). pgpacer does not adopt or kill it; the caller decides.
 */
public class PostmasterAlreadyRunningException extends PostgresException {
    private final long pid;

    public PostmasterAlreadyRunningException(Path dataDir, long pid) {
        super("a PostgreSQL server not started by pgpacer (pid " + pid + ") is already running on " + dataDir
                + "; stop it (pg_ctl stop -D " + dataDir + ") so that pgpacer can manage this node");
        this.pid = pid;
    }

    public long pid() {
        return pid;
    }
}
