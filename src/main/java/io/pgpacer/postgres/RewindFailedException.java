package io.pgpacer.postgres;

/**
 * pg_rewind (or the recovery that must come before it) failed on this node's data directory after the source
 * answered: not a passing network fault, but something of the data directory itself that a second attempt meets
 * again. The message says what failed and how the data directory looked to pg_rewind.
 */
public class RewindFailedException extends PostgresException {
    public RewindFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
