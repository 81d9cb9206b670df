package io.pgpacer.postgres;

/**
 * A PostgreSQL operation failed. The message names the operation, the command that ran (never a
 * password) and PostgreSQL's own output or log tail, because that text is what an operator needs.
 */
public class PostgresException extends RuntimeException {
    public PostgresException(String message) {
        super(message);
    }

    public PostgresException(String message, Throwable cause) {
        super(message, cause);
    }
}
