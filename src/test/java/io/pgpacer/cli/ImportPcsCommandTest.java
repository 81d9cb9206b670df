package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pgpacer import-pcs} as an operator runs it: what it writes, what it prints, and what it refuses. */
class ImportPcsCommandTest {

    private static final Path SCRIPT = Path.of("src/test/resources/pcs/cluster_setup.sh").toAbsolutePath();
    private static final Path CIB = Path.of("src/test/resources/pcs/cib-async.xml").toAbsolutePath();

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            int code = Main.commandLine().execute(args);
            return new Run(code, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void theScriptsPasswordGoesToAPrivateFileAndTheConfigurationLoads() throws IOException {
        Path output = dir.resolve("pgpacer.yaml");
        Run run = run("import-pcs", SCRIPT.toString(), "--output", output.toString(), "pg-151=192.168.28.151",
                "pg-152=192.168.28.152", "pg-153=192.168.28.153");
        assertEquals(0, run.code(), run.err());
        Path secret = dir.resolve("pgpacer.replication-password");
        assertEquals("repluser\n", Files.readString(secret));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));
        assertFalse(Files.readString(output).contains("password=") || Files.readString(output)
                .contains("replication-password:"), "no password in the configuration");
        assertFalse(run.out().contains("password=repluser"), run.out());
        assertTrue(run.out().contains("Not imported:\n") && run.out().contains("  stonith-enabled=false: "), run.out());
        assertTrue(run.out().endsWith("pgpacer agent --config " + output + " --node pg-151\n"), run.out());
        AgentConfig config = ConfigLoader.load(output, "pg-152");
        assertEquals("repluser", config.postgres().replicationPassword());

        String before = Files.readString(output);
        Run again = run("import-pcs", SCRIPT.toString(), "--output", output.toString(), "pg-151=192.168.28.151",
                "pg-152=192.168.28.152", "pg-153=192.168.28.153");
        assertEquals(2, again.code());
        assertEquals("pgpacer import-pcs: " + output + " exists; pass --force to overwrite it\n", again.err());
        assertEquals(before, Files.readString(output));
        assertEquals(0, run("import-pcs", SCRIPT.toString(), "--output", output.toString(), "--force",
                "pg-151=192.168.28.151", "pg-152=192.168.28.152", "pg-153=192.168.28.153").code());
    }

    @Test
    void portsAndTheNicCanBeGivenForANewPlace() throws IOException {
        Path output = dir.resolve("lo.yaml");
        Run run = run("import-pcs", CIB.toString(), "--output", output.toString(), "--nic", "lo",
                "pm-n1=127.0.0.1,api-port=18001,raft-port=17001,pg-port=15001",
                "pm-n2=127.0.0.1,api-port=18002,raft-port=17002,pg-port=15002",
                "pm-n3=127.0.0.1,api-port=18003,raft-port=17003,pg-port=15003");
        assertEquals(0, run.code(), run.err());
        AgentConfig config = ConfigLoader.loadCluster(output);
        assertEquals(15002, config.nodes().get(1).pgPort());
        assertEquals("lo", config.vips().nic());
        assertFalse(Files.exists(dir.resolve("lo.replication-password")), "the CIB holds no password");
    }

    @Test
    void badInputGetsOneSentenceAndWritesNothing() throws IOException {
        Path broken = dir.resolve("broken.xml");
        Files.writeString(broken, "<cib><configuration>\n");
        Path output = dir.resolve("out.yaml");
        for (String[] args : new String[][] {
                {"import-pcs", broken.toString(), "--output", output.toString()},
                {"import-pcs", dir.resolve("missing.xml").toString(), "--output", output.toString()},
                {"import-pcs", CIB.toString(), "--output", output.toString(), "pm-n1=198.18.0.11"},
                {"import-pcs", CIB.toString(), "--output", output.toString(), "pm-n9=198.18.0.11"},
                {"import-pcs", CIB.toString(), "--output", output.toString(), "pm-n1=198.18.0.11,ssh-port=22"}}) {
            Run run = run(args);
            assertEquals(2, run.code(), String.join(" ", args) + ": " + run.out() + run.err());
            assertTrue(run.err().startsWith("pgpacer import-pcs: ") && run.err().lines().count() == 1,
                    "one sentence: " + run.err());
            assertFalse(Files.exists(output), String.join(" ", args) + " wrote " + output);
        }
        assertTrue(run("import-pcs", broken.toString(), "--output", output.toString()).err()
                .startsWith("pgpacer import-pcs: " + broken + " is not well-formed XML (line 2:"));
        assertTrue(run("import-pcs", CIB.toString(), "--output", output.toString(), "pm-n1=198.18.0.11").err()
                .contains("add pm-n2=ADDRESS pm-n3=ADDRESS to the command"));
    }
}
