package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pgpacer.cli.LoopbackCluster;
import io.pgpacer.cli.Main;
import io.pgpacer.os.ProgramRunner;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.lab.LabCluster;
import io.pgpacer.testkit.lab.LabHost;
import io.pgpacer.testkit.lab.NetLab;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Given what a user of the reference has (the CIB Pacemaker 2.1.5 wrote for the reference's setup, or the reference's
 * {@code cluster_setup.sh}), when it is imported with the lab hosts' addresses and the three agents start from the
 * imported file, each in its own host of the network-namespace lab (VIPs may be added only inside namespaces a test
 * created, and only in 198.18.0.0/15), then {@code pgpacer status} shows one master and two slaves, vip-master in
 * master-group on the master, vip-slave in slave-group on a slave, and the imported migration-threshold, stickiness
 * and monitor intervals. What the lab changes in the imported file is named in each test: the data and state
 * directories (the lab's hosts share one file system), and for the script its PostgreSQL 14 RHEL paths and its
 * 192.168.28.x VIPs.
 */
class ImportPcsLabTest {

    private static final Path RESOURCES = Path.of("src/test/resources/pcs").toAbsolutePath();
    private static final Duration BOOTSTRAP = Duration.ofSeconds(180);

    @Test
    void theImportedFixtureStartsAClusterWithTheSameVipGroupsAndParameters() throws Exception {
        startImported(RESOURCES.resolve("cib-async.xml"), List.of("pm-n1", "pm-n2", "pm-n3"),
                List.of("--replication-password-file", "replication.secret"), root -> {
                });
    }

    @Test
    void theImportedReferenceScriptStartsAClusterWithTheSameVipGroupsAndParameters() throws Exception {
        startImported(RESOURCES.resolve("cluster_setup.sh"), List.of("pg-151", "pg-152", "pg-153"), List.of(),
                root -> {
                    // this machine's PostgreSQL, found by the agent, instead of the script's /usr/pgsql-14/bin
                    ((ObjectNode) root.get("postgresql")).remove("bin-dir");
                    ObjectNode vips = (ObjectNode) root.get("virtual-ips");
                    vips.put("writer", vips.get("writer").asText().replace("192.168.28.", "198.18.2."));
                    vips.put("reader", vips.get("reader").asText().replace("192.168.28.", "198.18.2."));
                });
    }

    private void startImported(Path input, List<String> nodes, List<String> extraArgs,
            java.util.function.Consumer<ObjectNode> labRewrite) throws Exception {
        Path dir = Path.of("target", "it", "import-pcs-" + UUID.randomUUID().toString().substring(0, 8))
                .toAbsolutePath();
        Files.createDirectories(dir);
        Path secret = dir.resolve("replication.secret");
        Files.writeString(secret, "lab-only-password\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path config = dir.resolve("pgpacer.yaml");
        List<String> hosts = nodes.stream().map(n -> n.replace("-", "")).toList();
        List<Process> agents = new ArrayList<>();
        boolean passed = false;
        try (NetLab lab = NetLab.start(hosts.toArray(String[]::new))) {
            List<String> args = new ArrayList<>(List.of("import-pcs", input.toString(), "--output",
                    config.toString()));
            args.addAll(extraArgs);
            for (int i = 0; i < nodes.size(); i++) {
                args.add(nodes.get(i) + "=" + lab.host(hosts.get(i)).address());
            }
            System.out.println(runCli(args));
            rewriteForTheLab(config, labRewrite);
            System.out.println(Files.readString(config));

            for (int i = 0; i < nodes.size(); i++) {
                agents.add(lab.host(hosts.get(i)).start(dir.resolve(nodes.get(i) + ".log"),
                        LoopbackCluster.agentCommand(config, nodes.get(i))));
            }
            LabHost operator = lab.host(hosts.get(0));
            String status;
            try {
                status = Eventually.await("status with a master, two slaves and both VIPs started", BOOTSTRAP,
                        () -> cli(operator, config, "status"), ImportPcsLabTest::converged);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + ClusterHarness.logTails(nodes.stream()
                        .map(n -> dir.resolve(n + ".log")).toList()), e);
            }
            System.out.println(status);
            String master = match(status, "Masters: \\[ (\\S+) \\]");
            assertTrue(Pattern.compile("Resource Group: master-group\\n\\s+vip-master\\s+\\(ocf::heartbeat:IPaddr2\\):"
                    + "\\s+Started " + master).matcher(status).find(), status);
            String readerNode = match(status, "Resource Group: slave-group\\n\\s+vip-slave\\s+"
                    + "\\(ocf::heartbeat:IPaddr2\\):\\s+Started (\\S+)");
            assertTrue(!readerNode.equals(master) && status.contains("Slaves: [") && status.contains(readerNode),
                    status);

            String properties = cli(operator, config, "property", "list");
            assertTrue(properties.matches("(?s).*migration-threshold: 1\\n.*"), properties);
            assertTrue(properties.matches("(?s).*resource-stickiness: INFINITY.*"), properties);
            assertTrue(properties.matches("(?s).*no-quorum-policy: stop.*"), properties);
            String clone = cli(operator, config, "resource", "show", "msPostgresql");
            assertTrue(clone.contains("monitor interval=3s timeout=1m on-fail=restart role=Master")
                    && clone.contains("monitor interval=4s timeout=1m on-fail=restart"), clone);
            passed = true;
        } finally {
            agents.forEach(Process::destroy);
            for (Process agent : agents) {
                if (!agent.waitFor(30, TimeUnit.SECONDS)) {
                    agent.destroyForcibly();
                }
            }
            if (passed) {
                try (Stream<Path> paths = Files.walk(dir)) {
                    for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            } else {
                System.err.println("keeping the data of the failed test in " + dir);
            }
        }
    }

    private static boolean converged(String status) {
        return status.matches("(?s).*Masters: \\[ \\S+ \\].*") && status.matches("(?s).*Slaves: \\[ \\S+ \\S+ \\].*")
                && status.matches("(?s).*vip-master\\s+\\(ocf::heartbeat:IPaddr2\\):\\s+Started \\S+.*")
                && status.matches("(?s).*vip-slave\\s+\\(ocf::heartbeat:IPaddr2\\):\\s+Started \\S+.*");
    }

    private static String match(String text, String regex) {
        java.util.regex.Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no '" + regex + "' in:\n" + text);
        return m.group(1);
    }

    /** {@code pgpacer ARGS --config FILE}, run inside a lab host as an operator on that node would. */
    private static String cli(LabHost host, Path config, String... args) {
        ProgramRunner.Result result = host.run(Duration.ofSeconds(60), LabCluster.cliCommand(config, args));
        return result.exitCode() + ": " + result.output();
    }

    /** The import, run in this JVM as an operator runs it; fails the test unless it succeeds. */
    private static String runCli(List<String> args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.commandLine().execute(args.toArray(String[]::new));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertEquals(0, code, stdout.toString(StandardCharsets.UTF_8) + stderr.toString(StandardCharsets.UTF_8));
        return stdout.toString(StandardCharsets.UTF_8);
    }

    // why: the input's data directory is one path, the same on every Pacemaker host; the lab's three hosts share this
    // machine's file system, so each node gets its own.
    private static void rewriteForTheLab(Path config, java.util.function.Consumer<ObjectNode> labRewrite)
            throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        ObjectNode root = (ObjectNode) yaml.readTree(config.toFile());
        ((ObjectNode) root.get("postgresql")).put("data-dir", "{node}/data");
        root.put("state-dir", "{node}/agent");
        labRewrite.accept(root);
        yaml.writeValue(config.toFile(), root);
    }
}
