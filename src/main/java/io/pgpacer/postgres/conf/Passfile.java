package io.pgpacer.postgres.conf;

import java.util.List;

/**
 * libpq's password file ({@code host:port:database:user:password} per line, with {@code :} and
 * {@code \} backslash-escaped). It is the only place where pgpacer writes a password to disk.
 */
public final class Passfile {
    private Passfile() {
    }

    /** One line; {@code *} matches anything in the host, port and database fields. */
    public record Entry(String host, String port, String database, String user, String password) {
        /** An entry for this user on any host, port and database (replication connections included). */
        public static Entry anywhere(String user, String password) {
            return new Entry("*", "*", "*", user, password);
        }

        @Override
        public String toString() {
            return "Entry[" + host + ":" + port + ":" + database + ":" + user + ":********]";
        }
    }

    /**
     * @throws IllegalArgumentException if a field contains a line break, which the format cannot hold
     */
    public static String render(List<Entry> entries) {
        StringBuilder text = new StringBuilder();
        for (Entry entry : entries) {
            text.append(wildcardOrEscaped(entry.host())).append(':')
                    .append(wildcardOrEscaped(entry.port())).append(':')
                    .append(wildcardOrEscaped(entry.database())).append(':')
                    .append(literalUser(entry.user())).append(':')
                    .append(escape(entry.password())).append('\n');
        }
        return text.toString();
    }

    private static String wildcardOrEscaped(String field) {
        return field.equals("*") ? field : escape(field);
    }

    // A bare * in the user field is a wildcard; a role really named "*" must be escaped.
    private static String literalUser(String user) {
        return user.equals("*") ? "\\*" : escape(user);
    }

    static String escape(String field) {
        if (field.indexOf('\n') >= 0 || field.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a user name or password contains a line break, which a libpq passfile cannot hold");
        }
        return field.replace("\\", "\\\\").replace(":", "\\:");
    }
}
