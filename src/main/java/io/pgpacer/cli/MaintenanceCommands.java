package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ApiClient;
import io.pgpacer.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code pgpacer cluster pause|resume} and {@code pgpacer node maintenance|unmaintenance|standby|unstandby NODE}:
 * where pgpacer observes but does not act, and where it runs nothing.
 */
final class MaintenanceCommands {

    private MaintenanceCommands() {
    }

    /** Sends the change and prints what the store says; 2 for a refused request, 1 when no agent answered. */
    static int apply(AgentTarget target, String command, String node, boolean on) {
        try {
            JsonNode result = target.client().maintenance(node, on);
            AgentTarget.printApplied(result);
            return 0;
        } catch (ConfigException | ApiClient.ApiException e) {
            return AgentTarget.failed(command, e);
        }
    }

    @Command(name = "cluster", description = "Whole-cluster operations.", subcommands = {ClusterSetupCommand.class,
            ClusterStartStopCommands.Start.class, ClusterStartStopCommands.Stop.class,
            ClusterStartStopCommands.Enable.class, ClusterStartStopCommands.Disable.class})
    static final class ClusterCommand {

        @Command(name = "pause", description = {"Put the whole cluster in maintenance mode: pgpacer acts on nothing.",
                "Agents keep observing and reporting and PostgreSQL keeps running, but nothing is started, stopped,",
                "promoted or failed over.",
                "Fencing stays on: a primary that cannot renew its lease still stops writes.",
                "pcs equivalent: 'pcs property set maintenance-mode=true'."})
        int pause(@Mixin AgentTarget target) {
            return apply(target, "cluster pause", null, true);
        }

        @Command(name = "resume", description = {"End maintenance mode: pgpacer manages the cluster again.",
                "pcs equivalent: 'pcs property set maintenance-mode=false'."})
        int resume(@Mixin AgentTarget target) {
            return apply(target, "cluster resume", null, false);
        }
    }

    @Command(name = "node", description = "Node operations.", subcommands = RestartAgentCommand.class)
    static final class NodeCommand {

        @Command(name = "maintenance", description = {"Put NODE into maintenance: its agent observes and reports but does not act.",
                "The controller leaves its role alone, and does not fail over while it is the primary.",
                "pcs equivalent: 'pcs node maintenance NODE'."})
        int maintenance(@Mixin AgentTarget target, @Parameters(paramLabel = "NODE") String node) {
            return apply(target, "node maintenance", node, true);
        }

        @Command(name = "standby", description = {"Put NODE in standby: it runs no resources.",
                "Its PostgreSQL is stopped cleanly and it carries no VIP; if it is the primary, the primary role first",
                "moves to the best standby by a zero-loss switchover.", "pcs equivalent: 'pcs node standby NODE'."})
        int standby(@Mixin AgentTarget target, @Parameters(paramLabel = "NODE") String node) {
            return standby(target, "node standby", node, true);
        }

        @Command(name = "unstandby", description = {"Take NODE out of standby: it streams from the primary again.",
                "pcs equivalent: 'pcs node unstandby NODE'."})
        int unstandby(@Mixin AgentTarget target, @Parameters(paramLabel = "NODE") String node) {
            return standby(target, "node unstandby", node, false);
        }

        private static int standby(AgentTarget target, String command, String node, boolean on) {
            try {
                JsonNode result = target.client().standby(node, on);
                AgentTarget.printApplied(result);
                return 0;
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed(command, e);
            }
        }

        @Command(name = "unmaintenance", description = {"Take NODE out of maintenance.",
                "pcs equivalent: 'pcs node unmaintenance NODE'."})
        int unmaintenance(@Mixin AgentTarget target, @Parameters(paramLabel = "NODE") String node) {
            return apply(target, "node unmaintenance", node, false);
        }
    }
}
