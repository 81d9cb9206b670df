package io.pgpacer.cli;

import io.pgpacer.config.ConfigException;
import io.pgpacer.config.ConfigLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pgpacer cluster setup}: writes the one configuration file every agent of a new cluster reads, the
 * reference's {@code pcs cluster setup} plus its fifty-line {@code cluster_setup.sh} in a few lines of YAML.
 */
@Command(name = "setup", description = {"Write the configuration of a new cluster: the same file on every host. The"
        + " first agent started with it creates the cluster: PostgreSQL as a promotable clone (msPostgresql, one"
        + " primary, every other data node a hot standby), the writer VIP with the primary (started only after"
        + " promotion, dropped before demotion or when the primary loses its lease) and the reader VIP with one"
        + " healthy standby.",
        "Example: pgpacer cluster setup --name pgcluster --writer-vip 192.168.28.41/24 --reader-vip"
                + " 192.168.28.141/24 --nic eth0 pg-151=192.168.28.151 pg-152=192.168.28.152 pg-153=192.168.28.153",
        "Then on each host: pgpacer agent --config FILE --node NAME",
        "pcs equivalent: 'pcs cluster setup --name NAME NODE...' followed by the resources, groups, orders and"
                + " colocations of the reference's cluster_setup.sh."})
final class ClusterSetupCommand implements Callable<Integer> {

    @Option(names = "--name", required = true, description = "The cluster's name.")
    String name;

    @Parameters(arity = "2..*", paramLabel = "NODE=ADDRESS", description = "Each data node's name and address;"
            + " NODE=ADDRESS:witness for a node that only votes (2 data nodes need one).")
    List<String> nodes;

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

    @Option(names = "--output", paramLabel = "FILE", description = "Write the configuration here instead of to"
            + " standard output.")
    Path output;

    @Option(names = "--force", description = "Overwrite --output if it exists.")
    boolean force;

    @Override
    public Integer call() {
        String yaml;
        try {
            yaml = yaml();
            // why parse what was written: one validation, the agents' own, names every bad value.
            Path target = output != null ? output : Path.of("pgpacer.yaml");
            ConfigLoader.parse(target, yaml, firstNode());
        } catch (IllegalArgumentException | ConfigException e) {
            System.err.println("pgpacer cluster setup: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        if (output == null) {
            System.out.print(yaml);
            return 0;
        }
        try {
            if (force) {
                Files.writeString(output, yaml, StandardCharsets.UTF_8);
            } else {
                Files.writeString(output, yaml, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
            }
        } catch (java.nio.file.FileAlreadyExistsException e) {
            System.err.println("pgpacer cluster setup: " + output + " exists; pass --force to overwrite it");
            return Main.BAD_INPUT;
        } catch (IOException e) {
            System.err.println("pgpacer cluster setup: cannot write " + output + ": " + e.getMessage());
            return 1;
        }
        System.out.println("Wrote " + output + ". Copy it to every host, then run there: pgpacer agent --config "
                + output + " --node NAME");
        return 0;
    }

    private String firstNode() {
        return nodes.get(0).split("=", 2)[0];
    }

    String yaml() {
        StringBuilder out = new StringBuilder("# pgpacer cluster '" + name + "', written by 'pgpacer cluster setup'.\n"
                + "# The same file on every host: pgpacer agent --config FILE --node NAME\n"
                + "cluster: " + name + "\nnodes:\n");
        for (String node : nodes) {
            String[] parts = node.split("=", 2);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new IllegalArgumentException("expected NODE=ADDRESS (or NODE=ADDRESS:witness), got '" + node
                        + "'");
            }
            boolean witness = parts[1].endsWith(":witness");
            String address = witness ? parts[1].substring(0, parts[1].length() - ":witness".length()) : parts[1];
            out.append("  - {name: ").append(parts[0]).append(", address: ").append(address)
                    .append(witness ? ", role: witness}" : "}").append('\n');
        }
        out.append("postgresql:\n  data-dir: ").append(dataDir).append('\n');
        if (passwordFile != null) {
            out.append("  replication-password-file: ").append(passwordFile).append('\n');
        }
        out.append("replication: {mode: ").append(replication).append("}\n");
        if (writerVip != null || readerVip != null) {
            out.append("virtual-ips: {");
            String separator = "";
            if (writerVip != null) {
                out.append("writer: ").append(writerVip);
                separator = ", ";
            }
            if (readerVip != null) {
                out.append(separator).append("reader: ").append(readerVip);
                separator = ", ";
            }
            if (nic != null) {
                out.append(separator).append("nic: ").append(nic);
            }
            out.append("}\n");
        }
        out.append("# As the reference's cluster_setup.sh: a failed primary is not given the role again until\n"
                + "# 'pgpacer resource cleanup'; a cut-off primary stops (no-quorum-policy).\n"
                + "migration-threshold: 1\nno-quorum-policy: stop\n");
        return out.toString();
    }
}
