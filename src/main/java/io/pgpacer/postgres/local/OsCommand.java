package io.pgpacer.postgres.local;

import io.pgpacer.postgres.PostgresException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs programs, as the PostgreSQL OS user when the agent is root (through {@code setpriv}), with a
 * timeout, stdin from /dev/null, a clean environment and captured output. The one place where pgpacer
 * starts processes; callers never pass a password on a command line.
 */
final class OsCommand {
    /** How much of a program's output goes into an exception message: enough for its error lines. */
    private static final int MAX_OUTPUT_IN_MESSAGE = 8_000;
    private static final File DEV_NULL = new File("/dev/null");
    private static final File ROOT_DIRECTORY = new File("/");

    private final OsUser user;

    private OsCommand(OsUser user) {
        this.user = user;
    }

    /** Runs programs as this JVM's own user (for {@code id}, {@code pg_config}, {@code postgres --version}). */
    static OsCommand asCurrentUser() {
        return new OsCommand(null);
    }

    /** Runs programs as the PostgreSQL OS user. */
    static OsCommand as(OsUser user) {
        return new OsCommand(user);
    }

    /** What a program did. {@code output} is stdout and stderr interleaved. */
    record Result(String commandLine, int exitCode, String output) {
        boolean succeeded() {
            return exitCode == 0;
        }

        /** The output's last part, which holds a program's error message. */
        String outputTail() {
            return tail(output);
        }
    }

    /**
     * Runs a program to completion and returns its result whatever the exit code.
     *
     * @throws PostgresException if it cannot be started, runs longer than {@code timeout} (it is then
     *         killed), or the calling thread is interrupted (it is killed too, so cancelling a long
     *         base backup really stops it)
     */
    Result run(String what, List<String> program, Map<String, String> environment, Duration timeout) {
        List<String> command = withCredentials(program, false);
        String commandLine = describe(program);
        Path outputFile = null;
        Process process = null;
        try {
            outputFile = Files.createTempFile("pgpacer-command", ".out");
            ProcessBuilder builder = builder(command, environment)
                    .redirectErrorStream(true)
                    .redirectOutput(outputFile.toFile());
            process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(process);
                throw new PostgresException(what + " failed: " + commandLine + " did not finish within "
                        + timeout.toSeconds() + " s and was killed. Output:\n" + tail(Files.readString(outputFile)));
            }
            return new Result(commandLine, process.exitValue(), Files.readString(outputFile));
        } catch (IOException e) {
            throw new PostgresException(what + " failed: could not run " + commandLine + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            killTree(process);
            Thread.currentThread().interrupt();
            throw new PostgresException(what + " was cancelled: " + commandLine + " was killed", e);
        } finally {
            deleteQuietly(outputFile);
        }
    }

    /**
     * Runs a program and returns its output.
     *
     * @throws PostgresException naming {@code what}, the command line and the program's output if it
     *         exits with a non-zero status (or as {@link #run})
     */
    String check(String what, List<String> program, Map<String, String> environment, Duration timeout) {
        Result result = run(what, program, environment, timeout);
        if (!result.succeeded()) {
            throw new PostgresException(what + " failed: " + result.commandLine() + " exited with status "
                    + result.exitCode() + ":\n" + result.outputTail());
        }
        return result.output();
    }

    /**
     * Starts a long-lived child whose output is appended to {@code logFile} and which the kernel kills
     * with SIGKILL when the calling thread ends ({@code setpriv --pdeathsig}, applied after the user
     * switch because a credential change clears it).
     */
    Process startChildOfThisThread(List<String> program, Map<String, String> environment, Path logFile) {
        try {
            return builder(withCredentials(program, true), environment)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new PostgresException("could not start " + describe(program) + ": " + e.getMessage(), e);
        }
    }

    /** The command line as shown to operators: the program and its arguments, and whom it runs as. */
    String describe(List<String> program) {
        return String.join(" ", program) + (user != null && user.switchFromRoot() ? " (as " + user.name() + ")" : "");
    }

    private List<String> withCredentials(List<String> program, boolean dieWithThisThread) {
        List<String> command = new ArrayList<>();
        boolean switchUser = user != null && user.switchFromRoot();
        if (switchUser || dieWithThisThread) {
            command.add("setpriv");
            if (switchUser) {
                command.add("--reuid=" + user.uid());
                command.add("--regid=" + user.gid());
                command.add("--init-groups");
            }
            if (dieWithThisThread) {
                command.add("--pdeathsig");
                command.add("KILL");
            }
            command.add("--");
        }
        command.addAll(program);
        return command;
    }

    private static ProcessBuilder builder(List<String> command, Map<String, String> environment) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(ROOT_DIRECTORY)
                .redirectInput(DEV_NULL);
        // libpq and the server read PGHOST, PGPASSWORD, PGDATA...: an agent's environment must not change
        // where a program connects or which cluster it touches.
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        builder.environment().putAll(environment);
        return builder;
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

    private static String tail(String output) {
        String trimmed = output.strip();
        return trimmed.length() <= MAX_OUTPUT_IN_MESSAGE
                ? trimmed : "..." + trimmed.substring(trimmed.length() - MAX_OUTPUT_IN_MESSAGE);
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
