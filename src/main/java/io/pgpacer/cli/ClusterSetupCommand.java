package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.config.StrictYaml;
import io.pgpacer.config.ConfigException;
import io.pgpacer.enrol.HostFiles;
import io.pgpacer.enrol.SharedSecrets;
import io.pgpacer.tls.NodeTls;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.config.InputFiles;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pgpacer cluster setup}: writes the one configuration file every agent of a new cluster reads, the
 * reference's {@code pcs cluster setup} plus its fifty-line {@code cluster_setup.sh} in a few lines of YAML.
 */
@Command(name = "setup", description = {"Write the configuration of a new cluster: the same file on every host.", "The"
        + " first agent started with it creates the cluster: PostgreSQL as a promotable clone (msPostgresql, one"
        + " primary, every other data node a hot standby), the writer VIP with the primary (started only after"
        + " promotion, dropped before demotion or when the primary loses its lease) and the reader VIP with one"
        + " healthy standby.",
        "Example: pgpacer cluster setup --name pgcluster --writer-vip 192.168.28.41/24 --reader-vip"
                + " 192.168.28.141/24 --nic eth0 pg-151=192.168.28.151 pg-152=192.168.28.152 pg-153=192.168.28.153",
        "A single-host test cluster: pgpacer cluster setup --name test --data-dir /tmp/pgpacer/{node}/data"
                + " n1=127.0.0.1,api=8008,raft=7400,pg=5432 n2=127.0.0.1,api=8009,raft=7401,pg=5433"
                + " n3=127.0.0.1,api=8010,raft=7402,pg=5434",
        "Then on each host: pgpacer agent --config FILE --node NAME",
        "Or, with the hosts authorized ('pgpacer host auth'), --deliver gives the configuration to every node's"
                + " agent, which starts as that node at once. --deliver is asked for, not the default, so that the"
                + " command without it stays what scripts already use: a generator of the file.",
        "pcs equivalent: 'pcs cluster setup --name NAME NODE...' followed by the resources, groups, orders and"
                + " colocations of the reference's cluster_setup.sh."})
final class ClusterSetupCommand implements Callable<Integer> {

    // why the YAML library: every value becomes one scalar, however it is spelt; text joined into YAML would let a
    // value with a line break add keys of its own
    private static final Pattern NODE = Pattern.compile("([^=]*)=(.*)");
    private static final String NODE_SYNTAX = "NODE=ADDRESS[,api=PORT][,raft=PORT][,pg=PORT][,witness]";

    @Option(names = "--name", required = true, description = "The cluster's name.")
    String name;

    @Parameters(arity = "2..*", paramLabel = NODE_SYNTAX, description = {"Each node's name and address (IPv4,"
            + " IPv6 such as ::1, or a host name), optionally its own ports (default: --api-port, --raft-port,"
            + " --pg-port) and 'witness' for a node that only votes (2 data nodes need one).",
            "Example: n1=127.0.0.1,api=8008,raft=7400,pg=5432 or arbiter=fd00::4,witness."})
    List<String> nodes;

    @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "8008", description = "Every node's REST API"
            + " port unless NODE=... gives its own (default ${DEFAULT-VALUE}).")
    int apiPort;

    @Option(names = "--raft-port", paramLabel = "PORT", defaultValue = "7400", description = "Every node's store"
            + " (Raft) port unless NODE=... gives its own (default ${DEFAULT-VALUE}).")
    int raftPort;

    @Option(names = "--pg-port", paramLabel = "PORT", defaultValue = "5432", description = "Every data node's"
            + " PostgreSQL port unless NODE=... gives its own (default ${DEFAULT-VALUE}).")
    int pgPort;

    @Option(names = "--replication", defaultValue = "async", description = "async (default), sync or quorum.")
    String replication;

    @Option(names = "--writer-vip", paramLabel = "ADDRESS/PREFIX", description = "The read-write VIP (vip-master).")
    String writerVip;

    @Option(names = "--reader-vip", paramLabel = "ADDRESS/PREFIX", description = "The read-only VIP (vip-slave).")
    String readerVip;

    @Option(names = "--nic", description = "The interface that carries the VIPs.")
    String nic;

    @Option(names = "--data-dir", defaultValue = "/var/lib/pgpacer/{node}/data", description = "PostgreSQL's data"
            + " directory; {node} is the node's name (default: ${DEFAULT-VALUE}).")
    String dataDir;

    @Option(names = "--replication-password-file", paramLabel = "FILE", description = "A file holding the"
            + " replication user's password (the password itself is never written into the configuration).")
    String passwordFile;

    @Option(names = "--pg-hba", paramLabel = "LINE", description = {"A pg_hba.conf line for the clients (repeatable),"
            + " e.g. 'host all app 192.168.28.0/24 scram-sha-256'. pgpacer writes pg_hba.conf on every node, so"
            + " clients are let in here (postgresql.pg-hba), never by editing the file; the agents' own rules come"
            + " first."})
    List<String> pgHba;

    @Option(names = "--output", paramLabel = "FILE", description = "Write the configuration here instead of to"
            + " standard output.")
    String output;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "The agents' state directory; {node} is the"
            + " node's name (default: /var/lib/pgpacer/{node}).")
    String stateDir;

    @Option(names = "--tls-cert-file", paramLabel = "FILE", description = "Each node's certificate chain in PEM;"
            + " {node} is the node's name. With --tls-key-file and --tls-ca-file, the agents speak HTTPS and Raft"
            + " over mutual TLS.")
    String tlsCertFile;

    @Option(names = "--tls-key-file", paramLabel = "FILE", description = "Each node's private key in PEM (PKCS#8);"
            + " {node} is the node's name.")
    String tlsKeyFile;

    @Option(names = "--tls-ca-file", paramLabel = "FILE", description = "The cluster CA's certificate in PEM; with"
            + " --deliver, this host reads it too, to trust the configured nodes' HTTPS.")
    String tlsCaFile;

    @Option(names = "--deliver", description = "Deliver the configuration to every node's agent (at the node's"
            + " address and API port), authenticated with the cluster's token from --etc. Every node is checked"
            + " first (reachable, authorized by 'pgpacer host auth', unconfigured or running this cluster);"
            + " when one is not, no node receives anything.")
    boolean deliver;

    @Option(names = "--etc", paramLabel = "DIR", defaultValue = HostFiles.DEFAULT_DIR, description = "With --deliver:"
            + " where this host keeps the cluster's api-token and replication.secret (default ${DEFAULT-VALUE}).")
    Path etc;

    @Option(names = "--force", description = "Overwrite --output if it exists; with --deliver, overwrite the"
            + " configuration of nodes that already run a cluster.")
    boolean force;

    @Override
    public Integer call() {
        String yaml;
        Path target;
        try {
            target = output == null ? Path.of("pgpacer.yaml") : outputPath();
        } catch (IllegalArgumentException e) {
            System.err.println("pgpacer cluster setup: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        if (deliver && passwordFile != null) {
            System.err.println("pgpacer cluster setup: --replication-password-file and --deliver exclude each other:"
                    + " delivered nodes use the replication password 'pgpacer host auth' gave them; drop one");
            return Main.BAD_INPUT;
        }
        try {
            yaml = yaml();
            // why parse what was written: one validation, the agents' own, names every bad value.
            ConfigLoader.check(target, yaml);
        } catch (IllegalArgumentException e) {
            System.err.println("pgpacer cluster setup: " + e.getMessage());
            return Main.BAD_INPUT;
        } catch (ConfigException e) {
            System.err.println("pgpacer cluster setup: " + withArgument(e.getMessage().replaceFirst(
                    "^" + Pattern.quote(String.valueOf(target)) + ": ", "")));
            return Main.BAD_INPUT;
        }
        if (output == null && deliver) {
            return deliver(yaml);
        }
        if (output == null) {
            System.out.print(yaml);
            return 0;
        }
        try {
            InputFiles.write(target, yaml, force);
        } catch (FileAlreadyExistsException e) {
            System.err.println("pgpacer cluster setup: " + target + " exists; pass --force to overwrite it");
            return Main.BAD_INPUT;
        } catch (InputFiles.UnusableFileException e) {
            System.err.println("pgpacer cluster setup: cannot write --output " + e.getMessage());
            return Main.BAD_INPUT;
        }
        if (deliver) {
            System.out.println("Wrote " + target + ".");
            return deliver(yaml);
        }
        System.out.println("Wrote " + target + ". Copy it to every host, then run there: pgpacer agent --config "
                + target + " --node NAME");
        return 0;
    }

    /** A node checked for delivery: where its agent answers, and whether it already runs a cluster. */
    private record Delivery(String node, EnrolmentClient.Target target, boolean configured) {
    }

    // Every node first, then the delivery: a node that cannot take it stops the command before any node changed.
    private int deliver(String yaml) {
        HostFiles files = new HostFiles(etc);
        SharedSecrets secrets;
        try {
            secrets = files.readSecrets().orElseThrow(() -> CommandFailure.badInput("no cluster secrets in " + etc
                    + "; authorize every node first: pgpacer host auth --etc " + etc + " " + String.join(" ",
                    nodes.stream().map(n -> hostArgument(node(n))).toList())));
        } catch (IllegalStateException e) {
            throw CommandFailure.badInput(e.getMessage());
        }
        // why trust the CA here: configured nodes answer HTTPS when the cluster has TLS; unconfigured ones, HTTP.
        EnrolmentClient client = new EnrolmentClient(tlsCaFile == null ? null
                : NodeTls.trusting(Path.of(tlsCaFile), "--tls-ca-file").sslContext());
        List<Delivery> deliveries = new ArrayList<>();
        for (String argument : nodes) {
            Map<String, Object> node = node(argument);
            String nodeName = (String) node.get("name");
            EnrolmentClient.Target target = new EnrolmentClient.Target(nodeName,
                    EnrolmentClient.Target.parse(hostArgument(node)).api());
            JsonNode status = HostCommand.ask(target, () -> client.status(target, secrets));
            String cluster = status.path("cluster").asText("");
            if (!status.path("authorized").asBoolean(false)) {
                throw CommandFailure.badInput(nodeName + " (" + hostArgument(node) + ") is not authorized: it does"
                        + " not hold the token in " + files.apiToken() + "; run 'pgpacer host auth --etc " + etc + " "
                        + hostArgument(node) + "' first");
            }
            boolean configured = "configured".equals(status.path("state").asText());
            if (configured && !force && !cluster.equals(name)) {
                throw CommandFailure.badInput(nodeName + " (" + hostArgument(node) + ") runs cluster '" + cluster
                        + "', not '" + name + "'; pass --force to overwrite its configuration");
            }
            deliveries.add(new Delivery(nodeName, target, configured));
        }
        for (Delivery delivery : deliveries) {
            if (delivery.configured() && !force) {
                System.out.println(delivery.node() + ": already runs cluster '" + name + "'; its configuration was"
                        + " kept (--force overwrites it)");
                continue;
            }
            HostCommand.ask(delivery.target(), () -> client.deliverConfiguration(delivery.target(), secrets,
                    delivery.configured(), delivery.node(), yaml, force));
            System.out.println(delivery.node() + ": received the configuration");
        }
        return 0;
    }

    private static String hostArgument(Map<String, Object> node) {
        String address = (String) node.get("address");
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + node.get("api-port");
    }

    private Path outputPath() {
        try {
            return InputFiles.path(output);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--output: " + e.getMessage());
        }
    }

    // The loader names keys ('nodes[1].address'); an operator typed an argument, which is named with it.
    private String withArgument(String message) {
        Matcher node = Pattern.compile("key 'nodes\\[(\\d+)\\]").matcher(message);
        if (node.find() && Integer.parseInt(node.group(1)) < nodes.size()) {
            return message + " (from the argument '" + nodes.get(Integer.parseInt(node.group(1))) + "')";
        }
        if (message.contains("key 'postgresql.pg-hba[")) {
            return message + " (from --pg-hba)";
        }
        return message;
    }

    /** The configuration file's text; throws naming the argument that cannot be written into it. */
    String yaml() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("cluster", oneLine("--name", name));
        List<Map<String, Object>> nodeList = new ArrayList<>();
        for (String node : nodes) {
            nodeList.add(node(node));
        }
        doc.put("nodes", nodeList);
        Map<String, Object> postgres = new LinkedHashMap<>();
        postgres.put("data-dir", oneLine("--data-dir", dataDir));
        if (passwordFile != null) {
            postgres.put("replication-password-file", oneLine("--replication-password-file", passwordFile));
        }
        if (deliver) {
            // why: each host sets these to its own files when it receives the configuration; here they say where.
            postgres.put("replication-password-file", new HostFiles(etc).replicationSecret().toString());
        }
        if (pgHba != null && !pgHba.isEmpty()) {
            postgres.put("pg-hba", pgHba.stream().map(line -> oneLine("--pg-hba", line)).toList());
        }
        doc.put("postgresql", postgres);
        doc.put("replication", Map.of("mode", oneLine("--replication", replication)));
        if (writerVip != null || readerVip != null || nic != null) {
            Map<String, Object> vips = new LinkedHashMap<>();
            if (writerVip != null) {
                vips.put("writer", oneLine("--writer-vip", writerVip));
            }
            if (readerVip != null) {
                vips.put("reader", oneLine("--reader-vip", readerVip));
            }
            if (nic != null) {
                vips.put("nic", oneLine("--nic", nic));
            }
            doc.put("virtual-ips", vips);
        }
        if (stateDir != null) {
            doc.put("state-dir", oneLine("--state-dir", stateDir));
        }
        if (tlsCertFile != null || tlsKeyFile != null || tlsCaFile != null) {
            if (tlsCertFile == null || tlsKeyFile == null || tlsCaFile == null) {
                throw new IllegalArgumentException("--tls-cert-file, --tls-key-file and --tls-ca-file go together;"
                        + " give all three, or none for plain HTTP");
            }
            Map<String, Object> tls = new LinkedHashMap<>();
            tls.put("cert-file", oneLine("--tls-cert-file", tlsCertFile));
            tls.put("key-file", oneLine("--tls-key-file", tlsKeyFile));
            tls.put("ca-file", oneLine("--tls-ca-file", tlsCaFile));
            doc.put("tls", tls);
        }
        if (deliver) {
            doc.put("api", Map.of("token-file", new HostFiles(etc).apiToken().toString()));
        }
        doc.put("migration-threshold", 1);
        doc.put("no-quorum-policy", "stop");
        return "# A pgpacer cluster, written by 'pgpacer cluster setup'.\n"
                + "# The same file on every host: pgpacer agent --config FILE --node NAME\n"
                + "# As the reference's cluster_setup.sh: a failed primary is not given the role again until\n"
                + "# 'pgpacer resource cleanup'; a cut-off primary stops (no-quorum-policy).\n"
                + StrictYaml.write(doc);
    }

    // NODE=ADDRESS[,api=PORT][,raft=PORT][,pg=PORT][,witness]; NODE=ADDRESS:witness as before.
    private Map<String, Object> node(String argument) {
        Matcher m = NODE.matcher(oneLine("node", argument));
        String[] parts = m.matches() ? m.group(2).split(",", -1) : new String[0];
        if (!m.matches() || m.group(1).isBlank() || parts[0].isBlank()) {
            throw new IllegalArgumentException("expected " + NODE_SYNTAX + ", got '" + argument + "'");
        }
        String address = parts[0].strip();
        boolean witness = false;
        if (address.endsWith(":witness")) {
            witness = true;
            address = address.substring(0, address.length() - ":witness".length());
        }
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("name", m.group(1).strip());
        node.put("address", address.startsWith("[") && address.endsWith("]")
                ? address.substring(1, address.length() - 1) : address);
        int api = apiPort;
        int raft = raftPort;
        int pg = pgPort;
        for (int i = 1; i < parts.length; i++) {
            String option = parts[i].strip();
            String[] kv = option.split("=", 2);
            switch (kv[0]) {
                case "witness" -> witness = kv.length == 1 ? true : badOption(argument, option);
                case "api" -> api = port(argument, kv);
                case "raft" -> raft = port(argument, kv);
                case "pg" -> pg = port(argument, kv);
                default -> badOption(argument, option);
            }
        }
        node.put("api-port", api);
        node.put("raft-port", raft);
        if (witness) {
            node.put("role", "witness");
        } else {
            node.put("pg-port", pg);
        }
        return node;
    }

    private static int port(String argument, String[] option) {
        if (option.length == 2 && option[1].strip().matches("\\d{1,9}")) {
            return Integer.parseInt(option[1].strip());
        }
        throw new IllegalArgumentException("'" + argument + "': " + option[0] + "=" + (option.length == 2 ? option[1]
                : "") + " is not a port; give a number from 1 to 65535, e.g. " + option[0] + "=8008");
    }

    private static boolean badOption(String argument, String option) {
        throw new IllegalArgumentException("'" + argument + "': unknown node option '" + option + "'; expected "
                + NODE_SYNTAX);
    }

    // Refused here, naming the argument, before the loader would name the key it became.
    private static String oneLine(String option, String value) {
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(option + ": the value holds a line break or another control"
                    + " character; give it on one line");
        }
        return value;
    }
}
