package io.pgpacer.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The PostgreSQL section of a node's configuration.
 *
 * @param binDir explicit location of PostgreSQL's programs, or null to detect them
 * @param osUser the operating-system user PostgreSQL runs as when the agent runs as root
 */
public record PostgresConfig(Path binDir, Path dataDir, String osUser, String superuser, String superuserPassword,
        String replicationUser, String replicationPassword, Map<String, String> parameters, List<String> hbaLines) {

    public PostgresConfig {
        parameters = Map.copyOf(parameters);
        hbaLines = List.copyOf(hbaLines);
    }

    @Override
    public String toString() {
        // why: configurations are logged and shown; passwords never are.
        return "PostgresConfig[binDir=" + binDir + ", dataDir=" + dataDir + ", osUser=" + osUser + ", superuser="
                + superuser + ", superuserPassword=" + mask(superuserPassword) + ", replicationUser=" + replicationUser
                + ", replicationPassword=" + mask(replicationPassword) + ", parameters=" + parameters + ", hbaLines="
                + hbaLines + "]";
    }

    private static String mask(String secret) {
        return secret == null ? "none" : "********";
    }
}
