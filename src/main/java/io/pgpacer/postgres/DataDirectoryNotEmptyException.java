package io.pgpacer.postgres;

import java.nio.file.Path;

/**
 * Refusal to create a cluster (initdb, base backup) in a data directory that already holds files:
 * pgpacer never deletes or overwrites a data directory on its own (invariant S5).
 */
public class DataDirectoryNotEmptyException extends PostgresException {
    private final Path dataDir;

    public DataDirectoryNotEmptyException(String operation, Path dataDir) {
        super(operation + " refused: data directory " + dataDir + " is not empty. pgpacer never deletes a data"
                + " directory by itself; move it aside (keep it until the new node is healthy) and retry");
        this.dataDir = dataDir;
    }

    public Path dataDir() {
        return dataDir;
    }
}
