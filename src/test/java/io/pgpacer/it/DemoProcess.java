package io.pgpacer.it;

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
import java.util.concurrent.TimeUnit;

/**
 * {@code pgpacer demo} as a child process in a process group (and session) of its own, as a terminal's foreground
 * job is: started through a launcher script like bin/pgpacer, its output in a file, stopped by its group's id.
 */
final class DemoProcess implements AutoCloseable {

    private static final String HEALTHY_LINE = "press Ctrl-C to stop it";

    private final Process process;
    private final Path output;
    private final Duration healthy;

    private DemoProcess(Process process, Path output, Duration healthy) {
        this.process = process;
        this.output = output;
        this.healthy = healthy;
    }

    static DemoProcess start(Path launcher, Path dir, String name, Duration healthy) throws IOException {
        Path output = dir.resolve("demo-" + name + ".out");
        // why perl: the test's JVM inherits SIGINT ignored (a background job's), and an ignored SIGINT stays
        // ignored across exec, so the demo would never see Ctrl-C; a terminal's foreground job has it at default.
        // setsid makes the demo lead a new session and process group, whose id is its PID.
        Process process = new ProcessBuilder("setsid", "perl", "-e",
                "$SIG{INT} = 'DEFAULT'; exec @ARGV or die \"exec: $!\\n\"",
                launcher.toString(), "demo", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        DemoProcess demo = new DemoProcess(process, output, healthy);
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
        Eventually.await("the demo to say the cluster is healthy (or why not)", healthy, this::output,
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

    int awaitExit(Duration within) throws InterruptedException {
        assertTrue(process.waitFor(within.toSeconds(), TimeUnit.SECONDS),
                "the demo did not end within " + within.toSeconds() + " s: " + output());
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

    /** A script that runs this build's pgpacer, as bin/pgpacer runs the jar, and names itself as bin/pgpacer does. */
    static Path launcher(Path dir) throws IOException {
        Path script = dir.resolve("pgpacer");
        List<String> java = new ArrayList<>();
        java.add(ProcessHandle.current().info().command().orElse("java"));
        java.addAll(LoopbackCluster.AGENT_JVM_OPTIONS);
        java.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        Files.writeString(script, "#!/bin/sh\nPGPACER_COMMAND=" + quote(script.toString()) + "\nexport PGPACER_COMMAND\n"
                + "exec " + String.join(" ", java.stream().map(DemoProcess::quote).toList()) + " \"$@\"\n",
                StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
