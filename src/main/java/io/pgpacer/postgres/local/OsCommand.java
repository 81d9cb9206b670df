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
import java.util.function.Consumer;

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
            return ProgramRunner.run(what, withCredentials(program), describe(program), environment, timeout);
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
        return outputOf(what, run(what, program, environment, timeout));
    }

    private static String outputOf(String what, ProgramRunner.Result result) {
        if (!result.succeeded()) {
            throw new PostgresException(what + " failed: " + result.commandLine() + " exited with status "
                    + result.exitCode() + ":\n" + result.outputTail());
        }
        return result.output();
    }

    /**
     * As {@link #check}, handing every output line to {@code lines} as the program prints it (on another thread, in
     * order); the message of a failure holds the output's last part.
     */
    String checkStreaming(String what, List<String> program, Map<String, String> environment, Duration timeout,
            Consumer<String> lines) {
        return outputOf(what, runStreaming(what, program, environment, timeout, lines));
    }

    /**
     * As {@link #run}, handing every output line to {@code lines} as the program prints it (on another thread, in
     * order, all of them before it returns); the result keeps the output's last part only.
     */
    ProgramRunner.Result runStreaming(String what, List<String> program, Map<String, String> environment,
            Duration timeout, Consumer<String> lines) {
        try {
            return ProgramRunner.runStreaming(what, withCredentials(program), describe(program), environment,
                    timeout, lines);
        } catch (ProgramException e) {
            throw new PostgresException(e.getMessage(), e.getCause());
        }
    }

    /**
     * Starts the postmaster: a long-lived child whose output is appended to {@code logFile}, in a session of its own
     * ({@code setsid}: not a process group leader, so it keeps its pid), so that a terminal's Ctrl-C, which signals
     * the agent's whole process group, reaches the agent alone and the agent stops PostgreSQL itself. It is not tied
     * to this JVM by itself: {@link #startTether} ties it, so that a planned restart of the agent can let it run on.
     */
    Process startPostmaster(List<String> program, Map<String, String> environment, Path logFile) {
        try {
            return ProgramRunner.builder(inOwnSession(withCredentials(program)), environment)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new PostgresException("could not start " + describe(program) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts the tether of postmaster {@code pid}: a small shell that SIGKILLs the postmaster when the calling
     * thread ends (the kernel sends it SIGTERM then: {@code setpriv --pdeathsig}), and ends by itself once the
     * postmaster is gone. So a dead agent leaves no PostgreSQL behind, as if the postmaster were its child with a
     * parent-death signal, while a planned restart ends the tether first (SIGKILL: no trap runs) and the postmaster
     * lives on. It runs as the agent's own user, never switched to PostgreSQL's: the postmaster may still be a root
     * {@code setpriv} switching its user when the tether first looks, and a switched tether's {@code kill -0} would
     * then fail (EPERM) and end it at once.
     */
    Process startTether(long pid) {
        String script = "trap 'kill -KILL \"$0\" 2>/dev/null; exit 0' TERM;"
                + " while kill -0 \"$0\" 2>/dev/null; do sleep 1 & wait $!; done";
        List<String> program = List.of("setsid", "setpriv", "--pdeathsig", "TERM", "--", "sh", "-c", script,
                Long.toString(pid));
        try {
            return ProgramRunner.builder(program, Map.of())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new PostgresException("could not start the tether of postmaster " + pid + " ("
                    + String.join(" ", program) + "): " + e.getMessage(), e);
        }
    }

    /** The command line as shown to operators: the program and its arguments, and whom it runs as. */
    String describe(List<String> program) {
        return String.join(" ", program) + (user != null && user.switchFromRoot() ? " (as " + user.name() + ")" : "");
    }

    private static List<String> inOwnSession(List<String> command) {
        List<String> inSession = new ArrayList<>(List.of("setsid"));
        inSession.addAll(command);
        return inSession;
    }

    private List<String> withCredentials(List<String> program) {
        List<String> command = new ArrayList<>();
        if (user != null && user.switchFromRoot()) {
            command.addAll(List.of("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(), "--init-groups",
                    "--"));
        }
        command.addAll(program);
        return command;
    }
}
