package io.pgpacer.postgres.conf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code postgresql.auto.conf} (ALTER SYSTEM) overrides pgpacer.conf. pg_rewind and pg_basebackup copy it from the
 * source node, so settings that describe that node, not this one, arrive with it: a source whose replication an
 * operator (or a test) cut with {@code ALTER SYSTEM SET primary_conninfo = ''} would leave the copy a standby that
 * streams from nobody. After a copy, the settings that pgpacer renders per node are dropped from the copied file.
 */
public final class AutoConf {

    /** The settings pgpacer renders for this node's identity and role; a source's values are wrong here. */
    public static final Set<String> NODE_SETTINGS = Set.of("primary_conninfo", "primary_slot_name",
            "synchronous_standby_names", "cluster_name", "port", "listen_addresses", "unix_socket_directories",
            "recovery_target_timeline");

    /** The file without the lines that set one of {@code names}, and the names it dropped. */
    public record Cleaned(String text, List<String> dropped) {
    }

    private AutoConf() {
    }

    /** {@code text} (a postgresql.auto.conf) without the lines that set one of {@code names}. Pure. */
    public static Cleaned without(String text, Set<String> names) {
        StringBuilder kept = new StringBuilder();
        List<String> dropped = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            String name = settingName(line);
            if (name != null && names.contains(name)) {
                dropped.add(name);
            } else {
                kept.append(line).append('\n');
            }
        }
        // why: split keeps the text after the last newline as an empty element; the loop added one newline too many
        String result = kept.substring(0, kept.length() - 1);
        return new Cleaned(result, List.copyOf(dropped));
    }

    // The parameter a line sets ('name = value', 'name value', any case), or null for a comment or an empty line.
    private static String settingName(String line) {
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) {
            return null;
        }
        int end = 0;
        while (end < trimmed.length() && (Character.isLetterOrDigit(trimmed.charAt(end)) || trimmed.charAt(end) == '_'
                || trimmed.charAt(end) == '.')) {
            end++;
        }
        return end == 0 ? null : trimmed.substring(0, end).toLowerCase(Locale.ROOT);
    }
}
