package io.pgpacer.postgres.conf;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code pgpacer.conf} file that postgresql.conf includes last: the replication settings pgpacer
 * relies on, the node's network settings, the operator's parameters and, on a standby, its upstream.
 */
public final class PgpacerConf {
    /** The file name, relative to the data directory (postgresql.conf includes it with this name). */
    public static final String FILE_NAME = "pgpacer.conf";

    /** The line initdb appends to postgresql.conf; relative includes resolve against the data directory. */
    public static final String INCLUDE_LINE = "include_if_exists = '" + FILE_NAME + "'";

    private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z0-9_]+)*");

    // Parameters pgpacer derives from its own settings and the node's role; letting an operator set them
    // would let a typo make a standby stream from the wrong node or lose its socket.
    private static final Map<String, String> MANAGED = Map.ofEntries(
            Map.entry("port", "set the node's postgresql port instead"),
            Map.entry("listen_addresses", "set the node's postgresql listen address instead"),
            Map.entry("unix_socket_directories", "it is the node's run directory"),
            Map.entry("primary_conninfo", "pgpacer points each standby at the current primary"),
            Map.entry("recovery_target_timeline", "standbys must follow the latest timeline"),
            Map.entry("hot_standby", "pgpacer monitors standbys over SQL"),
            Map.entry("wal_log_hints", "pg_rewind needs it"),
            Map.entry("include", "include files are not supported"),
            Map.entry("include_if_exists", "include files are not supported"),
            Map.entry("include_dir", "include files are not supported"),
            Map.entry("data_directory", "set the node's data directory instead"),
            Map.entry("config_file", "pgpacer manages the configuration files"),
            Map.entry("hba_file", "pgpacer manages pg_hba.conf"),
            Map.entry("synchronous_standby_names", "set the cluster's replication mode instead; pgpacer chooses the"
                    + " sync standbys"));

    private static final Set<String> REPLICATION_WAL_LEVELS = Set.of("replica", "logical");

    private PgpacerConf() {
    }

    /**
     * What the rendered file depends on. {@code primaryConninfo} is null on a primary;
     * {@code synchronousStandbyNames} is empty for asynchronous replication.
     */
    public record Inputs(int majorVersion, String listenAddress, int port, String socketDirectory,
                         String clusterName, Map<String, String> userParameters, String primaryConninfo,
                         String synchronousStandbyNames, boolean commitGuard) {

        /** Inputs without the commit guard. */
        public Inputs(int majorVersion, String listenAddress, int port, String socketDirectory, String clusterName,
                Map<String, String> userParameters, String primaryConninfo, String synchronousStandbyNames) {
            this(majorVersion, listenAddress, port, socketDirectory, clusterName, userParameters, primaryConninfo,
                    synchronousStandbyNames, false);
        }
    }

    /** The commit guard's library, as shared_preload_libraries names it. */
    public static final String COMMIT_GUARD_LIBRARY = "pgpacer_guard";

    /**
     * {@code synchronous_standby_names} for "any {@code k} of {@code names}", names double-quoted as
     * PostgreSQL requires for anything but plain lower-case identifiers; empty for none.
     */
    public static String synchronousStandbyNames(java.util.List<String> names, int k) {
        if (names.isEmpty()) {
            return "";
        }
        if (names.size() == 1 && k == 1) {
            // One named standby: PostgreSQL then reports it as 'sync' rather than 'quorum'.
            return '"' + checkedName(names.get(0)) + '"';
        }
        StringBuilder value = new StringBuilder("ANY ").append(k).append(" (");
        for (int i = 0; i < names.size(); i++) {
            value.append(i == 0 ? "" : ", ").append('"').append(checkedName(names.get(i))).append('"');
        }
        return value.append(')').toString();
    }

    private static String checkedName(String name) {
        if (name.indexOf('"') >= 0) {
            throw new IllegalArgumentException("a standby name may not contain '\"': " + name);
        }
        return name;
    }

    /**
     * Checks the operator's extra parameters: valid names, values on one line, none that pgpacer
     * manages, and a wal_level that still allows streaming replication.
     *
     * @throws IllegalArgumentException naming the parameter and what to do instead
     */
    public static void validateUserParameters(Map<String, String> parameters) {
        parameters.forEach((name, value) -> {
            if (name == null || !PARAMETER_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("postgresql parameter name '" + name
                        + "' is not valid: use letters, digits and underscores, like shared_buffers");
            }
            String key = name.toLowerCase(Locale.ROOT);
            if (MANAGED.containsKey(key)) {
                throw new IllegalArgumentException("postgresql parameter '" + name + "' is managed by pgpacer: "
                        + MANAGED.get(key));
            }
            if (value == null) {
                throw new IllegalArgumentException("postgresql parameter '" + name + "' has no value");
            }
            requireOneLine(name, value);
            if (key.equals("wal_level") && !REPLICATION_WAL_LEVELS.contains(value.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("postgresql parameter wal_level = '" + value
                        + "' does not allow streaming replication: use replica or logical");
            }
        });
    }

    /**
     * The parameters in file order: pgpacer's defaults, then the operator's (which override defaults),
     * then the managed ones (which nobody overrides).
     */
    public static Map<String, String> parameters(Inputs inputs) {
        Map<String, String> result = new LinkedHashMap<>();
        result.put("wal_level", "replica");
        result.put("max_wal_senders", "10");
        result.put("max_replication_slots", "10");
        // Enough WAL for a standby to survive a short disconnect without a new base backup;
        // PostgreSQL 12 only knows the older segment-count form (16 x 16MB = 256MB).
        if (inputs.majorVersion() >= 13) {
            result.put("wal_keep_size", "256MB");
        } else {
            result.put("wal_keep_segments", "16");
        }
        result.put("hot_standby_feedback", "on");
        // why: fencing stops PostgreSQL with an immediate shutdown, which still waits for connections in
        // authentication; after a host freeze a half-open one holds it for the whole timeout (default 60 s).
        result.put("authentication_timeout", "10s");
        // why: a standby cut off silently (packets dropped) stays 'streaming' in pg_stat_replication until the
        // walsender times out (default 60 s); a synchronous primary's commits wait all that time before
        // sync-timeout even starts to count.
        result.put("wal_sender_timeout", "5s");
        result.put("cluster_name", inputs.clusterName());
        inputs.userParameters().forEach((name, value) -> result.put(name.toLowerCase(Locale.ROOT), value));
        if (inputs.commitGuard()) {
            result.put("shared_preload_libraries", withLibrary(result.get("shared_preload_libraries")));
        }
        result.put("port", Integer.toString(inputs.port()));
        result.put("listen_addresses", inputs.listenAddress());
        result.put("unix_socket_directories", inputs.socketDirectory());
        result.put("hot_standby", "on");
        result.put("wal_log_hints", "on");
        if (inputs.primaryConninfo() != null) {
            result.put("primary_conninfo", inputs.primaryConninfo());
            result.put("recovery_target_timeline", "latest");
        }
        result.put("synchronous_standby_names", inputs.synchronousStandbyNames());
        return result;
    }

    // The operator's libraries stay, in their order; the guard comes last and only once.
    private static String withLibrary(String librariesOrNull) {
        if (librariesOrNull == null || librariesOrNull.isBlank()) {
            return COMMIT_GUARD_LIBRARY;
        }
        for (String library : librariesOrNull.split(",")) {
            if (library.trim().replace("\"", "").equals(COMMIT_GUARD_LIBRARY)) {
                return librariesOrNull;
            }
        }
        return librariesOrNull + ", " + COMMIT_GUARD_LIBRARY;
    }

    /** Renders the file; every value is quoted, which PostgreSQL accepts for any parameter type. */
    public static String render(Map<String, String> parameters) {
        StringBuilder text = new StringBuilder()
                .append("# Written by pgpacer; changes here are overwritten. Set parameters in the pgpacer\n")
                .append("# configuration instead. postgresql.auto.conf (ALTER SYSTEM) still overrides this file.\n");
        parameters.forEach((name, value) -> {
            requireOneLine(name, value);
            text.append(name).append(" = ").append(quote(value)).append('\n');
        });
        return text.toString();
    }

    /**
     * Quotes a value for postgresql.conf: single quotes are doubled and backslashes escaped, because the
     * configuration lexer treats a backslash inside quotes as an escape character.
     */
    public static String quote(String value) {
        requireOneLine("value", value);
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    private static void requireOneLine(String name, String value) {
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("postgresql parameter '" + name
                    + "' contains a line break or NUL character, which postgresql.conf cannot hold");
        }
    }
}
