package io.pgpacer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code pgpacer} command: the agent daemon, the operator's commands and the demo. */
// why INHERIT: every subcommand answers --help (and --version) as well.
@Command(name = "pgpacer", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        versionProvider = BuildVersion.class,
        description = "High-availability cluster manager for PostgreSQL streaming replication.",
        subcommands = {AgentCommand.class, StatusCommand.class, HistoryCommand.class, ResourceCommand.class,
                ConstraintCommand.class, ForcePromoteCommand.class, SwitchoverCommand.class,
                MaintenanceCommands.ClusterCommand.class, MaintenanceCommands.NodeCommand.class, PropertyCommand.class,
                CibCommand.class,
                RepairCommands.Repair.class, RepairCommands.Rebuild.class, RepairCommands.RecoverMaster.class,
                StoreCommand.class,
                DemoCommand.class, ImportPcsCommand.class})
public final class Main implements Runnable {

    /** Exit code for bad input: a wrong argument, an invalid configuration, a refused request. */
    static final int BAD_INPUT = 2;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, for running pgpacer commands in-process (tests, embedding). */
    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
