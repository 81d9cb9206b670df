package io.pgpacer.postgres.conf;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PostgreSQL's version as printed by {@code postgres --version}; {@code major} decides what pgpacer renders. */
public record ServerVersion(int major, String text) {
    /** The oldest major pgpacer supports (standby.signal, pg_promote and reloadable conninfo arrived by 12/13). */
    public static final int MINIMUM_MAJOR = 12;

    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+)");

    /**
     * Parses {@code postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)}, {@code ... 17beta1} and the
     * like. For 9.x the major is 9.
     *
     * @throws IllegalArgumentException if the text is not PostgreSQL's version line
     */
    public static ServerVersion parse(String versionOutput) {
        String text = versionOutput.strip();
        Matcher matcher = VERSION.matcher(text);
        if (!matcher.find()) {
            throw new IllegalArgumentException("not a PostgreSQL version line: '" + text + "'");
        }
        return new ServerVersion(Integer.parseInt(matcher.group(1)), text);
    }

    public boolean isSupported() {
        return major >= MINIMUM_MAJOR;
    }
}
