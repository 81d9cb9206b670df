package io.pgpacer.postgres;

import io.pgpacer.postgres.conf.PgpacerConf;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the adapter needs to run one node's PostgreSQL. {@code binDir} null means "detect";
 * {@code runDir} holds the unix socket, {@code postgresql.log} and the libpq passfile; passwords may be
 * null (then no password is set or sent) and never appear in {@link #toString()}.
 */
public record PostgresSettings(Path binDir, Path dataDir, Path runDir, String listenAddress, int port,
                               String osUser, String superuser, String superuserPassword,
                               String replicationUser, String replicationPassword,
                               Map<String, String> parameters, List<String> hbaLines, String nodeName) {

    private static final String MASK = "********";

    public PostgresSettings {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(runDir, "runDir");
        Objects.requireNonNull(listenAddress, "listenAddress");
        Objects.requireNonNull(osUser, "osUser");
        Objects.requireNonNull(superuser, "superuser");
        Objects.requireNonNull(replicationUser, "replicationUser");
        Objects.requireNonNull(nodeName, "nodeName");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("postgresql port (" + port + ") must be 1-65535");
        }
        if (nodeName.isBlank()) {
            throw new IllegalArgumentException("node name is empty");
        }
        if (superuser.isBlank() || replicationUser.isBlank()) {
            throw new IllegalArgumentException("postgresql superuser and replication user must not be empty");
        }
        // An insertion-ordered copy, so that pgpacer.conf lists the operator's parameters in their order.
        Map<String, String> orderedParameters = new LinkedHashMap<>(parameters == null ? Map.of() : parameters);
        PgpacerConf.validateUserParameters(orderedParameters);
        parameters = Collections.unmodifiableMap(orderedParameters);
        hbaLines = List.copyOf(hbaLines == null ? List.of() : hbaLines);
    }

    @Override
    public String toString() {
        return "PostgresSettings[binDir=" + binDir + ", dataDir=" + dataDir + ", runDir=" + runDir
                + ", listenAddress=" + listenAddress + ", port=" + port + ", osUser=" + osUser
                + ", superuser=" + superuser + ", superuserPassword=" + mask(superuserPassword)
                + ", replicationUser=" + replicationUser + ", replicationPassword=" + mask(replicationPassword)
                + ", parameters=" + parameters + ", hbaLines=" + hbaLines + ", nodeName=" + nodeName + "]";
    }

    private static String mask(String password) {
        return password == null ? "null" : MASK;
    }
}
