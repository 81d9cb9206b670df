package io.pgpacer.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.testkit.Eventually;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@link ProgramRunner#runStreaming}: lines as they come, and a cancel that kills the program and its child by pid. */
class ProgramRunnerStreamingTest {
    private static final Duration WITHIN = Duration.ofSeconds(20);

    @Test
    void handsOverEveryLineInOrderBeforeItReturns() {
        List<String> lines = new CopyOnWriteArrayList<>();
        ProgramRunner.Result result = ProgramRunner.runStreaming("printing", List.of("sh", "-c",
                "for i in 1 2 3; do echo \"line $i\"; done; echo 'on stderr' >&2; exit 4"), "printing", Map.of(),
                WITHIN, lines::add);
        assertEquals(List.of("line 1", "line 2", "line 3", "on stderr"), lines);
        assertEquals(4, result.exitCode());
        assertEquals("line 1\nline 2\nline 3\non stderr", result.outputTail());
    }

    @Test
    void keepsOnlyTheLastPartOfALongOutput() {
        List<String> lines = new CopyOnWriteArrayList<>();
        ProgramRunner.Result result = ProgramRunner.runStreaming("printing", List.of("sh", "-c",
                "i=0; while [ $i -lt 5000 ]; do echo \"progress line $i\"; i=$((i+1)); done; echo 'the error'"),
                "printing", Map.of(), WITHIN, lines::add);
        assertEquals(5001, lines.size());
        assertTrue(result.output().length() <= 8_000, "kept " + result.output().length() + " characters");
        assertTrue(result.output().endsWith("progress line 4999\nthe error\n"), result.output());
    }

    @Test
    void aListenerThatThrowsLosesItsLineOnly() {
        List<String> lines = new CopyOnWriteArrayList<>();
        ProgramRunner.runStreaming("printing", List.of("sh", "-c", "echo one; echo two; echo three"), "printing",
                Map.of(), WITHIN, line -> {
                    if (line.equals("two")) {
                        throw new IllegalStateException("listener fault");
                    }
                    lines.add(line);
                });
        assertEquals(List.of("one", "three"), lines);
    }

    @Test
    void anInterruptKillsTheProgramAndItsChildByPidAndWaitsForThem() throws Exception {
        AtomicReference<Long> shell = new AtomicReference<>();
        AtomicReference<Long> child = new AtomicReference<>();
        CompletableFuture<RuntimeException> ended = new CompletableFuture<>();
        Thread runner = new Thread(() -> {
            try {
                ProgramRunner.runStreaming("sleeping", List.of("sh", "-c",
                        "echo \"shell $$\"; sleep 300 & echo \"child $!\"; wait"), "sleeping", Map.of(),
                        Duration.ofMinutes(5), line -> {
                            if (line.startsWith("shell ")) {
                                shell.set(Long.parseLong(line.substring(6)));
                            } else if (line.startsWith("child ")) {
                                child.set(Long.parseLong(line.substring(6)));
                            }
                        });
                ended.complete(null);
            } catch (RuntimeException e) {
                ended.complete(e);
            }
        });
        runner.start();
        Eventually.await("the shell and its sleeping child reported their pids", WITHIN,
                () -> shell.get() != null && child.get() != null);
        assertTrue(alive(shell.get()) && alive(child.get()));

        runner.interrupt();
        RuntimeException thrown = ended.get();

        assertTrue(thrown instanceof ProgramException, String.valueOf(thrown));
        assertEquals("sleeping was cancelled: sleeping was killed", thrown.getMessage());
        assertFalse(alive(shell.get()), "the shell " + shell.get() + " is gone once the run returned");
        Eventually.await("the child " + child.get() + " is gone", WITHIN, () -> !alive(child.get()));
        runner.join(WITHIN.toMillis());
    }

    @Test
    void aProgramThatCannotStartIsNamed() {
        ProgramException e = assertThrows(ProgramException.class, () -> ProgramRunner.runStreaming("copying",
                List.of("/nonexistent/pg_basebackup"), "pg_basebackup", Map.of(), WITHIN, line -> { }));
        assertTrue(e.getMessage().startsWith("copying failed: could not run pg_basebackup: "), e.getMessage());
    }

    // A killed child of a shell that is gone too is reaped by init; until then it is a zombie, not alive.
    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent()
                && ProgramRunner.processGroupOf(pid) != 0 && !zombie(pid);
    }

    private static boolean zombie(long pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
