package io.pgpacer.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.core.cib.ClusterProperty;
import io.pgpacer.core.cib.CommitsHangPolicy;
import io.pgpacer.core.cib.NoQuorumPolicy;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.resource.Resources;
import io.pgpacer.core.cib.RecoveryPolicy;
import io.pgpacer.core.cib.ReplicationMode;
import io.pgpacer.core.cib.SyncPolicy;
import io.pgpacer.core.model.Durations;
import io.pgpacer.core.model.VipAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a node's YAML configuration and validates all of it before anything starts. Every problem is
 * reported as one {@link ConfigException} naming the file, the key, what was found and what is expected.
 * Paths may contain {@code {node}}, replaced by the local node's name; relative paths are resolved against
 * the file's directory. Secret files are read only for an agent ({@link #load}); an operator command
 * ({@link #loadCluster}) needs none of them.
 */
public final class ConfigLoader {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final Pattern HOST_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Set<String> TOP_KEYS = Set.of("cluster", "node", "nodes", "postgresql", "state-dir",
            "timings", "migration-threshold", "failure-timeout", "write-probe-timeout", "write-probe-failure",
            "replication", "api", "tls",
            "virtual-ips", "no-quorum-policy", "failsafe", "auto-rewind", "resources", "constraints");
    private static final Set<String> NODE_KEYS = Set.of("name", "address", "api-port", "raft-port", "pg-port", "role");
    private static final Set<String> PG_KEYS = Set.of("commit-guard", "bin-dir", "data-dir", "os-user", "superuser",
            "superuser-password", "superuser-password-file", "replication-user", "replication-password",
            "replication-password-file", "parameters", "pg-hba");
    private static final Set<String> TIMING_KEYS = Set.of("monitor-interval", "lease-time", "bootstrap-wait",
            "restart-backoff", "restart-backoff-max");
    private static final Set<String> REPLICATION_KEYS = Set.of("mode", "quorum", "sync-timeout", "strict");
    private static final Set<String> VIP_KEYS = Set.of("writer", "reader", "nic", "reader-without-standby");
    private static final Set<String> API_KEYS = Set.of("token-file", "client-auth", "auth-reads", "auth-health-checks");
    private static final Set<String> TLS_KEYS = Set.of("cert-file", "key-file", "ca-file");

    /** Stands for "whichever node comes first" when the caller is not a node. */
    private static final String ANY_NODE = "\0any";

    private final Path file;
    private final boolean readSecrets;

    private ConfigLoader(Path file, boolean readSecrets) {
        this.file = file;
        this.readSecrets = readSecrets;
    }

    /**
     * Loads and validates {@code file}.
     *
     * @param nodeOverride the local node's name from the command line, or null to take the file's {@code node}
     */
    public static AgentConfig load(Path file, String nodeOverride) {
        return new ConfigLoader(file, true).read(text(file), nodeOverride);
    }

    /**
     * Loads {@code file} for an operator command, which needs the cluster's nodes but runs as no node: the
     * file's {@code node} key is optional then, and no password file is read (an operator without access to
     * them can still run read-only commands; the passwords of the result are null).
     */
    public static AgentConfig loadCluster(Path file) {
        return new ConfigLoader(file, false).read(text(file), ANY_NODE);
    }

    /** Validates configuration text as if it had been read from {@code file}. */
    public static AgentConfig parse(Path file, String text, String nodeOverride) {
        return new ConfigLoader(file, true).read(text, nodeOverride);
    }

    /**
     * Validates configuration text that will be written to {@code file} (by {@code pgpacer cluster setup}) as every
     * node's agent will read it, without reading the secret files it names, which may live on the nodes only.
     */
    public static void check(Path file, String text) {
        AgentConfig cluster = new ConfigLoader(file, false).read(text, ANY_NODE);
        for (NodeSpec node : cluster.nodes()) {
            new ConfigLoader(file, false).read(text, node.name());
        }
    }

    private static String text(Path file) {
        try {
            return InputFiles.read(file, InputFiles.DOCUMENT_LIMIT);
        } catch (InputFiles.UnusableFileException e) {
            throw new ConfigException(e.getMessage() + (e.missing()
                    ? "; pass the agent's YAML configuration with --config" : "; give the YAML configuration file"));
        }
    }

    private AgentConfig read(String text, String nodeOverride) {
        JsonNode root;
        try {
            root = StrictYaml.read(text);
        } catch (StrictYaml.InvalidYamlException e) {
            throw fail(e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw fail("must be a YAML mapping with at least 'cluster', 'nodes' and 'postgresql'");
        }
        rejectUnknownKeys(root, "", TOP_KEYS);
        String cluster = name(root, "cluster");
        List<NodeSpec> nodes = nodes(root.get("nodes"));
        String node = ANY_NODE.equals(nodeOverride)
                ? (root.has("node") ? textOf(root.get("node"), "node") : nodes.get(0).name())
                : nodeOverride != null ? nodeOverride
                : requiredText(root, "node", "node", "the local node's name (or pass --node)");
        if (nodes.stream().noneMatch(n -> n.name().equals(node))) {
            throw fail("key 'node': '" + node + "' is not one of the configured nodes "
                    + nodes.stream().map(NodeSpec::name).toList());
        }
        boolean witness = nodes.stream().filter(n -> n.name().equals(node)).findFirst().orElseThrow().witness();
        PostgresConfig postgres = witness && !root.has("postgresql") ? null : postgres(root.get("postgresql"), node);
        Path stateDir = root.has("state-dir") ? path(textOf(root.get("state-dir"), "state-dir"), node)
                : Path.of("/var/lib/pgpacer", node);
        Timings timings = timings(root.get("timings"));
        int threshold = Integer.parseInt(property(root, ClusterProperty.MIGRATION_THRESHOLD));
        SyncPolicy replication = replication(root.get("replication"), nodes);
        TlsConfig tls = tls(root.get("tls"), node);
        ApiConfig api = api(root.get("api"), node, tls != null);
        VirtualIps vips = virtualIps(root.get("virtual-ips"));
        RecoveryPolicy recovery = new RecoveryPolicy(
                NoQuorumPolicy.valueOf(property(root, ClusterProperty.NO_QUORUM_POLICY).toUpperCase(Locale.ROOT)),
                Boolean.parseBoolean(property(root, ClusterProperty.FAILSAFE)),
                Boolean.parseBoolean(property(root, ClusterProperty.AUTO_REWIND)),
                CommitsHangPolicy.valueOf(property(root, ClusterProperty.WRITE_PROBE_FAILURE).toUpperCase(Locale.ROOT)));
        long failureTimeout = Durations.parse(property(root, ClusterProperty.FAILURE_TIMEOUT)).orElseThrow();
        long writeProbeTimeout = Durations.parse(property(root, ClusterProperty.WRITE_PROBE_TIMEOUT)).orElseThrow();
        List<String> problems = new ArrayList<>();
        Resources resources = ResourceDocument.parse(root.get("resources"), root.get("constraints"),
                nodes.stream().filter(NodeSpec::holdsData).map(NodeSpec::name).toList(), problems);
        if (!problems.isEmpty()) {
            throw fail(String.join("; ", problems));
        }
        return new AgentConfig(file, cluster, node, nodes, postgres, stateDir, timings, threshold, replication, api,
                tls, vips, recovery, failureTimeout, resources == null ? Resources.EMPTY : resources, writeProbeTimeout);
    }

    private List<NodeSpec> nodes(JsonNode list) {
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw fail("key 'nodes': expected a list of nodes, each with 'name' and 'address'");
        }
        List<NodeSpec> nodes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> endpoints = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String key = "nodes[" + i + "]";
            JsonNode n = list.get(i);
            if (!n.isObject()) {
                throw fail("key '" + key + "': expected a mapping with 'name' and 'address'");
            }
            rejectUnknownKeys(n, key + ".", NODE_KEYS);
            String name = name(n, key + ".name");
            if (!names.add(name)) {
                throw fail("key '" + key + ".name': node name '" + name + "' is used twice");
            }
            String address = address(requiredText(n, "address", key + ".address",
                    "the host name or IP address of the node"), key + ".address");
            int api = port(n, "api-port", key, 8008);
            int raft = port(n, "raft-port", key, 7400);
            int pg = port(n, "pg-port", key, 5432);
            String role = n.has("role") ? textOf(n.get("role"), key + ".role") : "data";
            if (!role.equals("data") && !role.equals("witness")) {
                throw fail("key '" + key + ".role': expected 'data' or 'witness', got '" + role + "'");
            }
            boolean witness = role.equals("witness");
            for (int port : witness ? new int[] {api, raft} : new int[] {api, raft, pg}) {
                if (!endpoints.add(address + ":" + port)) {
                    throw fail("key '" + key + "': port " + port + " on " + address
                            + " is already used by another node or service in this file");
                }
            }
            nodes.add(new NodeSpec(name, address, api, raft, witness ? 0 : pg, witness));
        }
        if (nodes.stream().noneMatch(NodeSpec::holdsData)) {
            throw fail("key 'nodes': at least one node must have role 'data'");
        }
        return nodes;
    }

    private PostgresConfig postgres(JsonNode pg, String node) {
        if (pg == null || !pg.isObject()) {
            throw fail("key 'postgresql': expected a mapping with at least 'data-dir'");
        }
        rejectUnknownKeys(pg, "postgresql.", PG_KEYS);
        Path binDir = pg.has("bin-dir") ? path(textOf(pg.get("bin-dir"), "postgresql.bin-dir"), node) : null;
        Path dataDir = path(requiredText(pg, "data-dir", "postgresql.data-dir",
                "the PostgreSQL data directory, e.g. /var/lib/pgpacer/{node}/data"), node);
        String osUser = optionalText(pg, "os-user", "postgresql.os-user", "postgres");
        String superuser = optionalText(pg, "superuser", "postgresql.superuser", "postgres");
        String replicationUser = optionalText(pg, "replication-user", "postgresql.replication-user", "replicator");
        String superPassword = secret(pg, "superuser-password", node);
        String replicationPassword = secret(pg, "replication-password", node);
        Map<String, String> parameters = new LinkedHashMap<>();
        if (pg.has("parameters")) {
            JsonNode params = pg.get("parameters");
            if (!params.isObject()) {
                throw fail("key 'postgresql.parameters': expected a mapping of postgresql.conf settings");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().matches("[a-z_][a-z0-9_.]*")) {
                    throw fail("key 'postgresql.parameters." + e.getKey() + "': not a PostgreSQL setting name");
                }
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    throw fail("key 'postgresql.parameters." + e.getKey() + "': expected a single value");
                }
                if (e.getValue().asText().chars().anyMatch(Character::isISOControl)) {
                    throw fail("key 'postgresql.parameters." + e.getKey() + "': the value holds a line break or another"
                            + " control character; write it on one line");
                }
                parameters.put(e.getKey(), e.getValue().asText());
            }
        }
        List<String> hba = new ArrayList<>();
        if (pg.has("pg-hba")) {
            JsonNode lines = pg.get("pg-hba");
            if (!lines.isArray()) {
                throw fail("key 'postgresql.pg-hba': expected a list of pg_hba.conf lines");
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = textOf(lines.get(i), "postgresql.pg-hba[" + i + "]");
                if (!line.matches("\\s*(local|host|hostssl|hostnossl|hostgssenc|hostnogssenc)\\s+\\S.*")) {
                    throw fail("key 'postgresql.pg-hba[" + i + "]': expected a pg_hba.conf line starting with local,"
                            + " host, hostssl or hostnossl, got '" + line + "'");
                }
                hba.add(line.trim());
            }
        }
        String guard = optionalText(pg, "commit-guard", "postgresql.commit-guard", "auto");
        CommitGuardMode commitGuard = CommitGuardMode.parse(guard).orElseThrow(() -> fail(
                "key 'postgresql.commit-guard': '" + guard + "' is not a mode; use auto, on or off"));
        return new PostgresConfig(binDir, dataDir, osUser, superuser, superPassword, replicationUser,
                replicationPassword, parameters, hba, commitGuard);
    }

    private String secret(JsonNode pg, String key, String node) {
        String fileKey = key + "-file";
        if (pg.has(key) && pg.has(fileKey)) {
            throw fail("keys 'postgresql." + key + "' and 'postgresql." + fileKey + "': give one of them, not both");
        }
        if (pg.has(key)) {
            // why textOf refuses control characters here too: a line break would split the .pgpass entry
            return textOf(pg.get(key), "postgresql." + key);
        }
        if (!pg.has(fileKey)) {
            return null;
        }
        Path secretFile = path(textOf(pg.get(fileKey), "postgresql." + fileKey), node);
        if (!readSecrets) {
            return null;
        }
        String content;
        try {
            content = InputFiles.read(secretFile, InputFiles.SECRET_LIMIT).strip();
        } catch (InputFiles.UnusableFileException e) {
            throw fail("key 'postgresql." + fileKey + "': " + e.getMessage() + "; the agent reads the password from"
                    + " this file");
        }
        if (content.isEmpty()) {
            throw fail("key 'postgresql." + fileKey + "': " + secretFile + " is empty; write the password into it");
        }
        if (content.chars().anyMatch(Character::isISOControl)) {
            throw fail("key 'postgresql." + fileKey + "': " + secretFile + " holds more than one line or a control"
                    + " character; write the password alone on one line");
        }
        return content;
    }

    // The files are only named here; the agent reads them before it starts, the CLI only those it needs.
    private TlsConfig tls(JsonNode t, String node) {
        if (t == null) {
            return null;
        }
        if (!t.isObject()) {
            throw fail("key 'tls': expected a mapping with 'cert-file', 'key-file' and 'ca-file'");
        }
        rejectUnknownKeys(t, "tls.", TLS_KEYS);
        Path cert = path(requiredText(t, "cert-file", "tls.cert-file",
                "this node's certificate chain in PEM, e.g. /etc/pgpacer/tls/{node}.crt"), node);
        Path key = path(requiredText(t, "key-file", "tls.key-file",
                "this node's private key in PEM (PKCS#8), e.g. /etc/pgpacer/tls/{node}.key"), node);
        Path ca = path(requiredText(t, "ca-file", "tls.ca-file",
                "the cluster CA's certificate in PEM, which signed every node's certificate"), node);
        return new TlsConfig(file, cert, key, ca);
    }

    private ApiConfig api(JsonNode a, String node, boolean tls) {
        if (a == null) {
            return ApiConfig.DEFAULTS;
        }
        if (!a.isObject()) {
            throw fail("key 'api': expected a mapping with 'token-file' and optionally 'client-auth', 'auth-reads',"
                    + " 'auth-health-checks'");
        }
        rejectUnknownKeys(a, "api.", API_KEYS);
        Path token = a.has("token-file") ? path(textOf(a.get("token-file"), "api.token-file"), node) : null;
        String authText = a.has("client-auth") ? textOf(a.get("client-auth"), "api.client-auth") : "none";
        ApiConfig.ClientAuth clientAuth;
        try {
            clientAuth = ApiConfig.ClientAuth.valueOf(authText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw fail("key 'api.client-auth': expected none, optional or required, got '" + authText + "'");
        }
        if (clientAuth != ApiConfig.ClientAuth.NONE && !tls) {
            throw fail("key 'api.client-auth': client certificates need TLS; add a 'tls' section with cert-file,"
                    + " key-file and ca-file, or remove api.client-auth");
        }
        return new ApiConfig(token, clientAuth, bool(a, "auth-reads", "api."), bool(a, "auth-health-checks", "api."));
    }

    private boolean bool(JsonNode parent, String field, String prefix) {
        JsonNode value = parent.get(field);
        if (value == null) {
            return false;
        }
        return StrictYaml.bool(value).orElseThrow(() -> fail("key '" + prefix + field + "': expected true or false, got '"
                + value.asText() + "'"));
    }

    private SyncPolicy replication(JsonNode r, List<NodeSpec> nodes) {
        if (r == null) {
            return SyncPolicy.ASYNC;
        }
        if (!r.isObject()) {
            throw fail("key 'replication': expected a mapping with 'mode' (async, sync or quorum)");
        }
        rejectUnknownKeys(r, "replication.", REPLICATION_KEYS);
        String modeText = r.has("mode") ? textOf(r.get("mode"), "replication.mode") : "async";
        ReplicationMode mode;
        try {
            mode = ReplicationMode.valueOf(modeText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw fail("key 'replication.mode': expected async, sync or quorum, got '" + modeText + "'");
        }
        long standbys = nodes.stream().filter(NodeSpec::holdsData).count() - 1;
        if (mode != ReplicationMode.ASYNC && standbys < 1) {
            throw fail("key 'replication.mode': " + modeText + " replication needs at least two data nodes");
        }
        int quorum = 0;
        if (r.has("quorum")) {
            if (mode != ReplicationMode.QUORUM) {
                throw fail("key 'replication.quorum': only used with mode quorum (this file says mode " + modeText + ")");
            }
            quorum = intIn(r.get("quorum"), "replication.quorum", 1, (int) standbys,
                    "a number of standbys from 1 to " + standbys);
        } else if (mode == ReplicationMode.QUORUM) {
            throw fail("key 'replication.quorum' is missing: expected how many standbys acknowledge each commit (k)");
        }
        Duration timeout = duration(r, DurationKey.SYNC_TIMEOUT);
        boolean strict = bool(r, "strict", "replication.");
        return new SyncPolicy(mode, quorum, timeout.toMillis(), strict);
    }

    // why through ClusterProperty: the file, 'pgpacer property set' and 'cib replace' accept the same values and
    // refuse the same ones with the same words.
    private String property(JsonNode root, ClusterProperty property) {
        JsonNode value = root.get(property.propertyName());
        if (value == null) {
            return property.defaultValue();
        }
        if (!value.isValueNode() || value.isNull()) {
            throw fail("key '" + property.propertyName() + "': expected " + property.accepted() + ", got '"
                    + value + "'");
        }
        try {
            return property.parse(value.asText());
        } catch (IllegalArgumentException e) {
            throw fail("key '" + property.propertyName() + "': " + e.getMessage());
        }
    }

    private VirtualIps virtualIps(JsonNode v) {
        if (v == null) {
            return VirtualIps.NONE;
        }
        if (!v.isObject() || !v.has("writer") && !v.has("reader")) {
            throw fail("key 'virtual-ips': expected a mapping with 'writer' and/or 'reader' (ADDRESS/PREFIX) and"
                    + " 'nic'");
        }
        rejectUnknownKeys(v, "virtual-ips.", VIP_KEYS);
        String nic = requiredText(v, "nic", "virtual-ips.nic", "the interface that carries the VIPs, e.g. eth0");
        VipAddress writer = v.has("writer") ? vip(v, "writer", nic) : null;
        VipAddress reader = v.has("reader") ? vip(v, "reader", nic) : null;
        if (writer != null && reader != null && writer.inetAddress().equals(reader.inetAddress())) {
            throw fail("key 'virtual-ips.reader': " + reader.address() + " is also the writer VIP; give the reader"
                    + " VIP an address of its own");
        }
        boolean toPrimary = false;
        if (v.has("reader-without-standby")) {
            if (reader == null) {
                throw fail("key 'virtual-ips.reader-without-standby': only used with a reader VIP; add"
                        + " 'virtual-ips.reader' or remove it");
            }
            String policy = textOf(v.get("reader-without-standby"), "virtual-ips.reader-without-standby");
            if (!policy.equals("stop") && !policy.equals("primary")) {
                throw fail("key 'virtual-ips.reader-without-standby': expected stop or primary, got '" + policy + "'");
            }
            toPrimary = policy.equals("primary");
        }
        return new VirtualIps(writer, reader, toPrimary);
    }

    private VipAddress vip(JsonNode v, String field, String nic) {
        String key = "virtual-ips." + field;
        String text = requiredText(v, field, key, "the " + field + " VIP as ADDRESS/PREFIX, e.g. 192.168.28.200/24");
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw fail("key '" + key + "': '" + text + "' has no prefix length; write ADDRESS/PREFIX, e.g. "
                    + text + "/24");
        }
        try {
            return new VipAddress(text.substring(0, slash), Integer.parseInt(text.substring(slash + 1)), nic);
        } catch (NumberFormatException e) {
            throw fail("key '" + key + "': '" + text.substring(slash + 1) + "' is not a prefix length");
        } catch (IllegalArgumentException e) {
            throw fail("key '" + key + "': " + e.getMessage());
        }
    }

    private Timings timings(JsonNode t) {
        if (t == null) {
            return Timings.DEFAULTS;
        }
        if (!t.isObject()) {
            throw fail("key 'timings': expected a mapping with monitor-interval, lease-time, bootstrap-wait");
        }
        rejectUnknownKeys(t, "timings.", TIMING_KEYS);
        Duration monitor = duration(t, DurationKey.MONITOR_INTERVAL);
        Duration lease = duration(t, DurationKey.LEASE_TIME);
        Duration wait = duration(t, DurationKey.BOOTSTRAP_WAIT);
        if (lease.compareTo(monitor) <= 0) {
            throw fail("key 'timings.lease-time': lease-time (" + text(lease) + ") must exceed monitor-interval ("
                    + text(monitor) + ")");
        }
        Duration backoff = duration(t, DurationKey.RESTART_BACKOFF);
        Duration defaultMax = Timings.DEFAULT_RESTART_BACKOFF_MAX.compareTo(backoff) < 0 ? backoff
                : Timings.DEFAULT_RESTART_BACKOFF_MAX;
        Duration backoffMax = t.has(DurationKey.RESTART_BACKOFF_MAX.field())
                ? duration(t, DurationKey.RESTART_BACKOFF_MAX) : defaultMax;
        if (backoffMax.compareTo(backoff) < 0) {
            throw fail("key 'timings.restart-backoff-max': restart-backoff-max (" + text(backoffMax)
                    + ") must be at least restart-backoff (" + text(backoff) + ")");
        }
        return new Timings(monitor, lease, wait, backoff, backoffMax);
    }

    // The key's value in its section, or its default; refused outside the key's range.
    private Duration duration(JsonNode section, DurationKey key) {
        JsonNode value = section.get(key.field());
        if (value == null) {
            return key.defaultValue();
        }
        Optional<Long> millis = value.isValueNode() && !value.isNull() ? Durations.parse(value.asText())
                : Optional.empty();
        if (millis.isEmpty()) {
            throw fail("key '" + key.key() + "': expected " + Durations.ACCEPTED + ", got '" + value.asText() + "'");
        }
        Optional<String> problem = key.range().problem(millis.get());
        if (problem.isPresent()) {
            throw fail("key '" + key.key() + "': " + problem.get() + " (" + key.range().text() + ")");
        }
        return Duration.ofMillis(millis.get());
    }

    private static String text(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
    }

    private int port(JsonNode n, String field, String key, int defaultPort) {
        return n.has(field) ? intIn(n.get(field), key + "." + field, 1, 65535, "a port number 1-65535") : defaultPort;
    }

    private int intIn(JsonNode value, String key, int min, int max, String expected) {
        java.util.OptionalLong number = StrictYaml.wholeNumber(value);
        if (number.isEmpty() || number.getAsLong() < min || number.getAsLong() > max) {
            throw fail("key '" + key + "': expected " + expected + ", got '" + value.asText() + "'");
        }
        return (int) number.getAsLong();
    }

    private String name(JsonNode parent, String key) {
        String field = key.contains(".") ? key.substring(key.lastIndexOf('.') + 1) : key;
        String value = requiredText(parent, field, key, "a name of letters, digits, '_', '.' or '-'");
        if (!NAME.matcher(value).matches()) {
            throw fail("key '" + key + "': '" + value + "' is not a valid name; use letters, digits, '_', '.' or '-'"
                    + " (at most 63 characters, starting with a letter or digit)");
        }
        return value;
    }

    private String requiredText(JsonNode parent, String field, String key, String expected) {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull()) {
            throw fail("key '" + key + "' is missing: expected " + expected);
        }
        return textOf(value, key);
    }

    private String optionalText(JsonNode parent, String field, String key, String defaultValue) {
        return parent.has(field) ? textOf(parent.get(field), key) : defaultValue;
    }

    private String textOf(JsonNode value, String key) {
        if (!value.isValueNode() || value.isNull() || value.asText().isBlank()) {
            throw fail("key '" + key + "': expected a non-empty value");
        }
        // why: every value ends up in a file or a command line (postgresql.conf, .pgpass, pg_hba.conf), where a
        // line break starts a new entry
        if (value.asText().chars().anyMatch(Character::isISOControl)) {
            throw fail("key '" + key + "': the value holds a line break or another control character; write it on"
                    + " one line");
        }
        return value.asText().trim();
    }

    private Path path(String raw, String node) {
        Path p;
        try {
            p = InputFiles.path(raw.replace("{node}", node));
        } catch (IllegalArgumentException e) {
            throw fail("key with the path '" + raw + "': " + e.getMessage());
        }
        Path base = file.toAbsolutePath().getParent();
        return p.isAbsolute() || base == null ? p : base.resolve(p).normalize();
    }

    // A node's address: an IPv4 or IPv6 address or a host name, checked without asking DNS.
    private String address(String text, String key) {
        String address = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (address.contains(":")) {
            if (address.matches("[0-9A-Fa-f:.]+")) {
                try {
                    // why safe: a text of hex digits, ':' and '.' is parsed as a literal, never looked up
                    return java.net.InetAddress.getByName(address) instanceof java.net.Inet6Address ? address
                            : badAddress(text, key);
                } catch (java.net.UnknownHostException e) {
                    return badAddress(text, key);
                }
            }
            return badAddress(text, key);
        }
        String[] labels = address.split("\\.", -1);
        if (address.matches("[0-9.]+")) {
            if (labels.length == 4 && java.util.Arrays.stream(labels)
                    .allMatch(l -> l.matches("0|[1-9][0-9]{0,2}") && Integer.parseInt(l) <= 255)) {
                return address;
            }
            return badAddress(text, key);
        }
        if (address.length() > 253 || !java.util.Arrays.stream(labels).allMatch(l -> HOST_LABEL.matcher(l).matches())) {
            return badAddress(text, key);
        }
        return address;
    }

    private String badAddress(String text, String key) {
        throw fail("key '" + key + "': '" + text + "' is not an IPv4 address (such as 192.168.28.151), an IPv6"
                + " address (such as fd00::151 or ::1) or a host name (letters, digits, '-' and '.')");
    }

    private void rejectUnknownKeys(JsonNode object, String prefix, Set<String> known) {
        for (Iterator<String> it = object.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!known.contains(key)) {
                throw fail("unknown key '" + prefix + key + "'; expected one of " + known.stream().sorted().toList());
            }
        }
    }

    private ConfigException fail(String problem) {
        return new ConfigException(file + ": " + problem);
    }
}
