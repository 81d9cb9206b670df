package io.pgpacer.resource;

import io.pgpacer.core.resource.Primitive;
import io.pgpacer.os.ProgramException;
import io.pgpacer.os.ProgramRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code exec} resource: the operator's start, stop and monitor commands, each run by {@code /bin/sh -c} in a
 * session of its own (as the {@code user} parameter's OS user through {@code runuser} when given and not this
 * process's own user). Exit codes mean what OCF says: 0 success, 7 from a monitor cleanly stopped, anything else a
 * failure. A command that runs past the operation's timeout is killed with its whole process group. Commands see
 * {@code PGPACER_RESOURCE}, {@code PGPACER_OPERATION} and {@code PGPACER_NODE} (with OCF's names
 * {@code OCF_RESOURCE_INSTANCE} and {@code OCF_RESKEY_CRM_meta_on_node}), so that one definition can keep per-node
 * files.
 *
 * <p>The commands may hold secrets (a password in a connection string): they never appear in messages or logs,
 * only the resource id and the operation do.
 */
public final class ExecResourceAgent implements ResourceAgent {

    /** How much of a command's output an exit reason keeps: its last lines, enough for an error message. */
    static final int MAX_REASON_CHARS = 300;

    private final String id;
    private final String startCommand;
    private final String stopCommand;
    private final String monitorCommand;
    private final String user;
    private final String node;

    /**
     * @param user the OS user to run the commands as; null for this process's own user
     * @param node this node's name, for the commands' environment
     */
    public ExecResourceAgent(String id, String startCommand, String stopCommand, String monitorCommand,
            String user, String node) {
        this.id = id;
        this.node = node == null ? "" : node;
        this.startCommand = startCommand;
        this.stopCommand = stopCommand;
        this.monitorCommand = monitorCommand;
        this.user = user == null || user.isBlank() || user.equals(System.getProperty("user.name")) ? null : user;
    }

    /** The agent for an {@code exec} primitive on node {@code node}, from its parameters. */
    public static ExecResourceAgent of(Primitive primitive, String node) {
        return new ExecResourceAgent(primitive.id(), primitive.param("start").orElse(""),
                primitive.param("stop").orElse(""), primitive.param("monitor").orElse(""),
                primitive.param("user").orElse(null), node);
    }

    @Override
    public OcfResult start(Duration timeout) {
        return run("start", startCommand, timeout);
    }

    @Override
    public OcfResult stop(Duration timeout) {
        return run("stop", stopCommand, timeout);
    }

    @Override
    public OcfResult monitor(Duration timeout) {
        return run("monitor", monitorCommand, timeout);
    }

    private OcfResult run(String operation, String command, Duration timeout) {
        if (command == null || command.isBlank()) {
            return OcfResult.failed(OcfResult.ERR_CONFIGURED, "resource '" + id + "' has no " + operation
                    + " command; set its '" + operation + "' parameter");
        }
        List<String> program = new ArrayList<>();
        if (user != null) {
            program.addAll(List.of("runuser", "-u", user, "--"));
        }
        program.addAll(List.of("/bin/sh", "-c", command));
        ProgramRunner.SessionResult result;
        try {
            result = ProgramRunner.runInOwnSession(id + " " + operation, program,
                    Map.of("OCF_RESOURCE_INSTANCE", id, "PGPACER_RESOURCE", id, "PGPACER_OPERATION", operation,
                            "PGPACER_NODE", node, "OCF_RESKEY_CRM_meta_on_node", node),
                    timeout);
        } catch (ProgramException e) {
            return OcfResult.failed(OcfResult.ERR_GENERIC, e.getMessage());
        }
        if (result.timedOut()) {
            return OcfResult.failed(OcfResult.ERR_GENERIC, "timed out after " + seconds(timeout)
                    + " and was killed" + suffix(lastLines(result.output())));
        }
        if (result.exitCode() == OcfResult.SUCCESS) {
            return OcfResult.success();
        }
        String tail = lastLines(result.output());
        return OcfResult.failed(result.exitCode(), tail.isEmpty() ? OcfResult.describe(result.exitCode())
                + " (exit status " + result.exitCode() + ", no output)" : tail);
    }

    private static String suffix(String tail) {
        return tail.isEmpty() ? "" : ": " + tail;
    }

    /** "5s", or "1.5s" when the timeout is not whole seconds. */
    static String seconds(Duration timeout) {
        long millis = timeout.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis / 1000.0 + "s";
    }

    /** The last two non-blank lines of {@code output}, joined with " | ", at most {@link #MAX_REASON_CHARS}. */
    static String lastLines(String output) {
        List<String> lines = output.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        String reason = String.join(" | ", lines.subList(Math.max(0, lines.size() - 2), lines.size()));
        return reason.length() <= MAX_REASON_CHARS ? reason
                : "..." + reason.substring(reason.length() - MAX_REASON_CHARS);
    }
}
