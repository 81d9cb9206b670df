package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.os.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every failure a user can provoke from the command line is one line naming the argument or key and the fix,
 * exit code 2 (bad input) or 1 (the OS refused), never a stack trace, and nothing is created on disk.
 */
class CommandLineFailureTest {

    // A JDK or library class name in the output means an exception escaped to the user.
    private static final Pattern EXCEPTION_NAME = Pattern.compile("\\b[A-Z]\\w*(Exception|Error)\\b");

    @TempDir
    Path dir;

    private record Run(int exitCode, String stdout, String stderr) {
        String both() {
            return stdout + stderr;
        }
    }

    private static Run run(String... args) {
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.commandLine().setOut(new PrintWriter(System.out, true))
                    .setErr(new PrintWriter(System.err, true)).execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }

    private static void assertNoStackTrace(Run run) {
        assertFalse(run.both().contains("\tat "), "a stack trace was printed:\n" + run.both());
        assertFalse(EXCEPTION_NAME.matcher(run.both()).find(), "an exception's class was printed:\n" + run.both());
    }

    private static void assertOneLine(Run run, int exitCode, String... expected) {
        assertEquals(exitCode, run.exitCode(), run.both());
        assertNoStackTrace(run);
        assertEquals("", run.stdout(), "failures go to stderr");
        assertEquals(1, run.stderr().strip().lines().count(), "one line: " + run.stderr());
        for (String part : expected) {
            assertTrue(run.stderr().contains(part), "expected '" + part + "' in:\n" + run.stderr());
        }
    }

    static Stream<Arguments> badArguments() {
        String fix = "give one like http://10.0.0.1:8008";
        return Stream.of(
                Arguments.of(List.of("status", "--api", "notaurl"),
                        List.of("pgpacer status: ", "--api", "'notaurl' is not an agent's API URL", fix)),
                Arguments.of(List.of("status", "--api", ""),
                        List.of("--api", "'' is not an agent's API URL", fix)),
                Arguments.of(List.of("history", "--api", "ftp://127.0.0.1:8008"),
                        List.of("pgpacer history: ", "--api", "the scheme is 'ftp', not http or https", fix)),
                Arguments.of(List.of("status", "--api", "http://127.0.0.1:99999"),
                        List.of("--api", "port 99999 is outside 1-65535", fix)),
                Arguments.of(List.of("status", "--api", "http://127.0.0.1:0"),
                        List.of("--api", "port 0 is outside 1-65535", fix)),
                Arguments.of(List.of("status", "--api", "http://:8008"),
                        List.of("--api", "':8008' is not a host and a port 1-65535", fix)),
                Arguments.of(List.of("status", "--api", "http://"),
                        List.of("--api", "'http://' is not an agent's API URL", fix)),
                Arguments.of(List.of("resource", "cleanup", "--api", "http://admin:secret@127.0.0.1:1"),
                        List.of("--api", "'http://***@127.0.0.1:1' holds credentials", "PGPACER_API_TOKEN")),
                Arguments.of(List.of("nonexistent", "--help"),
                        List.of("pgpacer: unknown command 'nonexistent'", "did you mean one of", "status")),
                Arguments.of(List.of("cluster", "nonexistent", "--help"),
                        List.of("pgpacer cluster: unknown command 'nonexistent'", "pause")),
                Arguments.of(List.of("stauts", "--api", "http://127.0.0.1:1"),
                        List.of("pgpacer: unknown command 'stauts'; did you mean 'pgpacer status'?")),
                Arguments.of(List.of("resource", "lst", "--help"),
                        List.of("unknown command 'lst'; did you mean 'pgpacer resource list'?")),
                Arguments.of(List.of("cluster", "pase", "--version"),
                        List.of("unknown command 'pase'; did you mean 'pgpacer cluster pause'?")),
                Arguments.of(List.of("status", "extra"),
                        List.of("pgpacer status: unexpected argument 'extra'", "see 'pgpacer status --help'")),
                Arguments.of(List.of("status", "--fulll"),
                        List.of("pgpacer status: ", "'--fulll'", "did you mean '--full'?")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badArguments")
    void aBadArgumentIsOneLineWithExitCode2(List<String> args, List<String> expected) {
        Run run = run(args.toArray(String[]::new));
        assertOneLine(run, Main.BAD_INPUT, expected.toArray(String[]::new));
        assertFalse(run.both().contains("secret"), "a password was printed:\n" + run.both());
    }

    @ParameterizedTest(name = "pgpacer {0}")
    @MethodSource("groups")
    void aGroupOfCommandsWithoutOnePrintsItsUsageToStderrWithExitCode2(String group) {
        Run run = run(group.isEmpty() ? new String[0] : group.split(" "));
        String name = ("pgpacer " + group).strip();
        assertEquals(Main.BAD_INPUT, run.exitCode(), run.both());
        assertNoStackTrace(run);
        assertEquals("", run.stdout());
        assertTrue(run.stderr().startsWith(name + ": which command? one of "), run.stderr());
        assertTrue(run.stderr().contains("Usage: " + name + " "), run.stderr());
    }

    static Stream<String> groups() {
        return Stream.of("", "cluster", "resource", "node", "property", "cib", "constraint");
    }

    @Test
    void aGroupStillAnswersHelpWithExitCode0() {
        Run run = run("cluster", "--help");
        assertEquals(0, run.exitCode());
        assertTrue(run.stdout().contains("Usage: pgpacer cluster"), run.stdout());
    }

    @Test
    void anAgentThatDoesNotAnswerIsARuntimeFailureWithTheOsReason() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Run run = run("status", "--api", "http://127.0.0.1:" + closedPort);
        assertOneLine(run, Main.FAILED, "pgpacer status: no agent answered: http://127.0.0.1:" + closedPort
                + ": connection refused");
    }

    @Test
    void aWebServerThatIsNotAnAgentIsNamedInsteadOfPrintingItsPage() throws IOException {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] page = "<!DOCTYPE html>\n<html>\n<body>not here</body>\n</html>\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(404, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            Run run = run("status", "--api", url);
            assertOneLine(run, Main.BAD_INPUT, "pgpacer status: " + url + " answered HTTP 404 to GET /status but not"
                    + " as a pgpacer agent does (no JSON); check that it is an agent's api-port");
        } finally {
            server.stop(0);
        }
    }

    // ---- the agent: every refusal comes before anything is created ----

    private Path agentConfig(String address, int raftPort, int apiPort, Path stateDir, String extra)
            throws IOException {
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, "cluster: c\nnode: n1\nnodes: [{name: n1, address: " + address + ", raft-port: "
                + raftPort + ", api-port: " + apiPort + (extra.isEmpty() ? ", role: witness" : "")
                + "}, {name: n2, address: 127.0.0.2}]\nstate-dir: " + stateDir + "\n" + extra);
        return config;
    }

    @Test
    void aRaftPortInUseIsNamedWithTheOsReasonAndCreatesNothing() throws IOException {
        Path state = dir.resolve("state");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            Path config = agentConfig("127.0.0.1", taken.getLocalPort(), FreePorts.next(), state, "");
            Run run = run("agent", "--config", config.toString());
            assertOneLine(run, Main.FAILED, "pgpacer agent: " + config + ": key 'nodes[0].raft-port': cannot listen"
                    + " on 127.0.0.1:" + taken.getLocalPort() + " for the store (Raft): address already in use",
                    "choose another raft-port");
        }
        assertFalse(Files.exists(state), "a refused start creates no state directory");
    }

    @Test
    void anApiPortInUseIsNamedAndAnExistingStateDirectoryIsLeftAsItWas() throws IOException {
        Path state = Files.createDirectory(dir.resolve("state"));
        Files.writeString(state.resolve("kept"), "x");
        String modeBefore = java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(state));
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            Path config = agentConfig("127.0.0.1", FreePorts.next(), taken.getLocalPort(), state, "");
            Run run = run("agent", "--config", config.toString());
            assertOneLine(run, Main.FAILED, "key 'nodes[0].api-port': cannot listen on 127.0.0.1:"
                    + taken.getLocalPort() + " for the API: address already in use", "choose another api-port");
        }
        try (Stream<Path> entries = Files.list(state)) {
            assertEquals(List.of(state.resolve("kept")), entries.toList());
        }
        assertEquals(modeBefore,
                java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
    }

    @Test
    void anAddressThisHostDoesNotHaveIsNamedWithTheAddressesItHas() throws IOException {
        Path state = dir.resolve("state");
        // 198.18.0.0/15 is for benchmarks and never routed: no host running the tests owns 198.18.255.254.
        Path config = agentConfig("198.18.255.254", FreePorts.next(), FreePorts.next(), state, "");
        Run run = run("agent", "--config", config.toString());
        assertOneLine(run, Main.BAD_INPUT, "pgpacer agent: " + config + ": key 'nodes[0].address': cannot listen on"
                + " 198.18.255.254:", "for the store (Raft): cannot assign requested address (198.18.255.254 is not"
                + " an address of this host, which has ", "127.0.0.1",
                "or correct nodes[0].address");
        assertFalse(Files.exists(state));
    }

    @Test
    void aStateDirectoryUnderAFileIsNamedAndCreatesNothing() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Path config = agentConfig("127.0.0.1", FreePorts.next(), FreePorts.next(), file.resolve("state"), "");
        Run run = run("agent", "--config", config.toString());
        assertOneLine(run, Main.BAD_INPUT, "pgpacer agent: " + config + ": key 'state-dir': cannot create "
                + file.resolve("state") + ": " + file + " is a file", "set state-dir to a directory");
        assertEquals("x", Files.readString(file));
    }

    @Test
    void aStateDirectoryInProcIsNamedWithTheOsReason() throws IOException {
        Path config = agentConfig("127.0.0.1", FreePorts.next(), FreePorts.next(), Path.of("/proc/pgpacer-state"), "");
        Run run = run("agent", "--config", config.toString());
        assertOneLine(run, Main.BAD_INPUT, "key 'state-dir': cannot create /proc/pgpacer-state: no such file or"
                + " directory (/proc is on the kernel's 'proc' file system, not on a disk)",
                "set state-dir to a directory");
        assertFalse(Files.exists(Path.of("/proc/pgpacer-state")));
    }

    @Test
    void anUnknownOsUserForPostgresqlIsOneLineNamingTheKey() throws IOException {
        // why root: only a root agent switches to postgresql.os-user; CI runs as root, so this never skips there.
        assertEquals("root", System.getProperty("user.name"), "this test needs root: only root switches users");
        Path state = dir.resolve("state");
        Path data = dir.resolve("data");
        Path config = agentConfig("127.0.0.1", FreePorts.next(), FreePorts.next(), state,
                "postgresql: {data-dir: " + data + ", os-user: pgpacer-no-such-user}\n");
        Run run = run("agent", "--config", config.toString());
        assertOneLine(run, Main.BAD_INPUT, "pgpacer agent: " + config + ": key 'postgresql.os-user': looking up OS"
                + " user 'pgpacer-no-such-user'", "useradd --system pgpacer-no-such-user", "no such user");
        assertFalse(Files.exists(state));
        assertFalse(Files.exists(data));
    }

    /** Stands for a bug: an exception no command expects. */
    @picocli.CommandLine.Command(name = "bug")
    static final class Bug implements Runnable {
        @Override
        public void run() {
            throw new IllegalStateException("an invariant broke");
        }
    }

    @Test
    void aBugIsOneLineAndItsStackTraceIsPrintedOnlyWithDebug() {
        StringWriter err = new StringWriter();
        int code = Main.commandLine().addSubcommand(new Bug()).setErr(new PrintWriter(err, true)).execute("bug");
        assertEquals(Main.FAILED, code);
        assertEquals("pgpacer bug: unexpected error, a bug in pgpacer: java.lang.IllegalStateException: an invariant"
                + " broke (add --debug to print its stack trace)", err.toString().strip());
        StringWriter debugErr = new StringWriter();
        int debugCode = Main.commandLine().addSubcommand(new Bug()).setErr(new PrintWriter(debugErr, true))
                .execute("--debug", "bug");
        assertEquals(Main.FAILED, debugCode);
        assertTrue(debugErr.toString().contains("\tat io.pgpacer.cli.CommandLineFailureTest$Bug.run"), debugErr.toString());
    }

    @Test
    void everyCommandAcceptsDebug() {
        Run run = run("status", "--debug", "--api", "http://127.0.0.1:1");
        assertOneLine(run, Main.FAILED, "pgpacer status: no agent answered: http://127.0.0.1:1: connection refused");
        Run help = run("cluster", "pause", "--help");
        assertTrue(help.stdout().contains("--debug"), help.stdout());
    }

    // ---- helpers of the rule, on their own ----

    @Test
    void everyLineOfAMessageIsJoinedIntoOne() {
        assertEquals("failed: id: no such user; second", Main.oneLine("failed:\n  id: no such user\r\nsecond\n"));
    }

    @Test
    void closeCommandsAreFoundByEditsAndSwaps() {
        assertEquals(1, Main.editDistance("stauts", "status"));
        assertEquals(1, Main.editDistance("clustr", "cluster"));
        assertTrue(Main.editDistance("nonexistent", "constraint") > 3);
    }
}
