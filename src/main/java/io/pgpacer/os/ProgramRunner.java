package io.pgpacer.os;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs OS programs with stdin from /dev/null, the root directory as working directory, no {@code PG*}
 * variables from this JVM's environment, and (for {@link #run}) a timeout and captured output. The one place
 * where pgpacer starts processes; callers never pass a password on a command line.
 */
public final class ProgramRunner {
    /** How much of a program's output goes into an exception message: enough for its error lines. */
    private static final int MAX_OUTPUT_IN_MESSAGE = 8_000;
    private static final File DEV_NULL = new File("/dev/null");
    private static final File ROOT_DIRECTORY = new File("/");

    private ProgramRunner() {
    }

    /** What a program did. {@code output} is stdout and stderr interleaved. */
    public record Result(String commandLine, int exitCode, String output) {
        public boolean succeeded() {
            return exitCode == 0;
        }

        /** The output's last part, which holds a program's error message. */
        public String outputTail() {
            return tail(output);
        }
    }

    /** As {@link #run(String, List, String, Map, Duration)}, showing the command line as it is. */
    public static Result run(String what, List<String> command, Map<String, String> environment, Duration timeout) {
        return run(what, command, String.join(" ", command), environment, timeout);
    }

    /**
     * Runs a program to completion and returns its result whatever the exit code.
     *
     * @param commandLine how messages show {@code command} (for example without a privilege-dropping prefix)
     * @throws ProgramException if it cannot be started, runs longer than {@code timeout} (it is then killed,
     *         with its descendants), or the calling thread is interrupted (it is killed too, so cancelling a
     *         long base backup really stops it; the thread's interrupt flag is set again)
     */
    public static Result run(String what, List<String> command, String commandLine, Map<String, String> environment,
                             Duration timeout) {
        Path outputFile = null;
        Process process = null;
        try {
            outputFile = Files.createTempFile("pgpacer-command", ".out");
            process = builder(command, environment)
                    .redirectErrorStream(true)
                    .redirectOutput(outputFile.toFile())
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(process);
                throw new ProgramException(what + " failed: " + commandLine + " did not finish within "
                        + timeout.toSeconds() + " s and was killed. Output:\n" + tail(Files.readString(outputFile)));
            }
            return new Result(commandLine, process.exitValue(), Files.readString(outputFile));
        } catch (IOException e) {
            throw new ProgramException(what + " failed: could not run " + commandLine + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            killTree(process);
            Thread.currentThread().interrupt();
            throw new ProgramException(what + " was cancelled: " + commandLine + " was killed", e);
        } finally {
            deleteQuietly(outputFile);
        }
    }

    /**
     * As {@link #run(String, List, String, Map, Duration)}, and hands every line the program prints (stdout and stderr
     * interleaved) to {@code lines} as it comes: on a reader thread of its own, in order, all of them before this
     * method returns. For programs that run long and print much (pg_basebackup's {@code --progress}): the result keeps
     * only the output's last part, which holds the error message. A listener that throws loses that line only.
     *
     * @throws ProgramException as {@link #run(String, List, String, Map, Duration)}: on a timeout or an interrupt of
     *         the calling thread the program and its descendants are killed by their process ids, and waited for
     */
    public static Result runStreaming(String what, List<String> command, String commandLine,
            Map<String, String> environment, Duration timeout, Consumer<String> lines) {
        OutputTail tail = new OutputTail();
        Process process = null;
        Thread reader = null;
        try {
            process = builder(command, environment).redirectErrorStream(true).start();
            Process started = process;
            reader = new Thread(() -> readLines(started, tail, lines), "pgpacer-output-" + process.pid());
            reader.setDaemon(true);
            reader.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(process);
                awaitReader(reader);
                throw new ProgramException(what + " failed: " + commandLine + " did not finish within "
                        + timeout.toSeconds() + " s and was killed. Output:\n" + tail(tail.text()));
            }
            awaitReader(reader);
            return new Result(commandLine, process.exitValue(), tail.text());
        } catch (IOException e) {
            throw new ProgramException(what + " failed: could not run " + commandLine + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            killTree(process);
            awaitReader(reader);
            Thread.currentThread().interrupt();
            throw new ProgramException(what + " was cancelled: " + commandLine + " was killed", e);
        }
    }

    /** The last {@link #MAX_OUTPUT_IN_MESSAGE} characters of a program's output, written by its reader thread. */
    private static final class OutputTail {
        private final StringBuilder kept = new StringBuilder();

        synchronized void append(String line) {
            kept.append(line).append('\n');
            if (kept.length() > 2 * MAX_OUTPUT_IN_MESSAGE) {
                kept.delete(0, kept.length() - MAX_OUTPUT_IN_MESSAGE);
            }
        }

        synchronized String text() {
            return kept.length() <= MAX_OUTPUT_IN_MESSAGE ? kept.toString()
                    : kept.substring(kept.length() - MAX_OUTPUT_IN_MESSAGE);
        }
    }

    private static void readLines(Process process, OutputTail tail, Consumer<String> lines) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                tail.append(line);
                try {
                    lines.accept(line);
                } catch (RuntimeException e) {
                    // why: a listener's fault must not stop the reading, or the program would block on a full pipe.
                }
            }
        } catch (IOException e) {
            // why no throw: the pipe breaks when the program is killed; its exit code tells what happened.
        }
    }

    // The pipe ends when the program and every descendant that inherited it are gone; a daemon it left running may
    // hold it open, so the wait is bounded and the lines it still writes are lost.
    private static void awaitReader(Thread reader) {
        if (reader == null) {
            return;
        }
        boolean interrupted = Thread.interrupted();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What a program run in its own session did: its exit code and output (stdout and stderr interleaved), or
     * that it ran past its timeout and its whole process group was killed ({@code exitCode} is then -1).
     */
    public record SessionResult(int exitCode, String output, boolean timedOut) {
    }

    /**
     * Runs {@code command} as the leader of a new session ({@code setsid}), so that everything it starts and
     * leaves in its process group can be killed together: on timeout, or when the calling thread is interrupted,
     * the group gets SIGKILL. A background process the command starts and leaves running (a daemon) survives a
     * successful run; its output goes to a file that is deleted, so daemons should log elsewhere.
     *
     * @throws ProgramException if {@code setsid} cannot be started (the message names the command's purpose, never
     *         its words, which may hold secrets)
     */
    public static SessionResult runInOwnSession(String what, List<String> command, Map<String, String> environment,
            Duration timeout) {
        List<String> inSession = new java.util.ArrayList<>(List.of("setsid", "--wait"));
        inSession.addAll(command);
        Path outputFile = null;
        Process process = null;
        try {
            outputFile = Files.createTempFile("pgpacer-resource", ".out");
            process = builder(inSession, environment)
                    .redirectErrorStream(true)
                    .redirectOutput(outputFile.toFile())
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killGroup(process);
                return new SessionResult(-1, Files.readString(outputFile), true);
            }
            return new SessionResult(process.exitValue(), Files.readString(outputFile), false);
        } catch (IOException e) {
            throw new ProgramException(what + " failed: could not run setsid (util-linux): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            killGroup(process);
            Thread.currentThread().interrupt();
            throw new ProgramException(what + " was cancelled: its process group was killed", e);
        } finally {
            deleteQuietly(outputFile);
        }
    }

    // setsid made the process (or, if it had to fork, its child) a process group leader: every group found among
    // the process and its descendants gets SIGKILL, then whatever descendant is left.
    private static void killGroup(Process process) {
        if (process == null) {
            return;
        }
        long own = processGroupOf(ProcessHandle.current().pid());
        java.util.Set<Long> groups = new java.util.TreeSet<>();
        groups.add(process.pid());
        process.descendants().forEach(d -> groups.add(processGroupOf(d.pid())));
        groups.remove(own);
        groups.remove(0L);
        for (long group : groups) {
            try {
                new ProcessBuilder("kill", "-KILL", "--", "-" + group).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
            } catch (IOException e) {
                // why no throw: the descendants are killed one by one below, which needs no kill program.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        killTree(process);
    }

    /** The process group of {@code pid} from /proc, or 0 when it is gone. */
    static long processGroupOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // why after ')': the command name in parentheses may itself hold spaces and parentheses.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[2]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * A builder for {@code command} with stdin from /dev/null, the root directory as working directory, and
     * this JVM's environment without its {@code PG*} variables, plus {@code environment}.
     */
    public static ProcessBuilder builder(List<String> command, Map<String, String> environment) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(ROOT_DIRECTORY)
                .redirectInput(DEV_NULL);
        // libpq and the server read PGHOST, PGPASSWORD, PGDATA...: an agent's environment must not change
        // where a program connects or which cluster it touches.
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        builder.environment().putAll(environment);
        return builder;
    }

    /** The last part of a program's output, which holds its error message, trimmed. */
    public static String tail(String output) {
        String trimmed = output.strip();
        return trimmed.length() <= MAX_OUTPUT_IN_MESSAGE
                ? trimmed : "..." + trimmed.substring(trimmed.length() - MAX_OUTPUT_IN_MESSAGE);
    }

    private static void killTree(Process process) {
        if (process == null) {
            return;
        }
        // pg_basebackup forks a WAL streamer; it must not outlive a cancelled backup.
        List<ProcessHandle> descendants = process.descendants().toList();
        descendants.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            for (ProcessHandle descendant : descendants) {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    descendant.onExit().get(left, TimeUnit.NANOSECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // why no throw: a descendant reparented to an init that does not reap it stays a zombie, killed all the same.
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // A leftover temporary file in /tmp is harmless; the command's result matters more.
            }
        }
    }
}
