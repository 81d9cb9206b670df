package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.config.InputFiles;
import io.pgpacer.core.cib.NodeSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad arguments and files on the command line (cluster setup, switchover, cib replace): exit 2, one sentence naming
 * the argument and the fix, no stack trace, nothing written and no agent asked.
 */
@Timeout(120)
class OperatorInputBadInputTest {

    private static final String NO_AGENT = "http://127.0.0.1:1";

    @TempDir
    Path dir;

    private record Run(int exitCode, String stdout, String stderr) {
    }

    private Run run(String... args) {
        PrintStream err = System.err;
        PrintStream out = System.out;
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
        System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
        try {
            int code = Main.commandLine().setErr(new java.io.PrintWriter(System.err, true)).execute(args);
            return new Run(code, capturedOut.toString(StandardCharsets.UTF_8),
                    capturedErr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
            System.setOut(out);
        }
    }

    private static void assertRefused(Run run, String... expected) {
        assertEquals(2, run.exitCode(), run.stderr());
        for (String part : expected) {
            assertTrue(run.stderr().contains(part), "expected '" + part + "' in: " + run.stderr());
        }
        assertEquals(1, run.stderr().strip().lines().count(), "one sentence: " + run.stderr());
        assertFalse(run.stderr().contains("\tat ") || run.stderr().contains("Exception"), "no stack trace: "
                + run.stderr());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "name with a line break     | --name=x\\nstate-dir: /etc                      | --name: the value holds a line break | give it on one line",
        "data-dir injection         | --data-dir=/d\\n  replication-password: x        | --data-dir: the value holds a line break | give it on one line",
        "address 999.1.1.1          | a=999.1.1.1                                       | key 'nodes[2].address': '999.1.1.1' is not an IPv4 address | (from the argument 'a=999.1.1.1')",
        "address garbage!!          | a=garbage!!                                       | key 'nodes[2].address': 'garbage!!' is not an IPv4 address | or a host name",
        "port not a number          | a=198.18.0.9,api=x                                | 'a=198.18.0.9,api=x': api=x is not a port | give a number from 1 to 65535",
        "unknown node option        | a=198.18.0.9,colour=red                           | unknown node option 'colour=red' | expected NODE=ADDRESS[,api=PORT][,raft=PORT][,pg=PORT][,witness]",
        "default port out of range  | --api-port=70000                                  | key 'nodes[0].api-port': expected a port number 1-65535, got '70000' | (from the argument 'n1=198.18.0.1')",
        "two nodes on one port      | a=198.18.0.1                                      | port 8008 on 198.18.0.1 is already used by another node | (from the argument 'a=198.18.0.1')",
        "bad replication mode       | --replication=sometimes                           | key 'replication.mode': expected async, sync or quorum, got 'sometimes' | ",
        "empty output               | --output=                                         | --output: an empty path; give a file name | ",
        "output a directory         | --output=DIR                                      | cannot write --output DIR: is a directory; give a file name | ",
        "output a device            | --output=/dev/null                                | cannot write --output /dev/null: is not a regular file | give a file name",
    })
    void clusterSetupRefusesBadValuesAndWritesNothing(String title, String argument, String expected, String fix) {
        Path output = dir.resolve("pgpacer.yaml");
        List<String> args = new ArrayList<>(List.of("cluster", "setup"));
        String arg = argument.replace("\\n", "\n").replace("DIR", dir.toString());
        if (!arg.startsWith("--name")) {
            args.add("--name=c");
        }
        if (!arg.startsWith("--output")) {
            args.add("--output=" + output);
        }
        if (arg.startsWith("--")) {
            args.add(arg);
        }
        args.addAll(List.of("n1=198.18.0.1", "n2=198.18.0.2"));
        if (!arg.startsWith("--")) {
            args.add(arg);
        }
        Run run = run(args.toArray(String[]::new));
        assertRefused(run, expected.replace("DIR", dir.toString()), fix == null ? "" : fix);
        assertFalse(Files.exists(output), title + ": nothing is written");
        assertFalse(run.stdout().contains("cluster:"), "no configuration is printed");
    }

    @Test
    void clusterSetupWritesIpv6AndSingleHostClustersThatEveryNodeLoads() throws IOException {
        Path ipv6 = dir.resolve("ipv6.yaml");
        Run ok = run("cluster", "setup", "--name", "local6", "--output", ipv6.toString(), "n1=::1",
                "n2=::1,api=8009,raft=7401,pg=5433", "arbiter=[::1],api=8010,raft=7402,witness");
        assertEquals(0, ok.exitCode(), ok.stderr());
        for (String node : List.of("n1", "n2", "arbiter")) {
            AgentConfig config = ConfigLoader.parse(ipv6, Files.readString(ipv6), node);
            assertEquals("::1", config.self().address());
        }
        AgentConfig config = ConfigLoader.parse(ipv6, Files.readString(ipv6), "n2");
        assertEquals(List.of(8008, 8009, 8010), config.nodes().stream().map(NodeSpec::apiPort).toList());
        assertTrue(config.nodes().get(2).witness());

        Path local = dir.resolve("local.yaml");
        Run defaults = run("cluster", "setup", "--name", "local", "--output", local.toString(), "--api-port", "28008",
                "--raft-port", "27400", "--pg-port", "25432", "n1=127.0.0.1", "n2=127.0.0.1,api=28009,raft=27401,pg=25433");
        assertEquals(0, defaults.exitCode(), defaults.stderr());
        AgentConfig n1 = ConfigLoader.parse(local, Files.readString(local), "n1");
        assertEquals(List.of(28008, 27400, 25432), List.of(n1.self().apiPort(), n1.self().raftPort(),
                n1.self().pgPort()));
        assertEquals(25433, n1.nodes().get(1).pgPort());
    }

    @Test
    void clusterSetupNamesThePasswordFileWithoutReadingIt() throws IOException {
        Path file = dir.resolve("secret.yaml");
        Path secret = dir.resolve("on-the-nodes-only.secret");
        Run ok = run("cluster", "setup", "--name", "c", "--output", file.toString(), "--replication-password-file",
                secret.toString(), "n1=198.18.0.1", "n2=198.18.0.2");
        assertEquals(0, ok.exitCode(), ok.stderr());
        assertTrue(Files.readString(file).contains("replication-password-file: " + secret), Files.readString(file));
        assertFalse(Files.exists(secret));
        Files.writeString(secret, "s3cret\n");
        assertEquals("s3cret", ConfigLoader.load(file, "n2").postgres().replicationPassword(),
                "the agent reads it where it lives");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "year 9999      | --at=9999-12-31T00:00    | --at 9999-12-31T00:00 is more than 31 days ahead | schedule a switchover within the next 31 days",
        "far offset     | --at=9999-12-31T00:00:00Z | --at 9999-12-31T00:00:00Z is more than 31 days ahead | within the next 31 days",
        "in the past    | --at=2020-01-01T00:00:00Z | --at 2020-01-01T00:00:00Z is in the past | omit it to switch over at once",
        "date only      | --at=9999-12-31          | --at '9999-12-31' is not a time | give 2026-11-24T03:00:00Z",
        "timeout 0      | --timeout=0              | --timeout 0 is out of range | give 1 to 3600 seconds",
    })
    void switchoverArgumentsOutOfRangeAreRefusedBeforeAnyAgentIsAsked(String title, String argument, String expected,
            String fix) {
        assertRefused(run("switchover", argument, "--api", NO_AGENT), expected, fix);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "/dev/zero   | is not a regular file",
        "fifo        | is not a regular file",
        "directory   | is a directory, not a file",
        "missing     | no such file",
        "large       | is larger than 1 MiB",
        "latin1      | is not UTF-8 text",
    })
    void cibReplaceRefusesAnUnusableFileBeforeAnyAgentIsAsked(String kind, String expected) throws Exception {
        Path file = kind.equals("/dev/zero") ? Path.of("/dev/zero") : dir.resolve("cib.yaml");
        switch (kind) {
            case "fifo" -> assertEquals(0, new ProcessBuilder("mkfifo", file.toString()).inheritIO().start().waitFor());
            case "directory" -> Files.createDirectories(file);
            case "large" -> Files.writeString(file, "epoch: 1\n#" + "x".repeat(InputFiles.DOCUMENT_LIMIT));
            case "latin1" -> Files.write(file, "epoch: 1 # caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
            default -> { }
        }
        assertRefused(run("cib", "replace", file.toString(), "--api", NO_AGENT),
                "pgpacer cib replace: " + file + ": " + expected, "give a document as 'pgpacer cib query' writes it");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"fifo, is not a regular file", "/dev/zero, is not a regular file", "directory, is a directory"})
    void anUnusableTokenFileIsRefusedNotWaitedFor(String kind, String expected) throws Exception {
        Path token = kind.equals("/dev/zero") ? Path.of("/dev/zero") : dir.resolve("token");
        if (kind.equals("fifo")) {
            assertEquals(0, new ProcessBuilder("mkfifo", token.toString()).inheritIO().start().waitFor());
        } else if (kind.equals("directory")) {
            Files.createDirectories(token);
        }
        Path config = dir.resolve("cluster.yaml");
        Files.writeString(config, "cluster: c\nnodes: [{name: n1, address: 127.0.0.1, api-port: 1}, {name: n2,"
                + " address: 127.0.0.2, api-port: 1}]\npostgresql: {data-dir: /d}\napi: {token-file: " + token + "}\n");
        assertRefused(run("status", "--config", config.toString()), "key 'api.token-file': " + token + ": " + expected,
                "give a readable file that holds the token");
    }

    /** The operator has the API token but cannot read the replication password file: read-only commands work. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"status", "history", "cib query"})
    void readOnlyCommandsReadNoPasswordFile(String command) throws IOException {
        Path secret = dir.resolve("repl.secret");
        Files.createDirectories(secret);
        Path config = dir.resolve("cluster.yaml");
        Files.writeString(config, "cluster: c\nnodes: [{name: n1, address: 127.0.0.1, api-port: 1}, {name: n2,"
                + " address: 127.0.0.2, api-port: 1}]\npostgresql: {data-dir: /d, replication-password-file: "
                + secret + "}\n");
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.addAll(List.of("--config", config.toString()));
        Run run = run(args.toArray(String[]::new));
        assertFalse(run.stderr().contains("repl.secret") || run.stderr().contains("password"),
                "the password file is not read: " + run.stderr());
        assertNotEquals(0, run.exitCode(), "no agent listens on port 1: " + run.stderr());
        assertFalse(run.stderr().contains("\tat "), run.stderr());
    }
}
