package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.cli.LoopbackCluster;
import io.pgpacer.cli.Main;
import io.pgpacer.testkit.Eventually;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The demo as a user runs it in a terminal, where Ctrl-C sends SIGINT to the whole foreground process group: the demo
 * says it stops and that it stopped, nothing of it keeps running, and the next demo on the same directory becomes
 * healthy. On the way, the lines the demo prints to point the CLI at the cluster are run in a shell as printed.
 */
class DemoCtrlCTest {

    /** The demo itself gives up after 180 s; the test waits a little longer to read its reason. */
    private static final Duration HEALTHY = Duration.ofSeconds(240);
    private static final Duration STOPS = Duration.ofSeconds(120);
    private static final String HEALTHY_LINE = "press Ctrl-C to stop it";

    @Test
    void aSigintToTheWholeProcessGroupLeavesEveryNodeRestartableAndTheNextDemoIsHealthy() throws Exception {
        Path dir = Path.of("target", "it", "demo-ctrl-c-" + UUID.randomUUID().toString().substring(0, 8))
                .toAbsolutePath();
        Files.createDirectories(dir);
        Path launcher = launcher(dir);

        String firstRun;
        try (Demo first = Demo.start(launcher, dir, "first")) {
            first.awaitHealthy();
            String export = first.lineStartingWith("export PGPACER_CONFIG=");
            String status = first.lineAfter(export);
            assertEquals("export PGPACER_CONFIG=" + dir.resolve("cluster.yaml"), export);
            assertEquals(launcher + " status --full", status);
            Shell shell = Shell.run(export + "\n" + status + "\n", dir.resolve("printed-lines.out"));
            assertEquals(0, shell.exitCode(), "the printed lines, run in a shell from /: " + shell.output());
            assertTrue(shell.output().contains("Masters: [ node"), shell.output());

            first.interruptProcessGroup();
            int exit = first.awaitExit();
            firstRun = first.output();
            System.out.println("first demo after SIGINT to its process group (exit " + exit + "):\n" + firstRun);
            assertEquals(130, exit, "a demo ended by SIGINT exits as one: " + firstRun);
            assertTrue(firstRun.contains("pgpacer demo: stopping node1, node2, node3 ..."), firstRun);
            assertTrue(firstRun.contains("pgpacer demo: stopped; the data stays in " + dir
                    + "; start it again with: " + launcher + " demo --dir " + dir), firstRun);
            assertFalse(firstRun.contains("Exception"), "no stack trace: " + firstRun);
        }
        Eventually.await("no process of the demo's directory (agent or PostgreSQL) left after the stop",
                Duration.ofSeconds(30), () -> processesOf(dir), List::isEmpty);

        try (Demo second = Demo.start(launcher, dir, "second")) {
            second.awaitHealthy();
            second.interruptProcessGroup();
            assertEquals(130, second.awaitExit(), second.output());
            System.out.println("second demo:\n" + second.output());
            // Checked last, after the restart proved healthy: the first stop was clean, so the second start had no
            // fail-count to clear. A PostgreSQL that got the terminal's SIGINT itself would have left one.
            assertFalse(second.output().contains("cleared the fail-counts"),
                    "a clean stop left fail-counts (did PostgreSQL get the terminal's SIGINT?): " + second.output());
        }
        Eventually.await("no process of the demo's directory left after the second stop", Duration.ofSeconds(30),
                () -> processesOf(dir), List::isEmpty);

        // Two normal runs and two normal stops: none of the noise Ratis used to log, no warning about the API token.
        String logs = String.join("\n", List.of(read(dir.resolve("node1.log")), read(dir.resolve("node2.log")),
                read(dir.resolve("node3.log"))));
        System.out.println("warnings and errors in the agents' logs, by logger: " + warningsByLogger(logs));
        for (String noise : List.of("INCONSISTENCY", "AlreadyClosedException", "no api.token-file")) {
            assertFalse(logs.contains(noise), "the agents' logs hold '" + noise + "': " + logs);
        }
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    // What is left for a reader to see: under a loaded machine, JVM pauses and Raft elections are real events.
    private static Map<String, Long> warningsByLogger(String logs) {
        return logs.lines().map(l -> l.split(" "))
                .filter(f -> f.length > 3 && (f[2].equals("WARN") || f[2].equals("ERROR")))
                .collect(java.util.stream.Collectors.groupingBy(f -> f[2] + " " + f[3], java.util.TreeMap::new,
                        java.util.stream.Collectors.counting()));
    }

    /** A script that runs this build's pgpacer, as bin/pgpacer runs the jar, and names itself as bin/pgpacer does. */
    private static Path launcher(Path dir) throws IOException {
        Path script = dir.resolve("pgpacer");
        List<String> java = new ArrayList<>();
        java.add(ProcessHandle.current().info().command().orElse("java"));
        java.addAll(LoopbackCluster.AGENT_JVM_OPTIONS);
        java.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        Files.writeString(script, "#!/bin/sh\nPGPACER_COMMAND=" + quote(script.toString()) + "\nexport PGPACER_COMMAND\n"
                + "exec " + String.join(" ", java.stream().map(DemoCtrlCTest::quote).toList()) + " \"$@\"\n",
                StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    // Every process whose command line names the directory: the agents (their --config) and PostgreSQL (its -D).
    private static List<String> processesOf(Path dir) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains(dir.toString())).orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .toList();
    }

    /** A demo started in a process group (and session) of its own, as a terminal's foreground job is. */
    private static final class Demo implements AutoCloseable {
        private final Process process;
        private final Path output;

        private Demo(Process process, Path output) {
            this.process = process;
            this.output = output;
        }

        static Demo start(Path launcher, Path dir, String name) throws IOException {
            Path output = dir.resolve("demo-" + name + ".out");
            // why perl: the test's JVM inherits SIGINT ignored (a background job's), and an ignored SIGINT stays
            // ignored across exec, so the demo would never see Ctrl-C; a terminal's foreground job has it at default.
            // setsid makes the demo lead a new session and process group, whose id is its PID.
            Process process = new ProcessBuilder("setsid", "perl", "-e",
                    "$SIG{INT} = 'DEFAULT'; exec @ARGV or die \"exec: $!\\n\"",
                    launcher.toString(), "demo", "--dir", dir.toString())
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            Demo demo = new Demo(process, output);
            try {
                Eventually.await("the demo to lead its own process group", Duration.ofSeconds(10),
                        () -> processGroup(process.pid()), group -> group == process.pid());
            } catch (AssertionError e) {
                demo.close();
                throw e;
            }
            return demo;
        }

        void awaitHealthy() {
            Eventually.await("the demo to say the cluster is healthy (or why not)", HEALTHY, this::output,
                    out -> out.contains(HEALTHY_LINE) || !process.isAlive());
            assertTrue(output().contains(HEALTHY_LINE), "the demo ended before it was healthy: " + output());
        }

        String output() {
            try {
                return Files.readString(output, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }

        String lineStartingWith(String prefix) {
            return output().lines().map(String::strip).filter(l -> l.startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError("no line starting with '" + prefix + "': " + output()));
        }

        String lineAfter(String line) {
            List<String> lines = output().lines().map(String::strip).toList();
            return lines.get(lines.indexOf(line) + 1);
        }

        /** Ctrl-C: SIGINT to every process of the group this test created, by its id. */
        void interruptProcessGroup() throws IOException, InterruptedException {
            signalGroup("INT");
        }

        int awaitExit() throws InterruptedException {
            assertTrue(process.waitFor(STOPS.toSeconds(), TimeUnit.SECONDS),
                    "the demo did not end within " + STOPS.toSeconds() + " s of SIGINT: " + output());
            return process.exitValue();
        }

        private void signalGroup(String signal) throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + process.pid()).inheritIO().start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0,
                    "kill -" + signal + " -- -" + process.pid() + " failed");
        }

        // On a failure: SIGTERM lets the demo stop its agents (which stop PostgreSQL); SIGKILL to the group if not.
        @Override
        public void close() throws IOException {
            if (!process.isAlive()) {
                return;
            }
            process.destroy();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    signalGroup("KILL");
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping the demo (pid " + process.pid() + ")", e);
            }
        }

        private static long processGroup(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                // pid (comm) state ppid pgrp ...: comm may hold spaces, so count from its closing parenthesis.
                return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
            } catch (IOException e) {
                return -1;
            }
        }
    }

    private record Shell(int exitCode, String output) {
        // Runs the lines in a clean shell from /, without the test's PGPACER_CONFIG, as a user's new terminal does.
        static Shell run(String script, Path output) throws IOException, InterruptedException {
            ProcessBuilder builder = new ProcessBuilder("bash", "-e", "-c", script).directory(Path.of("/").toFile())
                    .redirectErrorStream(true).redirectOutput(output.toFile());
            Map<String, String> environment = builder.environment();
            environment.remove("PGPACER_CONFIG");
            environment.remove("PGPACER_COMMAND");
            Process bash = builder.start();
            if (!bash.waitFor(60, TimeUnit.SECONDS)) {
                bash.destroyForcibly();
                throw new AssertionError("the printed lines did not finish within 60 s: " + Files.readString(output));
            }
            return new Shell(bash.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        }
    }
}
