package io.pgpacer.pcs;

import io.pgpacer.core.cib.VipAddresses;
import io.pgpacer.core.model.Durations;
import io.pgpacer.core.resource.Constraint;
import io.pgpacer.core.resource.OnFail;
import io.pgpacer.core.resource.Operation;
import io.pgpacer.core.resource.PostgresClone;
import io.pgpacer.core.resource.ResourceSyntax;
import io.pgpacer.core.resource.Score;
import io.pgpacer.pcs.ImportNote.Kind;
import io.pgpacer.pcs.PacemakerConfig.Primitive;
import io.pgpacer.postgres.conf.Conninfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Translates a Pacemaker configuration that runs PostgreSQL with the pgsql resource agent into a pgpacer
 * configuration document (the YAML the agents read, as a tree of maps and lists) and a note for every part of the
 * input: what it became, or why it has no equivalent and what safe choice was made instead. Pure: no I/O.
 */
public final class PacemakerImport {

    /** A node's address and, when given, its ports (the defaults otherwise). */
    public record Endpoint(String address, Integer apiPort, Integer raftPort, Integer pgPort) {
    }

    /**
     * What the operator adds to the input.
     *
     * @param clusterName the cluster's name, or null for the input's {@code cluster-name}
     * @param endpoints every node's address (a CIB has none: Corosync keeps them)
     * @param nic the interface for the VIPs instead of the input's, or null
     * @param passwordFile the name the configuration gives the replication password file (beside it)
     * @param configFile the configuration file's name, for the commands the notes print
     * @param givenPasswordFile the operator's own replication password file, for an input that holds no password;
     *     or null
     */
    public record Settings(String clusterName, Map<String, Endpoint> endpoints, String nic, String passwordFile,
            String configFile, String givenPasswordFile) {

        public Settings(String clusterName, Map<String, Endpoint> endpoints, String nic, String passwordFile,
                String configFile) {
            this(clusterName, endpoints, nic, passwordFile, configFile, null);
        }
    }

    /**
     * The translation.
     *
     * @param replicationPassword the password read from the input, for the password file; null when it had none
     */
    public record Result(Map<String, Object> document, List<ImportNote> notes, String replicationPassword) {
    }

    private static final Set<String> SET_BY_PACEMAKER = Set.of("dc-version", "cluster-infrastructure",
            "last-lrm-refresh", "have-watchdog", "dc-deadtime");
    private static final Set<String> CONNINFO_TIMEOUTS = Set.of("keepalives", "keepalives_idle",
            "keepalives_interval", "keepalives_count", "connect_timeout", "tcp_user_timeout");

    private final String input;
    private final PacemakerConfig config;
    private final Settings settings;
    private final List<ImportNote> notes = new ArrayList<>();
    private final Primitive pgsql;
    private final PacemakerConfig.Clone clone;
    private Primitive writer;
    private Primitive reader;
    private String replicationPassword;

    private PacemakerImport(String input, PacemakerConfig config, Settings settings) {
        this.input = input;
        this.config = config;
        this.settings = settings;
        this.pgsql = pgsql(input, config);
        this.clone = config.clones().stream().filter(c -> pgsql.id().equals(c.primitive())).findFirst().orElse(null);
    }

    /** The nodes the configuration runs PostgreSQL on: the pgsql resource's node_list, else the CIB's nodes. */
    public static List<String> nodes(String input, PacemakerConfig config) {
        return pgsql(input, config).param("node_list").map(l -> List.of(l.trim().split("\\s+")))
                .orElse(config.nodes());
    }

    /** @throws ImportException when the input has no pgsql resource, an unknown resource type or a missing address */
    public static Result translate(String input, PacemakerConfig config, Settings settings) {
        return new PacemakerImport(input, config, settings).translate();
    }

    private Result translate() {
        refuseUnknownTypes();
        notes.addAll(config.readNotes());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("cluster", clusterName());
        doc.put("nodes", nodeList());
        doc.put("postgresql", postgresql());
        doc.put("replication", Map.of("mode", replicationMode()));
        chooseVips();
        Map<String, Object> vips = virtualIps();
        if (!vips.isEmpty()) {
            doc.put("virtual-ips", vips);
        }
        properties(doc);
        resourceDefaults(doc);
        Map<String, Object> resources = new LinkedHashMap<>();
        resources.put(PostgresClone.ID, cloneSection());
        List<Map<String, Object>> primitives = primitives();
        if (!primitives.isEmpty()) {
            resources.put("primitives", primitives);
        }
        List<Map<String, Object>> groups = groups();
        if (!groups.isEmpty()) {
            resources.put("groups", groups);
        }
        doc.put("resources", resources);
        List<String> constraints = constraints();
        if (!constraints.isEmpty()) {
            doc.put("constraints", constraints);
        }
        return new Result(doc, List.copyOf(notes), replicationPassword);
    }

    // --- the pgsql resource and the types of the others

    private static Primitive pgsql(String input, PacemakerConfig config) {
        List<Primitive> found = config.primitives().stream().filter(p -> p.agent().endsWith(":pgsql")).toList();
        if (found.isEmpty()) {
            throw new ImportException(input + " has no pgsql resource (ocf:heartbeat:pgsql): pgpacer imports a"
                    + " Pacemaker cluster that runs PostgreSQL with the pgsql resource agent");
        }
        if (found.size() > 1) {
            throw new ImportException(input + " has " + found.size() + " pgsql resources ("
                    + String.join(", ", found.stream().map(Primitive::id).toList()) + "); pgpacer runs one PostgreSQL"
                    + " cluster, so import a configuration with one of them");
        }
        return found.get(0);
    }

    private enum Type { PGSQL, IP, SYSTEMD, STONITH }

    private static Optional<Type> type(Primitive p) {
        String agent = p.agent();
        if (agent.endsWith(":pgsql")) {
            return Optional.of(Type.PGSQL);
        }
        if (agent.startsWith("ocf:") && agent.endsWith(":IPaddr2")) {
            return Optional.of(Type.IP);
        }
        if (agent.startsWith("systemd:") || agent.startsWith("service:")) {
            return Optional.of(Type.SYSTEMD);
        }
        return agent.startsWith("stonith:") ? Optional.of(Type.STONITH) : Optional.empty();
    }

    private void refuseUnknownTypes() {
        for (Primitive p : config.primitives()) {
            if (type(p).isEmpty()) {
                throw new ImportException(input + ": resource '" + p.id() + "' has the type " + p.agent() + ", which"
                        + " pgpacer cannot run as it is (it imports pgsql, IPaddr2, systemd services and stonith"
                        + " devices); remove it from the input, import again, and create it as an exec resource"
                        + " (see: pgpacer resource create --help)");
            }
        }
    }

    // --- cluster and nodes

    private String clusterName() {
        if (settings.clusterName() != null) {
            return settings.clusterName();
        }
        String name = config.properties().get("cluster-name");
        if (name != null) {
            notes.add(new ImportNote(Kind.IMPORTED, "cluster-name=" + name, "cluster: " + name));
            return name;
        }
        notes.add(new ImportNote(Kind.IMPORTED, "cluster name", "the " + config.source().text()
                + " names none; 'pgcluster' (pass --name NAME to choose another)"));
        return "pgcluster";
    }

    private List<Map<String, Object>> nodeList() {
        List<String> names = nodes(input, config);
        if (names.isEmpty()) {
            throw new ImportException(input + " names no nodes (neither the pgsql resource's node_list nor the"
                    + " cluster's nodes); add node_list to the pgsql resource");
        }
        List<String> missing = names.stream().filter(n -> !settings.endpoints().containsKey(n)).toList();
        if (!missing.isEmpty()) {
            throw new ImportException("no address for " + String.join(", ", missing) + ": the "
                    + config.source().text() + " does not hold node addresses (Corosync does) and the name"
                    + (missing.size() == 1 ? " does" : "s do") + " not resolve; add "
                    + String.join(" ", missing.stream().map(n -> n + "=ADDRESS").toList())
                    + " to the command, with each node's IP address");
        }
        String pgPort = pgsql.params().get("pgport");
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (String name : names) {
            Endpoint endpoint = settings.endpoints().get(name);
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("name", name);
            node.put("address", endpoint.address());
            if (endpoint.apiPort() != null) {
                node.put("api-port", endpoint.apiPort());
            }
            if (endpoint.raftPort() != null) {
                node.put("raft-port", endpoint.raftPort());
            }
            if (endpoint.pgPort() != null) {
                node.put("pg-port", endpoint.pgPort());
            } else if (pgPort != null) {
                node.put("pg-port", Integer.parseInt(pgPort));
            }
            nodes.add(node);
        }
        String source = pgsql.param("node_list").isPresent() ? "pgsql node_list" : "nodes";
        notes.add(new ImportNote(Kind.IMPORTED, source, "nodes: " + String.join(", ", names)
                + " (addresses from the command line or name resolution)"));
        return nodes;
    }

    // --- the pgsql resource's parameters

    private Map<String, Object> postgresql() {
        Map<String, Object> pg = new LinkedHashMap<>();
        Map<String, String> parameters = new LinkedHashMap<>();
        Path binDir = null;
        for (Map.Entry<String, String> param : pgsql.params().entrySet()) {
            String name = param.getKey();
            String value = param.getValue();
            String subject = "pgsql " + name;
            switch (name) {
                case "pgctl" -> {
                    binDir = Path.of(value).getParent();
                    if (binDir != null) {
                        pg.put("bin-dir", binDir.toString());
                        notes.add(new ImportNote(Kind.IMPORTED, subject, "postgresql.bin-dir: " + binDir));
                    }
                }
                case "psql" -> {
                    Path psqlDir = Path.of(value).getParent();
                    Path pgctlDir = pgsql.param("pgctl").map(Path::of).map(Path::getParent).orElse(null);
                    notes.add(Objects.equals(psqlDir, pgctlDir) || pgctlDir == null && psqlDir == null
                            ? new ImportNote(Kind.IMPORTED, subject, "in postgresql.bin-dir with pg_ctl")
                            : new ImportNote(Kind.NOT_IMPORTED, subject, "pgpacer runs every PostgreSQL program from"
                                    + " one directory, postgresql.bin-dir (" + pgctlDir + ")"));
                    if (pgctlDir == null && psqlDir != null) {
                        pg.put("bin-dir", psqlDir.toString());
                    }
                }
                case "pgdata" -> {
                    pg.put("data-dir", value);
                    notes.add(new ImportNote(Kind.IMPORTED, subject, "postgresql.data-dir: " + value));
                }
                case "pgdba" -> {
                    pg.put("os-user", value);
                    pg.put("superuser", value);
                    notes.add(new ImportNote(Kind.IMPORTED, subject, "postgresql.os-user and postgresql.superuser: "
                            + value));
                }
                case "pgport" -> notes.add(new ImportNote(Kind.IMPORTED, subject, "pg-port " + value
                        + " of every node"));
                case "rep_mode", "node_list" -> {
                    // written with the replication mode and the nodes
                }
                case "repuser" -> {
                    pg.put("replication-user", value);
                    notes.add(new ImportNote(Kind.IMPORTED, subject, "postgresql.replication-user: " + value));
                }
                case "master_ip" -> notes.add(new ImportNote(Kind.IMPORTED, subject, "identifies the writer VIP;"
                        + " standbys stream from the primary's own address, which pgpacer puts in their"
                        + " primary_conninfo after every failover"));
                case "primary_conninfo_opt" -> conninfoOptions(value);
                case "restart_on_promote" -> notes.add(new ImportNote(Kind.NOT_IMPORTED, subject + "=" + value,
                        "not needed: the agent restarted PostgreSQL after a promotion because standbys older than"
                                + " 9.3 could not follow a new timeline by streaming; pgpacer promotes without a"
                                + " restart and its standbys follow the new timeline (recovery_target_timeline ="
                                + " 'latest')"));
                case "restore_command", "archive_cleanup_command" -> {
                    parameters.put(name, value);
                    notes.add(new ImportNote(Kind.IMPORTED, subject, "postgresql.parameters." + name));
                }
                case "config" -> notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "pgpacer writes PostgreSQL's"
                        + " configuration itself; copy the settings you changed in " + value
                        + " into postgresql.parameters"));
                case "logfile" -> notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "pgpacer chooses where"
                        + " PostgreSQL's server log goes; to log elsewhere set logging_collector and log_directory in"
                        + " postgresql.parameters"));
                case "tmpdir" -> notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "not needed: it held the"
                        + " agent's lock and state files; pgpacer keeps its state in the cluster store and"
                        + " state-dir"));
                default -> notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, name.contains("password")
                        ? "no pgpacer equivalent; its value was not written anywhere"
                        : "no pgpacer equivalent; pgpacer's own behaviour applies"));
            }
        }
        if (!pg.containsKey("data-dir")) {
            throw new ImportException(input + ": the pgsql resource '" + pgsql.id() + "' has no pgdata; pgpacer"
                    + " needs PostgreSQL's data directory (the pgsql agent's default /var/lib/pgsql/data is not"
                    + " assumed); add pgdata=DIRECTORY to it");
        }
        if (!pg.containsKey("replication-user")) {
            pg.put("replication-user", "postgres");
            notes.add(new ImportNote(Kind.IMPORTED, "pgsql repuser (not set)", "postgresql.replication-user: postgres,"
                    + " the pgsql agent's default"));
        }
        if (replicationPassword != null && settings.givenPasswordFile() != null) {
            throw new ImportException(input + " holds the replication password (primary_conninfo_opt password=),"
                    + " which the import writes to " + settings.passwordFile() + "; drop --replication-password-file");
        }
        if (replicationPassword != null) {
            pg.put("replication-password-file", settings.passwordFile());
        } else if (settings.givenPasswordFile() != null) {
            pg.put("replication-password-file", settings.givenPasswordFile());
            notes.add(new ImportNote(Kind.IMPORTED, "--replication-password-file " + settings.givenPasswordFile(),
                    "postgresql.replication-password-file"));
        } else {
            notes.add(new ImportNote(Kind.NOT_IMPORTED, "replication password", "the " + config.source().text()
                    + " holds none (the pgsql agent's standbys read it from ~postgres/.pgpass); pgpacer's standbys"
                    + " authenticate with scram-sha-256, so import again with --replication-password-file FILE (a"
                    + " file, mode 0600, holding it) or add postgresql.replication-password-file"));
        }
        if (!parameters.isEmpty()) {
            pg.put("parameters", parameters);
        }
        return pg;
    }

    private void conninfoOptions(String value) {
        List<String> timeouts = new ArrayList<>();
        for (String option : value.trim().split("\\s+")) {
            int eq = option.indexOf('=');
            String key = eq < 0 ? option : option.substring(0, eq);
            String optionValue = eq < 0 ? "" : option.substring(eq + 1);
            if (key.equals("password")) {
                replicationPassword = optionValue;
                notes.add(new ImportNote(Kind.IMPORTED, "pgsql primary_conninfo_opt password", "written to "
                        + settings.passwordFile() + " (mode 0600) and named by postgresql.replication-password-file,"
                        + " never into the configuration"));
            } else if (CONNINFO_TIMEOUTS.contains(key)) {
                timeouts.add(option);
            } else if (!key.isEmpty()) {
                notes.add(new ImportNote(Kind.NOT_IMPORTED, "pgsql primary_conninfo_opt " + key, "pgpacer's"
                        + " primary_conninfo carries host, port, user, application_name, passfile and its own"
                        + " timeouts only"));
            }
        }
        if (!timeouts.isEmpty()) {
            notes.add(new ImportNote(Kind.NOT_IMPORTED, "pgsql primary_conninfo_opt " + String.join(" ", timeouts),
                    "pgpacer sets its own, shorter ones (" + Conninfo.replicationOptions() + ") so that a standby"
                            + " notices a dead primary within seconds"));
        }
    }

    private String replicationMode() {
        String mode = pgsql.param("rep_mode").orElse("none");
        switch (mode) {
            case "async", "sync" -> {
                notes.add(new ImportNote(Kind.IMPORTED, "pgsql rep_mode=" + mode, "replication.mode: " + mode));
                return mode;
            }
            default -> throw new ImportException(input + ": the pgsql resource '" + pgsql.id() + "' has rep_mode="
                    + mode + "; pgpacer manages streaming replication, so import a configuration with rep_mode=async"
                    + " or rep_mode=sync");
        }
    }

    // --- the VIPs

    private void chooseVips() {
        List<Primitive> ips = config.primitives().stream().filter(p -> type(p).orElseThrow() == Type.IP).toList();
        String masterIp = pgsql.param("master_ip").orElse(null);
        writer = ips.stream().filter(p -> p.param("ip").isPresent() && p.param("ip").get().equals(masterIp))
                .findFirst().orElseGet(() -> ips.stream().filter(p -> colocatedWithRole(p, "Master")).findFirst()
                        .orElse(null));
        reader = ips.stream().filter(p -> p != writer && (colocatedWithRole(p, "Slave")
                || ruleLocation(p).isPresent())).findFirst().orElse(null);
    }

    private boolean colocatedWithRole(Primitive p, String role) {
        String group = groupOf(p.id()).map(PacemakerConfig.Group::id).orElse(null);
        return config.constraints().stream().anyMatch(c -> c instanceof PacemakerConfig.Colocation col
                && (col.rsc().equals(p.id()) || col.rsc().equals(group)) && isClone(col.withRsc())
                && role.equals(role(col.withRole())) && score(col.score()) == Score.INFINITY);
    }

    private Optional<PacemakerConfig.RuleLocation> ruleLocation(Primitive p) {
        String group = groupOf(p.id()).map(PacemakerConfig.Group::id).orElse(null);
        return config.constraints().stream().filter(c -> c instanceof PacemakerConfig.RuleLocation r
                && (r.rsc().equals(p.id()) || r.rsc().equals(group))
                && r.rules().stream().anyMatch(rule -> rule.text().contains("pgsql-status")))
                .map(PacemakerConfig.RuleLocation.class::cast).findFirst();
    }

    private Map<String, Object> virtualIps() {
        Map<String, Object> vips = new LinkedHashMap<>();
        String nic = null;
        for (Primitive vip : java.util.Arrays.asList(writer, reader)) {
            if (vip == null) {
                continue;
            }
            boolean isWriter = vip == writer;
            String key = isWriter ? "writer" : "reader";
            String builtIn = isWriter ? VipAddresses.WRITER_ID : VipAddresses.READER_ID;
            String address = vip.param("ip").orElseThrow(() -> new ImportException(input + ": the IPaddr2 resource '"
                    + vip.id() + "' has no ip parameter; add ip=ADDRESS to it"));
            String prefix = vip.param("cidr_netmask").orElse("32");
            vips.put(key, address + "/" + prefix);
            String vipNic = settings.nic() != null ? settings.nic() : vip.param("nic").orElse(null);
            if (nic == null) {
                nic = vipNic;
            } else if (vipNic != null && !vipNic.equals(nic)) {
                notes.add(new ImportNote(Kind.NOT_IMPORTED, vip.id() + " nic=" + vipNic, "pgpacer carries both VIPs"
                        + " on one interface; virtual-ips.nic is " + nic));
            }
            notes.add(new ImportNote(Kind.IMPORTED, vip.id() + " (IPaddr2 " + address + "/" + prefix
                    + groupOf(vip.id()).map(g -> " in " + g.id()).orElse("") + ")", "virtual-ips." + key + ": "
                    + address + "/" + prefix + ", shown as " + builtIn + " in " + (isWriter
                            ? VipAddresses.WRITER_GROUP : VipAddresses.READER_GROUP)));
            vip.params().keySet().stream().filter(k -> !List.of("ip", "cidr_netmask", "nic").contains(k))
                    .forEach(k -> notes.add(new ImportNote(Kind.NOT_IMPORTED, vip.id() + " " + k, "pgpacer's VIPs"
                            + " take an address, a prefix length and a NIC only")));
            if (!vip.operations().isEmpty()) {
                notes.add(new ImportNote(Kind.NOT_IMPORTED, vip.id() + " operations", "pgpacer's agent checks its"
                        + " VIPs on every pass of its loop (timings.monitor-interval); they have no operations of"
                        + " their own"));
            }
            vip.meta().forEach((k, v) -> notes.add(new ImportNote(Kind.NOT_IMPORTED, vip.id() + " meta " + k + "=" + v,
                    "pgpacer's VIPs take no meta attributes: they follow " + (isWriter ? "the primary's lease"
                            : "a healthy standby") + ", and a failing VIP counts against its node like PostgreSQL")));
        }
        if (!vips.isEmpty()) {
            if (nic == null) {
                throw new ImportException(input + ": the VIP resources name no nic; pass --nic INTERFACE (the"
                        + " interface that carries the VIPs, e.g. eth0)");
            }
            vips.put("nic", nic);
            if (settings.nic() != null) {
                notes.add(new ImportNote(Kind.IMPORTED, "--nic " + settings.nic(), "virtual-ips.nic: "
                        + settings.nic() + " instead of the input's"));
            }
        }
        if (reader != null) {
            ruleLocation(reader).ifPresent(rules -> {
                boolean toPrimary = rules.rules().stream().anyMatch(r -> r.text().equals("pgsql-status eq PRI")
                        && !r.score().startsWith("-"));
                vips.put("reader-without-standby", toPrimary ? "primary" : "stop");
                notes.add(new ImportNote(Kind.BUILT_IN, rules.id() + " (rules on pgsql-status)", "the reader VIP"
                        + " runs on a healthy standby, the sync standby first, as the rules' HS:sync > HS:async"
                        + " preference says; " + (toPrimary ? "the rule that lets it run on PRI becomes"
                                + " reader-without-standby: primary (on the primary while no standby is healthy)"
                                : "with no rule for PRI, reader-without-standby: stop")));
            });
        }
        return vips;
    }

    // --- cluster properties and resource defaults

    private void properties(Map<String, Object> doc) {
        String noQuorum = "stop";
        for (Map.Entry<String, String> p : config.properties().entrySet()) {
            String subject = p.getKey() + "=" + p.getValue();
            switch (p.getKey()) {
                case "cluster-name" -> {
                    // written as 'cluster'
                }
                case "stonith-enabled" -> notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "pgpacer needs no"
                        + " STONITH: a primary that cannot renew its lease fences itself (stops writes, drops the"
                        + " writer VIP) before the lease ends, and only then is another node promoted"));
                case "no-quorum-policy" -> {
                    switch (p.getValue()) {
                        case "stop" -> notes.add(new ImportNote(Kind.IMPORTED, subject, "no-quorum-policy: stop"));
                        case "demote" -> {
                            noQuorum = "demote";
                            notes.add(new ImportNote(Kind.IMPORTED, subject, "no-quorum-policy: demote"));
                        }
                        default -> notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "unsafe: a primary cut off"
                                + " from the majority would keep taking writes after the majority promoted another"
                                + " node (two primaries); no-quorum-policy: stop instead (the cut-off primary stops;"
                                + " 'demote' would keep it serving reads)"));
                    }
                }
                case "maintenance-mode" -> notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "a new cluster"
                        + " starts managed; pause it with: pgpacer cluster pause --config " + settings.configFile()));
                default -> notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, SET_BY_PACEMAKER.contains(p.getKey())
                        ? "recorded by Pacemaker itself; nothing to import"
                        : "no pgpacer equivalent"));
            }
        }
        doc.put("no-quorum-policy", noQuorum);
    }

    private void resourceDefaults(Map<String, Object> doc) {
        int threshold = 1;
        for (Map.Entry<String, String> d : config.resourceDefaults().entrySet()) {
            String subject = "resource defaults " + d.getKey() + "=" + d.getValue();
            switch (d.getKey()) {
                case "migration-threshold" -> {
                    int value = migrationThreshold(d.getValue());
                    if (value <= 0) {
                        threshold = 1_000_000;
                        notes.add(new ImportNote(Kind.IMPORTED, subject, "migration-threshold: 1000000 (pgpacer's"
                                + " cluster-wide threshold is at least 1; Pacemaker's " + d.getValue() + " means a"
                                + " failing resource is restarted where it is, without limit)"));
                    } else {
                        threshold = value;
                        notes.add(new ImportNote(Kind.IMPORTED, subject, "migration-threshold: " + value));
                    }
                }
                case "resource-stickiness" -> {
                    int value = score(d.getValue());
                    notes.add(value == Score.INFINITY
                            ? new ImportNote(Kind.BUILT_IN, subject, "pgpacer's default resource-stickiness"
                                    + " (INFINITY); the primary moves only when it fails or on a switchover")
                            : new ImportNote(Kind.NOT_IMPORTED, subject, "the configuration file has no key for it;"
                                    + " once the cluster runs: pgpacer property set resource-stickiness=" + value
                                    + " --config " + settings.configFile()));
                }
                case "failure-timeout" -> {
                    long millis = Durations.parse(d.getValue()).orElseThrow(() -> new ImportException(input + ":"
                            + " failure-timeout '" + d.getValue() + "' is not " + Durations.ACCEPTED));
                    doc.put("failure-timeout", Durations.render(millis));
                    notes.add(new ImportNote(Kind.IMPORTED, subject, "failure-timeout: " + Durations.render(millis)));
                }
                default -> notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "no pgpacer equivalent"));
            }
        }
        doc.put("migration-threshold", threshold);
    }

    private int migrationThreshold(String value) {
        if (value.equalsIgnoreCase("INFINITY")) {
            return 0;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ImportException(input + ": migration-threshold '" + value + "' is not a whole number");
        }
    }

    // --- msPostgresql: the pgsql resource's operations and the clone's meta attributes

    private Map<String, Object> cloneSection() {
        List<String> operations = new ArrayList<>();
        for (PacemakerConfig.Op op : pgsql.operations()) {
            String subject = "pgsql op " + op.name() + (op.role() == null ? "" : " role=" + op.role());
            if (!Operation.CLONE_OPERATIONS.contains(op.name())) {
                notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "not needed: pgpacer's agents report to the"
                        + " cluster store; there are no notifications or agent methods to call"));
                continue;
            }
            String role = op.name().equals("monitor") ? role(op.role()) : null;
            long interval = op.name().equals("monitor") ? duration(subject, op.interval(), 10_000) : 0;
            long timeout = duration(subject, op.timeout(), Operation.DEFAULT_TIMEOUT_MILLIS);
            Operation imported = new Operation(op.name(), interval, timeout, OnFail.RESTART, role);
            operations.add(imported.render());
            notes.add(new ImportNote(Kind.IMPORTED, subject, PostgresClone.ID + " op " + imported.render()
                    + (op.name().equals("monitor") && role == null
                            ? " (every role without a monitor of its own)" : "")));
            if (op.onFail() != null && !op.onFail().equals("restart")) {
                notes.add(new ImportNote(Kind.NOT_IMPORTED, subject + " on-fail=" + op.onFail(), "pgpacer restarts"
                        + " PostgreSQL in place and fails over at migration-threshold (on-fail=restart); "
                        + "another on-fail would fight its fencing and failover"));
            }
        }
        if (pgsql.operations().stream().anyMatch(op -> op.name().equals("monitor"))) {
            notes.add(new ImportNote(Kind.BUILT_IN, "pgsql monitor", "pgpacer's monitor also proves that the"
                    + " primary can commit (one row, every monitor interval) and that a standby's received WAL"
                    + " advances; a commit or a stall longer than write-probe-timeout (default 5s) is a monitor"
                    + " failure; change it once the cluster runs: pgpacer property set write-probe-timeout=10s"
                    + " --config " + settings.configFile()));
        }
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("operations", operations);
        if (clone == null) {
            notes.add(new ImportNote(Kind.BUILT_IN, "pgsql (not a promotable clone)", PostgresClone.ID
                    + ": pgpacer always runs PostgreSQL as a promotable clone, one primary and a hot standby on every"
                    + " other data node"));
            return section;
        }
        for (Map.Entry<String, String> m : clone.meta().entrySet()) {
            String subject = clone.id() + " meta " + m.getKey() + "=" + m.getValue();
            switch (m.getKey()) {
                case "promotable", "notify", "clone-node-max", "promoted-node-max", "master-node-max" ->
                        notes.add(new ImportNote(Kind.BUILT_IN, subject, "how " + PostgresClone.ID + " always runs:"
                                + " one PostgreSQL per data node, no notifications needed"));
                case "promoted-max", "master-max" -> notes.add(m.getValue().equals("1")
                        ? new ImportNote(Kind.BUILT_IN, subject, "one primary, always")
                        : new ImportNote(Kind.NOT_IMPORTED, subject, "pgpacer runs exactly one primary"));
                case "clone-max" -> notes.add(m.getValue().equals(Integer.toString(nodes(input, config).size()))
                        ? new ImportNote(Kind.BUILT_IN, subject, "PostgreSQL runs on every data node")
                        : new ImportNote(Kind.NOT_IMPORTED, subject, "PostgreSQL runs on every data node ("
                                + nodes(input, config).size() + ")"));
                case "target-role", "is-managed" -> meta(section, subject, m.getKey(), m.getValue());
                case "migration-threshold" -> notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "the"
                        + " PostgreSQL clone uses the cluster-wide migration-threshold"));
                default -> notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "no pgpacer equivalent"));
            }
        }
        pgsql.meta().forEach((k, v) -> notes.add(new ImportNote(Kind.NOT_IMPORTED, "pgsql meta " + k + "=" + v,
                "meta attributes of the clone's primitive are not imported; " + PostgresClone.ID
                        + " takes target-role and is-managed")));
        return section;
    }

    private long duration(String subject, String value, long fallback) {
        if (value == null) {
            return fallback;
        }
        return Durations.parse(value).orElseThrow(() -> new ImportException(input + ": " + subject + ": '" + value
                + "' is not " + Durations.ACCEPTED));
    }

    // Pacemaker 2.1 says Promoted/Unpromoted where 1.1 said Master/Slave; Started is any role.
    private static String role(String role) {
        if (role == null) {
            return null;
        }
        return switch (role.toLowerCase(Locale.ROOT)) {
            case "master", "promoted" -> PostgresClone.MASTER;
            case "slave", "unpromoted" -> PostgresClone.SLAVE;
            default -> null;
        };
    }

    private void meta(Map<String, Object> item, String subject, String key, String value) {
        switch (key) {
            case "target-role" -> {
                String role = value.equalsIgnoreCase("Stopped") ? "Stopped" : "Started";
                item.put("target-role", role);
                notes.add(new ImportNote(Kind.IMPORTED, subject, "target-role: " + role));
            }
            case "is-managed" -> {
                boolean managed = !value.equalsIgnoreCase("false");
                item.put("is-managed", managed);
                notes.add(new ImportNote(Kind.IMPORTED, subject, "is-managed: " + managed));
            }
            case "migration-threshold" -> {
                int threshold = Math.max(0, migrationThreshold(value));
                item.put("migration-threshold", threshold);
                notes.add(new ImportNote(Kind.IMPORTED, subject, "migration-threshold: " + threshold
                        + (threshold == 0 ? " (never leaves a node for its failures)" : "")));
            }
            default -> notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "pgpacer's resources take target-role,"
                    + " is-managed and migration-threshold only"));
        }
    }

    // --- the other primitives and the groups

    private List<Map<String, Object>> primitives() {
        List<Map<String, Object>> primitives = new ArrayList<>();
        for (Primitive p : config.primitives()) {
            if (p == pgsql || p == writer || p == reader) {
                continue;
            }
            Type type = type(p).orElseThrow();
            if (type == Type.STONITH) {
                notes.add(new ImportNote(Kind.NOT_IMPORTED, p.id() + " (" + p.agent() + ")", "pgpacer fences"
                        + " through the primary's lease instead of a fencing device"));
                continue;
            }
            if (groupOf(p.id()).filter(g -> isVipGroup(g.id())).isPresent()) {
                notes.add(new ImportNote(Kind.NOT_IMPORTED, p.id(), "a member of the VIP group '"
                        + groupOf(p.id()).get().id() + "', which pgpacer keeps for the VIP alone; create it again"
                        + " with a colocation with the master or a slave (see: pgpacer resource create --help)"));
                continue;
            }
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", p.id());
            Map<String, String> params = new LinkedHashMap<>();
            if (type == Type.IP) {
                item.put("type", "ip");
                for (Map.Entry<String, String> param : p.params().entrySet()) {
                    if (List.of("ip", "cidr_netmask", "nic").contains(param.getKey())) {
                        params.put(param.getKey(), param.getKey().equals("nic") && settings.nic() != null
                                ? settings.nic() : param.getValue());
                    } else {
                        notes.add(new ImportNote(Kind.NOT_IMPORTED, p.id() + " " + param.getKey(), "an ip resource"
                                + " takes ip, cidr_netmask and nic only"));
                    }
                }
                notes.add(new ImportNote(Kind.IMPORTED, p.id() + " (IPaddr2)", "an ip resource"));
            } else {
                String unit = p.agent().substring(p.agent().indexOf(':') + 1);
                item.put("type", "exec");
                params.put("start", "systemctl start " + unit);
                params.put("stop", "systemctl stop " + unit);
                params.put("monitor", "systemctl is-active --quiet " + unit + " || exit 7");
                notes.add(new ImportNote(Kind.IMPORTED, p.id() + " (" + p.agent() + ")", "an exec resource that"
                        + " runs systemctl start, stop and is-active as Pacemaker's systemd class does"));
            }
            item.put("params", params);
            List<String> operations = new ArrayList<>();
            for (PacemakerConfig.Op op : p.operations()) {
                String subject = p.id() + " op " + op.name();
                if (!Operation.PRIMITIVE_OPERATIONS.contains(op.name())) {
                    notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "a primitive's operations are start, stop"
                            + " and monitor"));
                    continue;
                }
                OnFail onFail;
                try {
                    onFail = op.onFail() == null ? io.pgpacer.core.resource.Primitive.defaultOperation(op.name())
                            .onFail() : OnFail.parse(op.onFail());
                } catch (IllegalArgumentException e) {
                    onFail = OnFail.RESTART;
                    notes.add(new ImportNote(Kind.NOT_IMPORTED, subject + " on-fail=" + op.onFail(), "not a"
                            + " pgpacer on-fail (" + OnFail.names() + "); restart instead"));
                }
                long interval = op.name().equals("monitor") ? duration(subject, op.interval(), 10_000) : 0;
                operations.add(new Operation(op.name(), interval, duration(subject, op.timeout(),
                        Operation.DEFAULT_TIMEOUT_MILLIS), onFail, null).render());
            }
            item.put("operations", operations);
            p.meta().forEach((k, v) -> meta(item, p.id() + " meta " + k + "=" + v, k, v));
            primitives.add(item);
        }
        return primitives;
    }

    private List<Map<String, Object>> groups() {
        List<Map<String, Object>> groups = new ArrayList<>();
        for (PacemakerConfig.Group g : config.groups()) {
            if (isVipGroup(g.id())) {
                notes.add(new ImportNote(Kind.BUILT_IN, "group " + g.id(), "pgpacer's built-in "
                        + (isWriterGroup(g.id()) ? VipAddresses.WRITER_GROUP : VipAddresses.READER_GROUP)
                        + " holds the " + (isWriterGroup(g.id()) ? "writer" : "reader") + " VIP"));
                continue;
            }
            List<String> members = g.members().stream().filter(m -> config.primitives().stream()
                    .anyMatch(p -> p.id().equals(m) && type(p).orElseThrow() != Type.STONITH)).toList();
            if (members.isEmpty()) {
                notes.add(new ImportNote(Kind.NOT_IMPORTED, "group " + g.id(), "none of its members was imported"));
                continue;
            }
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", g.id());
            item.put("members", members);
            g.meta().forEach((k, v) -> meta(item, g.id() + " meta " + k + "=" + v, k, v));
            groups.add(item);
            notes.add(new ImportNote(Kind.IMPORTED, "group " + g.id(), "a group of " + String.join(", ", members)));
        }
        return groups;
    }

    private Optional<PacemakerConfig.Group> groupOf(String primitive) {
        return config.groups().stream().filter(g -> g.members().contains(primitive)).findFirst();
    }

    private boolean isWriterGroup(String id) {
        return writer != null && groupOf(writer.id()).map(g -> g.id().equals(id)).orElse(false);
    }

    private boolean isVipGroup(String id) {
        return isWriterGroup(id) || reader != null && groupOf(reader.id()).map(g -> g.id().equals(id)).orElse(false);
    }

    private boolean isClone(String id) {
        return id.equals(pgsql.id()) || clone != null && id.equals(clone.id());
    }

    /** "writer", "reader" or null: whether {@code id} names a VIP or its group. */
    private String vipOf(String id) {
        if (writer != null && (id.equals(writer.id()) || isWriterGroup(id))) {
            return "writer";
        }
        if (reader != null && (id.equals(reader.id()) || isVipGroup(id) && !isWriterGroup(id))) {
            return "reader";
        }
        return null;
    }

    // --- constraints

    private List<String> constraints() {
        List<String> lines = new ArrayList<>();
        for (PacemakerConfig.Constraint c : config.constraints()) {
            constraint(c).ifPresent(lines::add);
        }
        return lines;
    }

    private Optional<String> constraint(PacemakerConfig.Constraint c) {
        if (c instanceof PacemakerConfig.Colocation col) {
            return colocation(col);
        }
        if (c instanceof PacemakerConfig.Order order) {
            return order(order);
        }
        if (c instanceof PacemakerConfig.Location loc) {
            return location(loc);
        }
        PacemakerConfig.RuleLocation rules = (PacemakerConfig.RuleLocation) c;
        if (!"reader".equals(vipOf(rules.rsc())) || ruleLocation(reader).filter(r -> r == rules).isEmpty()) {
            notes.add(new ImportNote(Kind.NOT_IMPORTED, rules.id() + " (rules on " + rules.rsc() + ")", "pgpacer"
                    + " places resources by node, role and colocation, not by rules on node attributes; express it"
                    + " with a colocation with master or slave " + PostgresClone.ID + " or a location"));
        }
        return Optional.empty();
    }

    private Optional<String> colocation(PacemakerConfig.Colocation col) {
        String subject = col.id() + " (" + col.rsc() + " with " + (col.withRole() == null ? "" : col.withRole() + " ")
                + col.withRsc() + " " + col.score() + ")";
        String vip = vipOf(col.rsc());
        String withRole = role(col.withRole());
        if (vip != null && isClone(col.withRsc()) && score(col.score()) == Score.INFINITY
                && (vip.equals("writer") ? PostgresClone.MASTER : PostgresClone.SLAVE).equals(withRole)) {
            notes.add(builtInVipConstraint(subject, vip));
            return Optional.empty();
        }
        if (vip != null || vipOf(col.withRsc()) != null) {
            notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "pgpacer's VIPs are placed by the primary's lease"
                    + " and the standbys' health; colocate other resources with master or slave "
                    + PostgresClone.ID + " instead"));
            return Optional.empty();
        }
        if (role(col.rscRole()) != null) {
            notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "only " + PostgresClone.ID + " has roles, and it is"
                    + " placed by election, not by colocation"));
            return Optional.empty();
        }
        return imported(subject, new Constraint.Colocation(col.id(), resource(col.rsc()), resource(col.withRsc()),
                isClone(col.withRsc()) ? withRole : null, score(col.score())));
    }

    private Optional<String> order(PacemakerConfig.Order order) {
        String subject = order.id() + " (" + order.firstAction() + " " + order.first() + " then "
                + order.thenAction() + " " + order.then() + ")";
        String vip = vipOf(order.then());
        if (vip != null && isClone(order.first()) && (order.firstAction().equals("promote")
                && order.thenAction().equals("start") || order.firstAction().equals("demote")
                && order.thenAction().equals("stop"))) {
            notes.add(builtInVipConstraint(subject, vip));
            return Optional.empty();
        }
        if (vip != null || vipOf(order.first()) != null) {
            notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "pgpacer's VIPs are ordered by the primary's lease"
                    + " and promotion; order other resources after promote " + PostgresClone.ID + " instead"));
            return Optional.empty();
        }
        Optional<String> line = imported(subject, new Constraint.Ordering(order.id(), order.firstAction(),
                resource(order.first()), order.thenAction(), resource(order.then())));
        if (line.isPresent() && !"false".equals(order.symmetrical())) {
            notes.add(new ImportNote(Kind.NOT_IMPORTED, order.id() + " symmetrical", "pgpacer's orders are not"
                    + " symmetrical (as the reference's symmetrical=false): stops are not ordered in reverse"));
        }
        if (line.isPresent() && order.score() != null && !List.of("INFINITY", "Mandatory").contains(order.score())) {
            notes.add(new ImportNote(Kind.NOT_IMPORTED, order.id() + " score=" + order.score(), "pgpacer's orders"
                    + " are mandatory"));
        }
        return line;
    }

    private Optional<String> location(PacemakerConfig.Location loc) {
        if (loc.node() == null) {
            notes.add(new ImportNote(Kind.NOT_IMPORTED, loc.id() + " " + loc.rsc(), "this kind of constraint has no"
                    + " pgpacer equivalent"));
            return Optional.empty();
        }
        String subject = loc.id() + " (" + loc.rsc() + " on " + loc.node() + " " + loc.score() + ")";
        if (vipOf(loc.rsc()) != null) {
            notes.add(new ImportNote(Kind.NOT_IMPORTED, subject, "pgpacer's VIPs are placed by the primary's lease"
                    + " and the standbys' health, not by node"));
            return Optional.empty();
        }
        return imported(subject, new Constraint.Location(loc.id(), resource(loc.rsc()), loc.node(),
                score(loc.score()), Constraint.Location.USER));
    }

    private Optional<String> imported(String subject, Constraint constraint) {
        String line = ResourceSyntax.line(constraint);
        notes.add(new ImportNote(Kind.IMPORTED, subject, "constraint " + line));
        return Optional.of(line);
    }

    private ImportNote builtInVipConstraint(String subject, String vip) {
        return new ImportNote(Kind.BUILT_IN, subject, "built into the " + vip + " VIP's group "
                + (vip.equals("writer") ? VipAddresses.WRITER_GROUP + ", and stronger: it runs only on the lease"
                        + " holder, is added after the promotion and dropped before the lease can end"
                        : VipAddresses.READER_GROUP + ": it runs on a healthy standby"));
    }

    private int score(String text) {
        try {
            return Score.parse(text == null ? "INFINITY" : text);
        } catch (IllegalArgumentException e) {
            throw new ImportException(input + ": " + e.getMessage());
        }
    }

    private String resource(String id) {
        return isClone(id) ? PostgresClone.ID : id;
    }
}
