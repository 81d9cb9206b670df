package io.pgpacer.postgres.local;

import io.pgpacer.os.ProgramException;
import io.pgpacer.os.ProgramRunner;
import io.pgpacer.postgres.PostgresException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs programs through {@link ProgramRunner}, as the PostgreSQL OS user when the agent is root (through
 * {@code setpriv}), and reports failures as {@link PostgresException}.
 */
final class OsCommand {
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

    /**
     * Runs a program to completion and returns its result whatever the exit code.
     *
     * @throws PostgresException if it cannot be started, runs longer than {@code timeout} (it is then
     *         killed), or the calling thread is interrupted (it is killed too, so cancelling a long
     *         base backup really stops it)
     */
    ProgramRunner.Result run(String what, List<String> program, Map<String, String> environment, Duration timeout) {
        try {
            return ProgramRunner.run(what, withCredentials(program, false), describe(program), environment, timeout);
        } catch (ProgramException e) {
            throw new PostgresException(e.getMessage(), e.getCause());
        }
    }

    /**
     * Runs a program and returns its output.
     *
     * @throws PostgresException naming {@code what}, the command line and the program's output if it
     *         exits with a non-zero status (or as {@link #run})
     */
    String check(String what, List<String> program, Map<String, String> environment, Duration timeout) {
        ProgramRunner.Result result = run(what, program, environment, timeout);
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
            return ProgramRunner.builder(withCredentials(program, true), environment)
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
}
