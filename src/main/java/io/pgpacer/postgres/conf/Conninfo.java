package io.pgpacer.postgres.conf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * libpq connection strings ({@code key=value ...}), as used by primary_conninfo, pg_basebackup and
 * pg_rewind. Passwords never go in here; libpq reads them from the passfile named by {@code passfile}.
 */
public final class Conninfo {
    private static final Pattern SAFE_UNQUOTED = Pattern.compile("[A-Za-z0-9_.,:/@%+\\-]+");

    // A dead or partitioned upstream must be noticed in seconds, not after the kernel's TCP timeouts.
    private static final Map<String, String> FAST_FAILURE_DETECTION = orderedOf(
            "connect_timeout", "2", "keepalives_idle", "5", "keepalives_interval", "1", "keepalives_count", "3");

    private Conninfo() {
    }

    /** The options every replication connection carries, as the reference's {@code primary_conninfo_opt} shows them. */
    public static String replicationOptions() {
        return render(FAST_FAILURE_DETECTION);
    }

    /**
     * The connection a standby (or pg_basebackup) opens to its upstream for replication, with short
     * connect and keepalive timeouts so a dead primary is noticed within seconds.
     */
    public static String replication(String host, int port, String user, String applicationName, String passfile) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("host", host);
        values.put("port", Integer.toString(port));
        values.put("user", user);
        values.put("application_name", applicationName);
        values.put("passfile", passfile);
        values.putAll(FAST_FAILURE_DETECTION);
        return render(values);
    }

    /** The connection pg_rewind opens to the new primary, as the superuser, to read its files. */
    public static String rewindSource(String host, int port, String superuser, String passfile) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("host", host);
        values.put("port", Integer.toString(port));
        values.put("user", superuser);
        values.put("dbname", "postgres");
        values.put("passfile", passfile);
        values.putAll(FAST_FAILURE_DETECTION);
        return render(values);
    }

    /** Renders {@code key=value} pairs separated by spaces, quoting values where libpq needs it. */
    public static String render(Map<String, String> values) {
        StringBuilder text = new StringBuilder();
        values.forEach((key, value) -> {
            if (!text.isEmpty()) {
                text.append(' ');
            }
            text.append(key).append('=').append(quote(value));
        });
        return text.toString();
    }

    /**
     * Quotes one value: plain when it is made of safe characters, otherwise in single quotes with
     * {@code \'} and {@code \\} escapes (libpq's rule), so spaces and quotes survive.
     */
    public static String quote(String value) {
        if (SAFE_UNQUOTED.matcher(value).matches()) {
            return value;
        }
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static Map<String, String> orderedOf(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
