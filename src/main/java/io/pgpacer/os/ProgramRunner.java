package io.pgpacer.os;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
