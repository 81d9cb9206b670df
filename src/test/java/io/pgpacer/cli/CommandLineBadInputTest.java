package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.pgpacer.testkit.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad input on the command line gets one message naming what is wrong, exit code 2, and starts nothing. */
class CommandLineBadInputTest {

    @TempDir
    Path dir;

    private record Run(int exitCode, String stderr) {
    }

    private Run run(String... args) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int code = Main.commandLine().setErr(new java.io.PrintWriter(System.err, true)).execute(args);
            return new Run(code, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(original);
        }
    }

    @Test
    void agentWithAnInvalidConfigurationExitsWith2AndStartsNothing() throws IOException {
        Path config = dir.resolve("bad.yaml");
        Path state = dir.resolve("state");
        Files.writeString(config, "cluster: c\nnode: n1\nnodes: [{name: n1, address: 127.0.0.1, api-port: 0}]\n"
                + "postgresql: {data-dir: " + dir.resolve("data") + "}\nstate-dir: " + state + "\n");
        Run run = run("agent", "--config", config.toString());
        assertEquals(2, run.exitCode());
        assertEquals("pgpacer agent: " + config + ": key 'nodes[0].api-port': expected a port number 1-65535, got '0'",
                run.stderr().strip());
        assertFalse(Files.exists(state), "nothing may be created for a refused configuration");
        assertFalse(Files.exists(dir.resolve("data")));
    }

    /** Each case names a broken security file; the agent refuses before it creates or starts anything. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "missing token file | api: {token-file: nope}                                  | key 'api.token-file': DIR/nope: no such file; create it with 'openssl rand -base64 32 > DIR/nope; chmod 600 DIR/nope'",
        "empty token file   | api: {token-file: empty}                                 | key 'api.token-file': DIR/empty: the token is empty; generate one with 'openssl rand -base64 32'",
        "garbage cert       | tls: {cert-file: garbage, key-file: nope, ca-file: nope}  | key 'tls.cert-file': DIR/garbage: holds no PEM certificate",
        "missing key        | tls: {cert-file: cert.pem, key-file: nope, ca-file: nope} | key 'tls.key-file': DIR/nope: no such file; check the path",
    })
    void agentWithUnusableSecurityFilesExitsWith2AndStartsNothing(String title, String yaml, String expected)
            throws IOException {
        Files.writeString(dir.resolve("empty"), "\n");
        Files.writeString(dir.resolve("garbage"), "not a certificate\n");
        if (yaml.contains("cert.pem")) {
            Files.copy(TestCertificates.authority(dir, "ca").issue("n1").certFile(), dir.resolve("cert.pem"));
        }
        Path config = dir.resolve("agent.yaml");
        Path state = dir.resolve("state");
        Files.writeString(config, "cluster: c\nnode: n1\nnodes: [{name: n1, address: 127.0.0.1, role: witness},"
                + " {name: n2, address: 127.0.0.2}]\nstate-dir: " + state + "\n" + yaml.strip() + "\n");
        Run run = run("agent", "--config", config.toString());
        assertEquals(2, run.exitCode(), run.stderr());
        String message = "pgpacer agent: " + config + ": " + expected.strip().replace("DIR", dir.toString());
        assertTrue(run.stderr().strip().startsWith(message), "expected '" + message + "' in:\n" + run.stderr());
        assertEquals(1, run.stderr().strip().lines().count(), "one message: " + run.stderr());
        assertFalse(Files.exists(state), "nothing may be created for a refused configuration");
    }

    @Test
    void anOperatorCommandNamesAnUnusableTokenFile() throws IOException {
        Path config = dir.resolve("cluster.yaml");
        Files.writeString(config, "cluster: c\nnodes: [{name: n1, address: 127.0.0.1, api-port: 1}]\n"
                + "postgresql: {data-dir: /d}\napi: {token-file: token}\n");
        Files.writeString(dir.resolve("token"), "   \n");
        Run run = run("resource", "cleanup", "--config", config.toString());
        assertEquals(2, run.exitCode());
        assertEquals("pgpacer resource cleanup: " + config + ": key 'api.token-file': " + dir.resolve("token")
                + ": the token is empty; generate one with 'openssl rand -base64 32' (the same on every node)",
                run.stderr().strip());
    }

    @Test
    void aMissingConfigurationFileIsNamed() {
        Run run = run("status", "--config", dir.resolve("nope.yaml").toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.stderr().contains("nope.yaml: no such file"), run.stderr());
    }

    @Test
    void anUnknownOptionIsRefusedWithUsage() {
        Run run = run("status", "--fulll");
        assertEquals(2, run.exitCode());
        assertTrue(run.stderr().contains("Unknown option: '--fulll'"), run.stderr());
    }

    @Test
    void aForcedPromotionWithoutTheDataLossAcknowledgementIsRefusedBeforeAnyAgentIsAsked() {
        Run run = run("force-promote", "node2", "--api", "http://127.0.0.1:1");
        assertEquals(2, run.exitCode());
        assertTrue(run.stderr().contains("repeat with --accept-data-loss"), run.stderr());
    }

    @Test
    void switchoverArgumentsAreCheckedBeforeAnyAgentIsAsked() {
        Run badTime = run("switchover", "--at", "tomorrow", "--api", "http://127.0.0.1:1");
        assertEquals(2, badTime.exitCode());
        assertEquals("pgpacer switchover: --at 'tomorrow' is not a time; give 2026-11-24T03:00:00Z, 2026-11-24T03:00"
                + " (local) or 03:00 (the next 03:00, local)", badTime.stderr().strip());
        Run cancelWithTarget = run("switchover", "--cancel", "--to", "node2", "--api", "http://127.0.0.1:1");
        assertEquals(2, cancelWithTarget.exitCode());
        assertEquals("pgpacer switchover: --cancel takes no other option", cancelWithTarget.stderr().strip());
    }

    @Test
    void historyDiscardedOfANodeTheClusterDoesNotHaveIsRefusedBeforeAnyAgentIsAsked() {
        Path file = dir.resolve("pgpacer.yaml");
        assertEquals(0, run("cluster", "setup", "--name", "pgcluster", "--output", file.toString(),
                "pg-151=198.18.0.151", "pg-152=198.18.0.152").exitCode());
        Run unknown = run("history", "--discarded", "pg-154", "--config", file.toString());
        assertEquals(2, unknown.exitCode(), unknown.stderr());
        assertEquals("pgpacer history: unknown node 'pg-154' after --discarded; the cluster's nodes are [pg-151,"
                + " pg-152]", unknown.stderr().strip());
    }

    @Test
    void restartAgentArgumentsAreCheckedBeforeAnyAgentIsAsked() {
        Path file = dir.resolve("pgpacer.yaml");
        assertEquals(0, run("cluster", "setup", "--name", "pgcluster", "--output", file.toString(),
                "pg-151=198.18.0.151", "pg-152=198.18.0.152", "pg-153=198.18.0.153").exitCode());
        Run unknown = run("node", "restart-agent", "pg-154", "--config", file.toString());
        assertEquals(2, unknown.exitCode(), unknown.stderr());
        assertEquals("pgpacer node restart-agent: unknown node 'pg-154'; " + file + " configures [pg-151, pg-152,"
                + " pg-153]", unknown.stderr().strip());
        Run badTimeout = run("node", "restart-agent", "pg-152", "--timeout", "0", "--config", file.toString());
        assertEquals(2, badTimeout.exitCode(), badTimeout.stderr());
        assertEquals("pgpacer node restart-agent: --timeout must be a positive number of seconds, got 0",
                badTimeout.stderr().strip());
    }

    @Test
    void clusterSetupWritesAConfigurationTheAgentsAcceptAndRefusesBadValues() throws IOException {
        Path file = dir.resolve("pgpacer.yaml");
        Run ok = run("cluster", "setup", "--name", "pgcluster", "--writer-vip", "198.18.0.41/24", "--reader-vip",
                "198.18.0.141/24", "--nic", "eth0", "--output", file.toString(), "pg-151=198.18.0.151",
                "pg-152=198.18.0.152", "pg-153=198.18.0.153");
        assertEquals(0, ok.exitCode(), ok.stderr());
        io.pgpacer.config.AgentConfig config = io.pgpacer.config.ConfigLoader.parse(file, Files.readString(file),
                "pg-152");
        assertEquals(java.util.List.of("pg-151", "pg-152", "pg-153"), config.nodes().stream()
                .map(io.pgpacer.core.cib.NodeSpec::name).toList());
        assertEquals("198.18.0.41/24 on eth0", config.writerVip().toString());
        assertEquals(io.pgpacer.core.cib.ReaderVipPolicy.STANDBY, config.clusterSettings().readerVip());
        String before = Files.readString(file);
        Run again = run("cluster", "setup", "--name", "other", "--output", file.toString(), "a=198.18.0.1",
                "b=198.18.0.2");
        assertEquals(2, again.exitCode());
        assertEquals("pgpacer cluster setup: " + file + " exists; pass --force to overwrite it", again.stderr().strip());
        assertEquals(before, Files.readString(file), "a refused setup writes nothing");
        Run badNode = run("cluster", "setup", "--name", "pgc", "a=198.18.0.1", "b");
        assertEquals(2, badNode.exitCode());
        assertEquals("pgpacer cluster setup: expected NODE=ADDRESS[,api=PORT][,raft=PORT][,pg=PORT][,witness], got 'b'",
                badNode.stderr().strip());
        Run badMode = run("cluster", "setup", "--name", "pgc", "--replication", "sometimes", "a=198.18.0.1",
                "b=198.18.0.2");
        assertEquals(2, badMode.exitCode());
        assertEquals("pgpacer cluster setup: key 'replication.mode': expected async, sync or quorum, got"
                + " 'sometimes'", badMode.stderr().strip());
    }

    @Test
    void clusterSetupLetsClientsInThroughPgHbaAndRefusesALineThatIsNotOne() throws IOException {
        Path file = dir.resolve("pgpacer.yaml");
        Run ok = run("cluster", "setup", "--name", "pgcluster", "--pg-hba", "host all app 198.18.0.0/24 scram-sha-256",
                "--pg-hba", "host all postgres 198.18.0.14/32 trust", "--output", file.toString(),
                "pg-151=198.18.0.151", "pg-152=198.18.0.152");
        assertEquals(0, ok.exitCode(), ok.stderr());
        io.pgpacer.config.AgentConfig config = io.pgpacer.config.ConfigLoader.parse(file, Files.readString(file),
                "pg-151");
        assertEquals(java.util.List.of("host all app 198.18.0.0/24 scram-sha-256",
                "host all postgres 198.18.0.14/32 trust"), config.postgres().hbaLines());
        Run bad = run("cluster", "setup", "--name", "pgcluster", "--pg-hba", "everyone welcome", "a=198.18.0.1",
                "b=198.18.0.2");
        assertEquals(2, bad.exitCode(), bad.stderr());
        assertEquals("pgpacer cluster setup: key 'postgresql.pg-hba[0]': expected a pg_hba.conf line starting with"
                + " local, host, hostssl or hostnossl, got 'everyone welcome' (from --pg-hba)", bad.stderr().strip());
    }

    /** Words that cannot make a resource or a constraint are refused before any agent is asked (the API is closed). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " => ", value = {
        "resource create vip ip ip=198.18.0.9 op monitor interval=soon => pgpacer resource create: op monitor interval 'soon' is not a duration like 500ms, 1.5s, 10s, 5m or 1h (a bare number is seconds)",
        "resource create vip ip ip=198.18.0.9 op monitor every=5s => pgpacer resource create: unknown option 'every' of op monitor; options are interval, timeout, on-fail, role",
        "resource create vip ip ip=198.18.0.9 op monitor on-fail=panic => pgpacer resource create: on-fail 'panic' is not one of restart, stop, block, ignore, standby",
        "resource create vip ip 198.18.0.9 => pgpacer resource create: expected NAME=VALUE, 'op NAME ...' or 'meta NAME=VALUE', got '198.18.0.9'",
        "resource create vip ip ip=198.18.0.9 meta priority=5 => pgpacer resource create: unknown meta attribute 'priority'; the meta attribute here is migration-threshold (use 'resource enable|disable|manage|unmanage' for the others)",
        "resource update vip meta migration-threshold=few => pgpacer resource update: migration-threshold 'few' is not a whole number",
        "constraint add colocation vip msPostgresql => pgpacer constraint add: expected 'RESOURCE with [master|slave] RESOURCE [SCORE]', got 'vip msPostgresql'",
        "constraint add colocation vip with master msPostgresql lots => pgpacer constraint add: 'lots' is not a score; use an integer, INFINITY or -INFINITY",
        "constraint add order msPostgresql before vip => pgpacer constraint add: expected '[ACTION] RESOURCE then [ACTION] RESOURCE' (actions start, stop, promote, demote), got 'msPostgresql before vip'",
        "constraint add location vip likes node1 => pgpacer constraint add: expected 'RESOURCE prefers|avoids NODE[=SCORE]', got 'vip likes node1'",
        "constraint add adjacency vip node1 => pgpacer constraint add: unknown constraint type 'adjacency' in 'adjacency vip node1'; types are colocation, order, location",
    })
    void resourceAndConstraintWordsAreCheckedBeforeAnyAgentIsAsked(String command, String expected) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(command.strip().split(" ")));
        args.addAll(java.util.List.of("--api", "http://127.0.0.1:1"));
        Run run = run(args.toArray(String[]::new));
        assertEquals(2, run.exitCode(), run.stderr());
        assertEquals(expected.strip(), run.stderr().strip());
    }

    @Test
    void switchoverTimesAreReadAsTheOperatorMeantThem() {
        java.time.Instant now = java.time.Instant.parse("2026-11-24T10:00:00Z");
        java.time.ZoneId zone = java.time.ZoneId.of("Europe/Berlin");
        assertEquals("2026-11-24T03:00:00Z", SwitchoverCommand.instantOf("2026-11-24T03:00:00Z", now, zone).toString());
        assertEquals("2026-11-24T02:00:00Z", SwitchoverCommand.instantOf("2026-11-24T03:00", now, zone).toString());
        assertEquals("2026-11-25T02:00:00Z", SwitchoverCommand.instantOf("03:00", now, zone).toString(),
                "a time of day already past today means tomorrow");
        assertEquals("2026-11-24T17:30:00Z", SwitchoverCommand.instantOf("18:30", now, zone).toString());
    }

    @Test
    void propertyAndCibArgumentsAreCheckedBeforeAnyAgentIsAsked() {
        Run noValue = run("property", "set", "migration-threshold", "--api", "http://127.0.0.1:1");
        assertEquals(2, noValue.exitCode());
        assertEquals("pgpacer property set: expected NAME=VALUE, got 'migration-threshold'", noValue.stderr().strip());
        Run missingFile = run("cib", "replace", dir.resolve("nope.yaml").toString(), "--api", "http://127.0.0.1:1");
        assertEquals(2, missingFile.exitCode());
        assertTrue(missingFile.stderr().startsWith("pgpacer cib replace: " + dir.resolve("nope.yaml") + ": no such file"),
                missingFile.stderr());
        Run badFormat = run("cib", "query", "--format", "xml", "--api", "http://127.0.0.1:1");
        assertEquals(2, badFormat.exitCode());
        assertTrue(badFormat.stderr().contains("Invalid value for option '--format'"), badFormat.stderr());
    }

    @Test
    void everyOperatorCommandNamesItsPcsEquivalent() {
        for (String command : new String[] {"status", "history", "resource cleanup", "resource move", "agent",
                "force-promote", "switchover", "cluster pause", "cluster resume", "node maintenance",
                "node unmaintenance", "node standby", "node unstandby", "property", "property list", "property set",
                "property unset", "cib", "cib query", "cib replace", "cib edit", "repair", "rebuild",
                "recover-master"}) {
            java.io.StringWriter help = new java.io.StringWriter();
            String[] args = (command + " --help").split(" ");
            int code = Main.commandLine().setOut(new java.io.PrintWriter(help, true)).execute(args);
            assertEquals(0, code, command + " --help");
            assertTrue(help.toString().contains("pcs equivalent"), command + " --help must name its pcs equivalent:\n"
                    + help);
        }
    }
}
