package io.pgpacer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.os.ProgramException;
import io.pgpacer.os.ProgramRunner;
import io.pgpacer.postgres.CopyProgress;
import io.pgpacer.testkit.Eventually;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The long step's states (running, with progress; succeeded; failed; cancelled) on real short-lived processes: a
 * shell that prints progress lines as pg_basebackup does and then sleeps, whose death the test checks by its pid.
 */
class LongStepTest {
    private static final Duration WITHIN = Duration.ofSeconds(20);

    private final AtomicLong programPid = new AtomicLong();

    // The shell prints its pid, then progress lines "DONE/TOTAL kB (P%)", then does the rest of {@code script}.
    private LongStep.Work shell(String script) {
        return progress -> {
            ProgramRunner.Result result = ProgramRunner.runStreaming("test step", List.of("sh", "-c",
                    "echo \"pid $$\"; " + script), "test step", Map.of(), Duration.ofMinutes(5),
                    line -> read(line, progress));
            if (!result.succeeded()) {
                throw new IllegalStateException("test step exited with status " + result.exitCode() + ": "
                        + result.outputTail());
            }
        };
    }

    private void read(String line, Consumer<CopyProgress> progress) {
        if (line.startsWith("pid ")) {
            programPid.set(Long.parseLong(line.substring(4)));
            return;
        }
        String[] parts = line.split("[/ ]");
        if (parts.length >= 3 && parts[2].equals("kB")) {
            long done = Long.parseLong(parts[0]);
            long total = Long.parseLong(parts[1]);
            progress.accept(new CopyProgress(done, total, (int) (100 * done / total)));
        }
    }

    @Test
    void reportsProgressWhileRunningThenSucceeds() throws IOException {
        Path go = Files.createTempFile("long-step", ".go");
        Files.delete(go);
        // why a file to wait for: the test sees the step running before it lets it end, without a sleep.
        LongStep step = LongStep.start(LongStep.Kind.CLONE, "node1", shell("echo '1258291/3565158 kB (35%)';"
                + " while [ ! -e " + go + " ]; do sleep 0.05; done; echo '3565158/3565158 kB (100%)'"));

        assertEquals("cloning from node1 with pg_basebackup", step.summary());
        Eventually.await("the step reports its progress", WITHIN, step::activity,
                a -> a.equals("cloning from node1: 1.2 GB of 3.4 GB (35 %)"));
        assertEquals(new LongStep.Running(new CopyProgress(1258291, 3565158, 35)), step.state());

        Files.createFile(go);
        Eventually.await("the step ends", WITHIN, step::state, s -> !(s instanceof LongStep.Running));
        assertEquals(new LongStep.Succeeded(), step.state());
        assertEquals("clone from node1 ended, but is not followed up: this node's upstream is now node3",
                step.notFollowedUp("this node's upstream is now node3"));
        Files.delete(go);
    }

    @Test
    void saysItIsStartingUntilTheFirstProgressLine() {
        LongStep step = LongStep.start(LongStep.Kind.REWIND, "node3", shell("sleep 300"));
        try {
            Eventually.await("the program runs", WITHIN, () -> programPid.get() != 0);
            assertEquals("rewinding onto node3 with pg_rewind: starting", step.activity());
        } finally {
            step.cancel("the test ends");
        }
    }

    @Test
    void aFailureKeepsTheProgramsError() {
        LongStep step = LongStep.start(LongStep.Kind.CLONE, "node1", shell("echo '10/100 kB (10%)';"
                + " echo 'pg_basebackup: error: could not connect to server' >&2; exit 1"));

        LongStep.State end = Eventually.await("the step ends", WITHIN, step::state,
                s -> !(s instanceof LongStep.Running));

        LongStep.Failed failed = assertInstanceOf(LongStep.Failed.class, end);
        assertTrue(failed.error().getMessage().startsWith("test step exited with status 1: pid "),
                failed.error().getMessage());
        assertTrue(failed.error().getMessage().endsWith("pg_basebackup: error: could not connect to server"),
                failed.error().getMessage());
        assertEquals(end, step.cancel("too late"), "a step that ended keeps its end");
    }

    @Test
    void aCancelKillsTheProgramByPidAndWaitsForIt() {
        LongStep step = LongStep.start(LongStep.Kind.CLONE, "node1", shell("echo '10/100 kB (10%)'; exec sleep 300"));
        Eventually.await("the step reports its progress", WITHIN, step::state,
                s -> s instanceof LongStep.Running r && r.progress() != null);
        long pid = programPid.get();
        assertTrue(ProcessHandle.of(pid).isPresent(), "the program " + pid + " runs");

        LongStep.State end = step.cancel("the node was put into maintenance");

        assertEquals(new LongStep.Cancelled("the node was put into maintenance"), end);
        assertFalse(ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent(),
                "the program " + pid + " is gone when cancel returns");
        assertEquals("clone from node1 cancelled: the node was put into maintenance",
                step.cancelled("the node was put into maintenance"));
        assertEquals(end, step.cancel("again"), "a second cancel changes nothing");
    }

    @Test
    void aCancelKeepsAnEndTheStepReachedFirst() {
        LongStep step = LongStep.start(LongStep.Kind.CLONE, "node1", shell("echo '100/100 kB (100%)'"));
        Eventually.await("the step ends", WITHIN, step::state, s -> !(s instanceof LongStep.Running));

        assertEquals(new LongStep.Succeeded(), step.cancel("the agent is stopping"));
    }

    @Test
    void aCancelOfAStepInterruptedOutsideItsProgramIsACancelToo() {
        LongStep step = LongStep.start(LongStep.Kind.CLONE, "node1", progress -> {
            try {
                new java.util.concurrent.CountDownLatch(1).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProgramException("cancelled before the program ran", e);
            }
        });

        assertEquals(new LongStep.Cancelled("the agent is stopping"), step.cancel("the agent is stopping"));
    }
}
