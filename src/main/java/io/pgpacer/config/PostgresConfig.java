package io.pgpacer.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The PostgreSQL section of a node's configuration.
 *
 * @param binDir explicit location of PostgreSQL's programs, or null to detect them
 * @param osUser the operating-system user PostgreSQL runs as when the agent runs as root
 * @param commitGuard whether PostgreSQL loads pgpacer_guard (key {@code commit-guard})
 */
public record PostgresConfig(Path binDir, Path dataDir, String osUser, String superuser, String superuserPassword,
        String replicationUser, String replicationPassword, Map<String, String> parameters, List<String> hbaLines,
        CommitGuardMode commitGuard) {

    public PostgresConfig {
        parameters = Map.copyOf(parameters);
        hbaLines = List.copyOf(hbaLines);
        commitGuard = commitGuard == null ? CommitGuardMode.AUTO : commitGuard;
    }

    /** A configuration with {@code commit-guard: auto}. */
    public PostgresConfig(Path binDir, Path dataDir, String osUser, String superuser, String superuserPassword,
            String replicationUser, String replicationPassword, Map<String, String> parameters,
            List<String> hbaLines) {
        this(binDir, dataDir, osUser, superuser, superuserPassword, replicationUser, replicationPassword, parameters,
                hbaLines, CommitGuardMode.AUTO);
    }

    @Override
    public String toString() {
        // why: configurations are logged and shown; passwords never are.
        return "PostgresConfig[binDir=" + binDir + ", dataDir=" + dataDir + ", osUser=" + osUser + ", superuser="
                + superuser + ", superuserPassword=" + mask(superuserPassword) + ", replicationUser=" + replicationUser
                + ", replicationPassword=" + mask(replicationPassword) + ", parameters=" + parameters + ", hbaLines="
                + hbaLines + ", commitGuard=" + commitGuard + "]";
    }

    private static String mask(String secret) {
        return secret == null ? "none" : "********";
    }
}
