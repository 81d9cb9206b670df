package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.cli.LoopbackCluster;
import io.pgpacer.os.FreePorts;
import io.pgpacer.testkit.Eventually;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Given real agents started from the command line, then their state directories are private: a new one is
 * created 0700, and a looser one that already existed is tightened to 0700 and the agent logs that it did.
 */
class AgentStatePermissionsTest {

    @TempDir
    Path dir;

    private final List<Process> agents = new ArrayList<>();

    @AfterEach
    void stopAgents() throws InterruptedException {
        for (Process agent : agents) {
            agent.destroy();
            if (!agent.waitFor(20, TimeUnit.SECONDS)) {
                agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    // A witness needs no PostgreSQL: the store member and the API start, which is all this test needs.
    private Path startWitness(String name, Path stateDir) throws IOException {
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, "cluster: " + name + "\nnodes: [{name: n1, address: 127.0.0.1, raft-port: "
                + FreePorts.next() + ", api-port: " + FreePorts.next()
                + ", role: witness}, {name: n2, address: 127.0.0.2}]\n"
                + "state-dir: " + stateDir + "\n");
        Path log = dir.resolve(name + ".log");
        agents.add(new ProcessBuilder(LoopbackCluster.agentCommand(config, "n1")).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start());
        return log;
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void aNewAndALooseExistingStateDirectoryArePrivateOnceTheAgentRuns() throws IOException {
        Path fresh = dir.resolve("fresh/state");
        Path loose = Files.createDirectories(dir.resolve("loose/raft"));
        loose = dir.resolve("loose");
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(loose.resolve("raft"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path freshLog = startWitness("fresh", fresh);
        Path looseLog = startWitness("loose", loose);

        for (Path log : List.of(freshLog, looseLog)) {
            Eventually.await("the agent's store member listening, in " + log, Duration.ofSeconds(90),
                    () -> read(log), text -> text.contains("store member n1 listening"));
        }

        assertEquals("rwx------", mode(fresh));
        assertEquals("rwx------", mode(fresh.resolve("raft")));
        assertEquals("rwx------", mode(loose));
        assertEquals("rwx------", mode(loose.resolve("raft")));
        String looseText = read(looseLog);
        assertTrue(looseText.contains(loose + " had mode rwxr-xr-x; set it to rwx------"), looseText);
        assertTrue(looseText.contains(loose.resolve("raft") + " had mode rwxr-xr-x; set it to rwx------"), looseText);
        assertTrue(!read(freshLog).contains("had mode"), "a directory the agent created needs no tightening");
    }
}
