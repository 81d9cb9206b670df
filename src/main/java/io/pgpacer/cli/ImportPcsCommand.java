package io.pgpacer.cli;

import io.pgpacer.config.ConfigException;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.pcs.ConfigDocument;
import io.pgpacer.pcs.ImportException;
import io.pgpacer.pcs.ImportNote;
import io.pgpacer.pcs.PacemakerConfig;
import io.pgpacer.pcs.PacemakerImport;
import io.pgpacer.pcs.PacemakerInput;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pgpacer import-pcs}: writes the configuration of a pgpacer cluster from a Pacemaker cluster's own (its CIB or
 * the pcs script that built it), and lists what became of every part.
 */
@Command(name = "import-pcs", description = {"Write a pgpacer configuration from a Pacemaker CIB or pcs script.",
        "Reads the output of 'cibadmin --query' or a pcs script such as the reference's cluster_setup.sh, writes the"
                + " configuration file the agents read, and lists what maps to what and what has no equivalent"
                + " (with the reason and the safe choice made instead).",
        "Example: pgpacer import-pcs cib.xml --output /etc/pgpacer/pgpacer.yaml --replication-password-file"
                + " replication.secret pg-151=192.168.28.151 pg-152=192.168.28.152 pg-153=192.168.28.153",
        "A password found in the input is written beside the output (pgpacer.yaml: pgpacer.replication-password,"
                + " mode 0600), never into the configuration."})
final class ImportPcsCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "The output of 'cibadmin --query', or a pcs script.")
    Path input;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "NODE=ADDRESS", description = "A node's address (the"
            + " CIB has none), optionally with ports: NODE=ADDRESS,api-port=N,raft-port=N,pg-port=N. A node not"
            + " given here is looked up by its name.")
    List<String> nodeArguments = List.of();

    @Option(names = "--output", paramLabel = "FILE", defaultValue = "pgpacer.yaml", description = "Where to write"
            + " the configuration (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--force", description = "Overwrite the output and its password file if they exist.")
    boolean force;

    @Option(names = "--nic", description = "The interface that carries the VIPs on the new hosts, instead of the"
            + " input's.")
    String nic;

    @Option(names = "--replication-password-file", paramLabel = "FILE", description = "A file holding the"
            + " replication user's password, for an input that holds none (a CIB does not).")
    String givenPasswordFile;

    @Option(names = "--name", description = "The cluster's name, instead of the input's cluster-name.")
    String name;

    @Override
    public Integer call() {
        Path passwordFile = passwordFile(output);
        PacemakerImport.Result result;
        String yaml;
        try {
            String text = read(input);
            PacemakerConfig config = PacemakerInput.read(input.toString(), text);
            Map<String, PacemakerImport.Endpoint> endpoints = endpoints(config);
            result = PacemakerImport.translate(input.toString(), config, new PacemakerImport.Settings(name, endpoints,
                    nic, passwordFile.getFileName().toString(), output.toString(),
                    givenPasswordFile));
            yaml = ConfigDocument.render(result.document());
            validate(result);
        } catch (ImportException | ConfigException e) {
            System.err.println("pgpacer import-pcs: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        if (!force) {
            for (Path target : result.replicationPassword() == null ? List.of(output) : List.of(output, passwordFile)) {
                if (Files.exists(target)) {
                    System.err.println("pgpacer import-pcs: " + target + " exists; pass --force to overwrite it");
                    return Main.BAD_INPUT;
                }
            }
        }
        try {
            if (result.replicationPassword() != null) {
                writeSecret(passwordFile, result.replicationPassword());
            }
            Files.writeString(output, yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("pgpacer import-pcs: cannot write " + output + ": " + e.getMessage());
            return 1;
        }
        String firstNode = firstNode(result.document());
        System.out.println("Wrote " + output + (result.replicationPassword() == null ? ""
                : " and " + passwordFile + " (the replication password, mode 0600)") + " from " + input + ".");
        System.out.print(ImportNote.render(result.notes()));
        System.out.println("Copy " + (result.replicationPassword() == null ? "it" : "both") + " to every host, then"
                + " run on each (here " + firstNode + "): pgpacer agent --config " + output + " --node " + firstNode);
        return 0;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ImportException(file + ": no such file; give the output of 'cibadmin --query' or a pcs script");
        } catch (MalformedInputException e) {
            throw new ImportException(file + " is not UTF-8 text; give the output of 'cibadmin --query' or a pcs"
                    + " script");
        } catch (IOException e) {
            throw new ImportException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** NODE=ADDRESS arguments first, then the input's own addresses, then the names resolved. */
    private Map<String, PacemakerImport.Endpoint> endpoints(PacemakerConfig config) {
        List<String> nodes = PacemakerImport.nodes(input.toString(), config);
        Map<String, PacemakerImport.Endpoint> endpoints = new LinkedHashMap<>();
        for (String argument : nodeArguments) {
            int eq = argument.indexOf('=');
            if (eq <= 0 || eq == argument.length() - 1) {
                throw new ImportException("'" + argument + "' is not NODE=ADDRESS; write for example "
                        + (nodes.isEmpty() ? "node1" : nodes.get(0)) + "=192.168.28.151");
            }
            String node = argument.substring(0, eq);
            if (!nodes.contains(node)) {
                throw new ImportException("'" + node + "' is not a node of " + input + "; its nodes are " + nodes);
            }
            if (endpoints.put(node, endpoint(argument, argument.substring(eq + 1))) != null) {
                throw new ImportException("node '" + node + "' is given twice; give each node once");
            }
        }
        for (String node : nodes) {
            if (endpoints.containsKey(node)) {
                continue;
            }
            String address = config.nodeAddresses().get(node);
            if (address == null) {
                try {
                    address = InetAddress.getByName(node).getHostAddress();
                } catch (UnknownHostException e) {
                    continue;
                }
            }
            endpoints.put(node, new PacemakerImport.Endpoint(address, null, null, null));
        }
        return endpoints;
    }

    private static PacemakerImport.Endpoint endpoint(String argument, String value) {
        String[] parts = value.split(",");
        Integer api = null;
        Integer raft = null;
        Integer pg = null;
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            int port;
            try {
                port = kv.length == 2 ? Integer.parseInt(kv[1]) : -1;
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new ImportException("'" + parts[i] + "' in '" + argument + "' is not PORT-NAME=PORT (api-port,"
                        + " raft-port or pg-port, 1-65535)");
            }
            switch (kv[0]) {
                case "api-port" -> api = port;
                case "raft-port" -> raft = port;
                case "pg-port" -> pg = port;
                default -> throw new ImportException("'" + kv[0] + "' in '" + argument + "' is not a port name;"
                        + " use api-port, raft-port or pg-port");
            }
        }
        return new PacemakerImport.Endpoint(parts[0], api, raft, pg);
    }

    // why a stand-in password: the loader reads the password file, which is written only once all is valid.
    private void validate(PacemakerImport.Result result) {
        Map<String, Object> check = new LinkedHashMap<>(result.document());
        @SuppressWarnings("unchecked")
        Map<String, Object> pg = new LinkedHashMap<>((Map<String, Object>) check.get("postgresql"));
        if (result.replicationPassword() != null && pg.remove("replication-password-file") != null) {
            pg.put("replication-password", "validation-only");
        }
        check.put("postgresql", pg);
        ConfigLoader.parse(output, ConfigDocument.render(check), firstNode(check));
    }

    private static String firstNode(Map<String, Object> document) {
        return String.valueOf(((Map<?, ?>) ((List<?>) document.get("nodes")).get(0)).get("name"));
    }

    private static Path passwordFile(Path output) {
        String file = output.getFileName().toString();
        int dot = file.lastIndexOf('.');
        return output.resolveSibling((dot > 0 ? file.substring(0, dot) : file) + ".replication-password");
    }

    private static void writeSecret(Path file, String secret) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, secret + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
