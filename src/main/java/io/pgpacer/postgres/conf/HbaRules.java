package io.pgpacer.postgres.conf;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Renders pg_hba.conf for a pgpacer cluster: peer on the unix socket, trust on loopback (the agent
 * monitors over 127.0.0.1), scram-sha-256 for replication and for pg_rewind from every node, then the
 * operator's own lines.
 */
public final class HbaRules {
    private static final Pattern PLAIN_NAME = Pattern.compile("[a-z_][a-z0-9_$]*");
    // Words with a meaning in pg_hba's user column; a role with such a name must be double-quoted.
    private static final Set<String> KEYWORDS = Set.of("all", "sameuser", "samerole", "samegroup", "replication");
    private static final String LINE = "%-7s %-12s %-16s %-40s %s%n";

    private HbaRules() {
    }

    /**
     * @param nodeAddresses every node's address (IP or host name; a {@code /prefix} is kept as given)
     * @throws IllegalArgumentException if a name or line cannot be expressed in pg_hba.conf
     */
    public static String render(List<String> nodeAddresses, String superuser, String replicationUser,
                                List<String> extraLines) {
        String repl = roleToken(replicationUser);
        String su = roleToken(superuser);
        List<String> cidrs = new ArrayList<>(new LinkedHashSet<>(nodeAddresses.stream().map(HbaRules::cidr).toList()));
        StringBuilder text = new StringBuilder();
        text.append("# Written by pgpacer; changes here are overwritten. Add rules through the pgpacer configuration.\n");
        text.append(String.format(LINE, "# TYPE", "DATABASE", "USER", "ADDRESS", "METHOD"));
        text.append("# Administrators on this host, as their own OS user.\n");
        text.append(String.format(LINE, "local", "all", "all", "", "peer"));
        text.append("# The pgpacer agent monitors and manages PostgreSQL over loopback.\n");
        text.append(String.format(LINE, "host", "all", "all", "127.0.0.1/32", "trust"));
        text.append(String.format(LINE, "host", "all", "all", "::1/128", "trust"));
        text.append("# Streaming replication and base backups.\n");
        text.append(String.format(LINE, "host", "replication", repl, "127.0.0.1/32", "scram-sha-256"));
        text.append(String.format(LINE, "host", "replication", repl, "::1/128", "scram-sha-256"));
        for (String cidr : cidrs) {
            text.append(String.format(LINE, "host", "replication", repl, cidr, "scram-sha-256"));
        }
        if (!cidrs.isEmpty()) {
            text.append("# pg_rewind reads the new primary's files as the superuser.\n");
            for (String cidr : cidrs) {
                text.append(String.format(LINE, "host", "all", su, cidr, "scram-sha-256"));
            }
        }
        if (!extraLines.isEmpty()) {
            text.append("# Operator rules.\n");
            for (String line : extraLines) {
                if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
                    throw new IllegalArgumentException("pg_hba line contains a line break: give one rule per entry");
                }
                text.append(line.strip()).append('\n');
            }
        }
        return text.toString();
    }

    /** An address as pg_hba wants it: IPv4 as /32, IPv6 as /128, a CIDR or host name unchanged. */
    static String cidr(String address) {
        String trimmed = address.strip();
        if (trimmed.isEmpty() || trimmed.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("node address '" + address + "' is not an IP address or host name");
        }
        if (trimmed.contains("/")) {
            return trimmed;
        }
        if (trimmed.contains(":")) {
            return trimmed + "/128";
        }
        if (trimmed.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return trimmed + "/32";
        }
        return trimmed;
    }

    /** A role name as a pg_hba token, double-quoted when it is not a plain lower-case identifier. */
    static String roleToken(String role) {
        if (PLAIN_NAME.matcher(role).matches() && !KEYWORDS.contains(role)) {
            return role;
        }
        // pg_hba has no escape for a double quote inside a quoted token.
        if (role.contains("\"") || role.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("role name '" + role + "'"
                    + " cannot be written in pg_hba.conf: it contains a double quote or line break");
        }
        return "\"" + role + "\"";
    }
}
