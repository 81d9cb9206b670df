package io.pgpacer.postgres.conf;

/** Quoting for the few SQL statements (role DDL) that cannot take bind parameters. */
public final class SqlQuoting {
    private SqlQuoting() {
    }

    /** A double-quoted identifier with embedded double quotes doubled, exactly as PostgreSQL reads it. */
    public static String identifier(String name) {
        if (name.isEmpty() || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("'" + name + "' cannot be a PostgreSQL identifier");
        }
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
