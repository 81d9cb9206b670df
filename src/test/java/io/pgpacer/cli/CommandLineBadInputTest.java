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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void everyOperatorCommandNamesItsPcsEquivalent() {
        for (String command : new String[] {"status", "resource cleanup", "agent", "force-promote"}) {
            String help = Main.commandLine().getSubcommands().get(command.split(" ")[0]).getUsageMessage();
            if (command.equals("resource cleanup")) {
                help = Main.commandLine().getSubcommands().get("resource").getSubcommands().get("cleanup").getUsageMessage();
            }
            assertTrue(help.contains("pcs equivalent"), command + " --help must name its pcs equivalent:\n" + help);
        }
    }
}
