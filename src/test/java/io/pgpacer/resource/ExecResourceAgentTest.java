package io.pgpacer.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.testkit.Eventually;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The {@code exec} resource agent with real {@code /bin/sh} commands: OCF exit codes, exit reasons, timeouts. */
class ExecResourceAgentTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final Path dir = Path.of("target", "exec-agent-" + UUID.randomUUID()).toAbsolutePath();

    @AfterEach
    void removeFiles() throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static ExecResourceAgent agent(String start, String stop, String monitor) {
        return new ExecResourceAgent("r1", start, stop, monitor, null, "node2");
    }

    @Test
    void zeroIsSuccess() {
        OcfResult result = agent("echo starting; exit 0", "true", "true").start(TIMEOUT);
        assertEquals(OcfResult.success(), result);
    }

    @Test
    void sevenFromAMonitorIsNotRunning() {
        OcfResult result = agent("true", "true", "exit 7").monitor(TIMEOUT);
        assertEquals(OcfResult.NOT_RUNNING, result.rc());
    }

    @Test
    void aFailureCarriesTheLastLinesOfItsOutputAsExitReason() {
        OcfResult result = agent("echo step one; echo 'config file missing' >&2; echo '/etc/x.ini: no such file' >&2;"
                + " exit 1", "true", "true").start(TIMEOUT);
        assertEquals(1, result.rc());
        assertEquals("config file missing | /etc/x.ini: no such file", result.exitReason());
    }

    @Test
    void aSilentFailureSaysItsStatus() {
        OcfResult result = agent("exit 5", "true", "true").start(TIMEOUT);
        assertEquals(5, result.rc());
        assertEquals("not installed (exit status 5, no output)", result.exitReason());
    }

    @Test
    void aCommandPastItsTimeoutIsKilledWithItsProcessGroup() throws IOException {
        Files.createDirectories(dir);
        Path child = dir.resolve("child.pid");
        // The command starts a background child in its process group, then hangs: both must die.
        OcfResult result = agent("sleep 300 & echo $! > " + child + "; echo waiting; sleep 300", "true", "true")
                .start(Duration.ofMillis(1500));
        assertEquals(1, result.rc());
        assertTrue(result.exitReason().startsWith("timed out after 1.5s and was killed"), result.exitReason());
        long pid = Long.parseLong(Files.readString(child).trim());
        Eventually.await("the background child " + pid + " killed", Duration.ofSeconds(5),
                () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
    }

    @Test
    void aDaemonStartedByASuccessfulStartKeepsRunning() throws IOException {
        Files.createDirectories(dir);
        Path pidFile = dir.resolve("daemon.pid");
        ExecResourceAgent daemon = agent("nohup sleep 300 >/dev/null 2>&1 & echo $! > " + pidFile,
                "kill $(cat " + pidFile + ") 2>/dev/null; rm -f " + pidFile,
                "[ -f " + pidFile + " ] && kill -0 $(cat " + pidFile + ") 2>/dev/null || exit 7");
        assertEquals(OcfResult.NOT_RUNNING, daemon.monitor(TIMEOUT).rc());
        assertEquals(OcfResult.success(), daemon.start(TIMEOUT));
        assertEquals(OcfResult.success(), daemon.monitor(TIMEOUT));
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the daemon outlives its start");
        assertEquals(OcfResult.success(), daemon.stop(TIMEOUT));
        assertEquals(OcfResult.NOT_RUNNING, daemon.monitor(TIMEOUT).rc());
        Eventually.await("the daemon " + pid + " stopped", Duration.ofSeconds(5),
                () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
    }

    @Test
    void aMissingCommandIsNotConfigured() {
        OcfResult result = agent("true", "true", " ").monitor(TIMEOUT);
        assertEquals(OcfResult.ERR_CONFIGURED, result.rc());
        assertTrue(result.exitReason().contains("no monitor command"), result.exitReason());
    }

    @Test
    void theCommandNeverAppearsInTheExitReason() {
        OcfResult result = agent("psql 'password=s3cret' 2>/dev/null; exit 1", "true", "true").start(TIMEOUT);
        assertEquals(1, result.rc());
        assertFalse(result.exitReason().contains("s3cret"), result.exitReason());
    }

    @Test
    void exitReasonsKeepTheirEnd() {
        String longLine = "x".repeat(500) + "END";
        String reason = ExecResourceAgent.lastLines(longLine);
        assertTrue(reason.endsWith("END") && reason.length() == ExecResourceAgent.MAX_REASON_CHARS + 3, reason);
        assertEquals("b | c", ExecResourceAgent.lastLines("a\nb\n\n  c  \n"));
        assertEquals("", ExecResourceAgent.lastLines("\n \n"));
    }

    @Test
    void theCommandSeesWhichResourceAndOperationItRunsFor() throws IOException {
        Files.createDirectories(dir);
        Path seen = dir.resolve("env");
        assertEquals(OcfResult.success(), agent("echo $OCF_RESOURCE_INSTANCE $PGPACER_OPERATION $PGPACER_NODE > " + seen, "true",
                "true").start(TIMEOUT));
        assertEquals("r1 start node2", Files.readString(seen).trim());
    }

    @Test
    void theUserParameterRunsTheCommandsAsThatUser() {
        // why not an assumption: a test skipped in CI hides failures; CI runs as root, as the README says
        assertEquals("root", System.getProperty("user.name"), "runuser needs root: run the tests as root");
        ExecResourceAgent asNobody = new ExecResourceAgent("r1", "test \"$(id -un)\" = nobody || { id -un; exit 1; }",
                "true", "true", "nobody", "node2");
        assertEquals(OcfResult.success(), asNobody.start(TIMEOUT));
    }
}
