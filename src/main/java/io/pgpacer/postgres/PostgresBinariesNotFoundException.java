package io.pgpacer.postgres;

/** No usable PostgreSQL installation (12 or later, with every program pgpacer runs) was found. */
public class PostgresBinariesNotFoundException extends PostgresException {
    public PostgresBinariesNotFoundException(String message) {
        super(message);
    }
}
