package io.pgpacer.postgres.local;

import io.pgpacer.os.FreePorts;
import io.pgpacer.testkit.Eventually;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Safety property: if the agent dies (kill -9), the kernel kills the postmaster it started, so a dead
 * agent never leaves a writable primary behind.
 */
class PostmasterDiesWithAgentTest {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void killingTheAgentJvmKillsItsPostmaster() throws Exception {
        try (TestNodes nodes = new TestNodes()) {
            int port = FreePorts.next();
            LocalPostgresInstance preparer = nodes.instance(
                    TestNodes.settings(nodes.root(), "orphan", port, Map.of("fsync", "off")));
            preparer.initdb();

            Path agentErrors = nodes.root().resolve("agent-stderr.txt");
            String java = ProcessHandle.current().info().command().orElse("java");
            Process agent = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    StartAndWait.class.getName(), nodes.root().toString(), "orphan", Integer.toString(port))
                    .redirectError(agentErrors.toFile())
                    .start();
            long postmasterPid = 0;
            try {
                postmasterPid = readPostmasterPid(agent, agentErrors);
                assertTrue(ProcessTable.isAlive(postmasterPid), "postmaster " + postmasterPid + " before the agent dies");

                agent.destroyForcibly(); // SIGKILL: no shutdown hook, no chance to clean up
                agent.waitFor(5, TimeUnit.SECONDS);

                long pid = postmasterPid;
                Eventually.await("postmaster " + pid + " to die with its agent", Duration.ofSeconds(5),
                        () -> ProcessTable.isAlive(pid), alive -> !alive);

                // A restarted agent starts PostgreSQL again, also when nobody reaped the dead postmaster (PID 1
                // of many containers never does) and its lock files still name it: once its backends are gone.
                LocalPostgresInstance restartedAgent = nodes.instance(preparer.settings());
                restartedAgent.configure(null);
                Eventually.await("the dead postmaster's backends to leave " + preparer.settings().dataDir(),
                        Duration.ofSeconds(10), () -> ProcessTable.workingIn(preparer.settings().dataDir()),
                        List::isEmpty);
                restartedAgent.start();
                assertTrue(restartedAgent.isRunning(), "PostgreSQL restarted after its agent was killed");
            } finally {
                agent.destroyForcibly();
                if (postmasterPid != 0 && ProcessTable.isAlive(postmasterPid)) {
                    ProcessHandle.of(postmasterPid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    private static long readPostmasterPid(Process agent, Path agentErrors) throws IOException {
        BufferedReader output = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
        for (String line = output.readLine(); line != null; line = output.readLine()) {
            if (line.startsWith("postmaster-pid=")) {
                return Long.parseLong(line.substring("postmaster-pid=".length()));
            }
        }
        List<String> errors = Files.readAllLines(agentErrors);
        throw new AssertionError("the agent JVM exited without starting PostgreSQL:\n" + String.join("\n", errors));
    }
}
