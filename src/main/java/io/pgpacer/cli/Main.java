package io.pgpacer.cli;

import io.pgpacer.api.ApiClient;
import io.pgpacer.api.UrlRedaction;
import io.pgpacer.config.ConfigException;
import io.pgpacer.os.OsErrors;
import io.pgpacer.os.ProgramException;
import io.pgpacer.postgres.PostgresBinariesNotFoundException;
import io.pgpacer.postgres.PostgresException;
import io.pgpacer.vip.VipException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * The {@code pgpacer} command: the agent daemon, the operator's commands and the demo.
 *
 * <p>Every failure a user can meet prints one line, {@code pgpacer COMMAND: what is wrong and the fix}, and exits
 * with {@link #BAD_INPUT} or {@link #FAILED}; nothing prints a stack trace. An unexpected exception (a bug) prints
 * one line too, and its stack trace only with {@code --debug}.
 */
// why INHERIT: every subcommand answers --help, --version and --debug as well.
@Command(name = "pgpacer", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        versionProvider = BuildVersion.class,
        description = "High-availability cluster manager for PostgreSQL streaming replication.")
public final class Main {

    /** Every command of pgpacer, in the order 'pgpacer --help' lists them. */
    private static final List<Class<?>> COMMANDS = List.of(AgentCommand.class, StatusCommand.class,
            HistoryCommand.class, ResourceCommand.class, ConstraintCommand.class, ForcePromoteCommand.class,
            SwitchoverCommand.class, MaintenanceCommands.ClusterCommand.class, MaintenanceCommands.NodeCommand.class,
            PropertyCommand.class, CibCommand.class, RepairCommands.Repair.class, RepairCommands.Rebuild.class,
            RepairCommands.RecoverMaster.class, StoreCommand.class, HostCommand.class, DemoCommand.class,
            ImportPcsCommand.class, SimulateCommand.class);

    /** Exit code for bad input: a wrong argument, an invalid configuration, a refused request. */
    static final int BAD_INPUT = 2;

    /** Exit code for a failure of the OS, PostgreSQL or the cluster, not of the input. */
    static final int FAILED = 1;

    private static final String DEBUG = "--debug";

    @Option(names = DEBUG, scope = CommandLine.ScopeType.INHERIT,
            description = "On an unexpected error (a bug), print its stack trace too.")
    boolean debug;

    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    /** The command line with every command, for running pgpacer commands in-process (tests, embedding). */
    public static CommandLine commandLine() {
        return commandLine(COMMANDS);
    }

    /**
     * The command line that runs {@code args}: when they begin with a command's name, pgpacer with only that
     * command, else with all of them (help, a typo, an option first). Why: picocli reads the annotations of every
     * command and option it is given, about half a second at each start of the CLI, while one command needs only
     * its own; what the command prints is the same either way.
     */
    static CommandLine commandLine(String[] args) {
        if (args.length > 0) {
            for (Class<?> command : COMMANDS) {
                Command named = command.getAnnotation(Command.class);
                if (named.name().equals(args[0]) || List.of(named.aliases()).contains(args[0])) {
                    return commandLine(List.of(command));
                }
            }
        }
        return commandLine(COMMANDS);
    }

    private static CommandLine commandLine(List<Class<?>> commands) {
        CommandLine line = new CommandLine(new Main());
        commands.forEach(line::addSubcommand);
        line.setExecutionStrategy(Main::execute);
        line.setParameterExceptionHandler(Main::badArguments);
        line.setExecutionExceptionHandler(Main::failed);
        reflowDescriptions(line);
        return line;
    }

    // The descriptions are written in source lines of about 100 characters, which picocli would print as lines of
    // their own and break again at its width; joined into paragraphs, they wrap once, at the help's width.
    private static void reflowDescriptions(CommandLine command) {
        CommandLine.Model.UsageMessageSpec usage = command.getCommandSpec().usageMessage();
        usage.description(paragraphs(usage.description()));
        command.getSubcommands().values().stream().distinct().forEach(Main::reflowDescriptions);
    }

    /**
     * Description lines joined into paragraphs: a line continues the one before it unless that one is the summary
     * (the first line, which a parent's command list shows alone), ends a sentence or a heading ('.', ':'), or
     * either is indented (an example or a list).
     */
    static String[] paragraphs(String[] lines) {
        List<String> joined = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String previous = i == 0 ? "" : lines[i - 1];
            boolean continues = i >= 2 && !line.isBlank() && !previous.isBlank()
                    && !Character.isWhitespace(line.charAt(0)) && !Character.isWhitespace(previous.charAt(0))
                    && !previous.endsWith(".") && !previous.endsWith(":");
            if (continues) {
                joined.set(joined.size() - 1, joined.get(joined.size() - 1) + " " + line);
            } else {
                joined.add(line);
            }
        }
        return joined.toArray(String[]::new);
    }

    // Runs the last command named, after two checks picocli skips: an unknown command followed by --help is still
    // unknown, and a group of commands (pgpacer cluster) does nothing by itself.
    private static int execute(ParseResult parsed) {
        ParseResult last = parsed;
        while (true) {
            if (!last.unmatched().isEmpty()) {
                throw new CommandLine.UnmatchedArgumentException(last.commandSpec().commandLine(), last.unmatched());
            }
            if (!last.hasSubcommand()) {
                break;
            }
            last = last.subcommand();
        }
        CommandLine command = last.commandSpec().commandLine();
        if (!last.commandSpec().subcommands().isEmpty() && !last.isUsageHelpRequested()
                && !last.isVersionHelpRequested()) {
            PrintWriter err = command.getErr();
            err.println(last.commandSpec().qualifiedName() + ": which command? one of "
                    + commandNames(last.commandSpec()) + " (see '" + last.commandSpec().qualifiedName() + " --help')");
            err.println();
            command.usage(err);
            return BAD_INPUT;
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    private static String commandNames(CommandSpec group) {
        return group.subcommands().values().stream().map(c -> c.getCommandName()).distinct()
                .collect(Collectors.joining(", "));
    }

    // One line for an argument that cannot be used, with the closest command or option when there is one.
    private static int badArguments(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        CommandSpec spec = command.getCommandSpec();
        String name = spec.qualifiedName();
        String message;
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched
                && !unmatched.getUnmatched().isEmpty() && !unmatched.getUnmatched().get(0).startsWith("-")) {
            String word = unmatched.getUnmatched().get(0);
            if (spec.subcommands().isEmpty()) {
                message = "unexpected argument '" + word + "'; see '" + name + " --help'";
            } else {
                List<String> closest = closestCommands(word, spec);
                message = "unknown command '" + word + "'; " + (closest.isEmpty()
                        ? "none is close to it; did you mean one of " + commandNames(spec) + "? (see '" + name
                                + " --help')"
                        : "did you mean '" + name + " " + closest.get(0) + "'? (see '" + name + " --help')");
            }
        } else {
            String suggestion = "";
            if (e instanceof CommandLine.UnmatchedArgumentException unmatched
                    && !unmatched.getSuggestions().isEmpty()) {
                suggestion = "; did you mean '" + unmatched.getSuggestions().get(0) + "'?";
            }
            message = oneLine(UrlRedaction.redact(e.getMessage())) + suggestion + " (see '" + name + " --help')";
        }
        command.getErr().println(name + ": " + message);
        return BAD_INPUT;
    }

    // The command a typo most likely meant: within a few edits (a swap of two letters counts as one), else none.
    private static List<String> closestCommands(String word, CommandSpec spec) {
        int allowed = Math.max(1, Math.min(3, word.length() / 3));
        List<String> closest = new ArrayList<>();
        int best = allowed + 1;
        for (String name : spec.subcommands().keySet()) {
            int distance = editDistance(word, name);
            if (distance < best) {
                best = distance;
                closest.clear();
            }
            if (distance == best) {
                closest.add(spec.subcommands().get(name).getCommandName());
            }
        }
        return closest;
    }

    // Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    // The exit code and the one line for what a command threw: the expected failures are typed, anything else is
    // a bug, whose stack trace --debug prints.
    private static int failed(Exception e, CommandLine command, ParseResult parsed) {
        PrintWriter err = command.getErr();
        String name = command.getCommandSpec().qualifiedName();
        Integer exitCode = expectedExitCode(e);
        if (exitCode != null) {
            String message = e instanceof IOException io ? OsErrors.describe(io)
                    : e instanceof UncheckedIOException io ? OsErrors.describe(io.getCause()) : e.getMessage();
            err.println(name + ": " + oneLine(UrlRedaction.redact(message)));
            return exitCode;
        }
        err.println(name + ": unexpected error, a bug in pgpacer: " + oneLine(UrlRedaction.redact(String.valueOf(e)))
                + (debugRequested(parsed) ? "" : " (add " + DEBUG + " to print its stack trace)"));
        if (debugRequested(parsed)) {
            e.printStackTrace(err);
        }
        return FAILED;
    }

    private static Integer expectedExitCode(Exception e) {
        if (e instanceof CommandFailure failure) {
            return failure.exitCode();
        }
        if (e instanceof ConfigException || e instanceof PostgresBinariesNotFoundException) {
            return BAD_INPUT;
        }
        if (e instanceof ApiClient.ApiException api) {
            return api.status() >= 400 && api.status() < 500 ? BAD_INPUT : FAILED;
        }
        if (e instanceof PostgresException || e instanceof ProgramException || e instanceof VipException
                || e instanceof IOException || e instanceof UncheckedIOException) {
            return FAILED;
        }
        return null;
    }

    private static boolean debugRequested(ParseResult parsed) {
        for (ParseResult level = parsed; level != null; level = level.subcommand()) {
            if (level.hasMatchedOption(DEBUG)) {
                return true;
            }
        }
        return false;
    }

    /** A message on one line: the lines of a program's output joined, so that a failure is one line to read. */
    static String oneLine(String message) {
        if (message == null) {
            return "";
        }
        StringBuilder line = new StringBuilder();
        for (String part : message.strip().split("\\s*\\R\\s*")) {
            if (line.length() > 0) {
                line.append(line.charAt(line.length() - 1) == ':' ? " " : "; ");
            }
            line.append(part);
        }
        return line.toString();
    }
}
