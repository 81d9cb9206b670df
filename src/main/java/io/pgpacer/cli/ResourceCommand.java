package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ApiClient;
import io.pgpacer.config.ConfigException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import io.pgpacer.core.status.ClusterStatus;

/** {@code pgpacer resource ...}: operations on the PostgreSQL resource. */
@Command(name = "resource", description = "Resource operations (pcs equivalent: 'pcs resource ...').",
        subcommands = {ResourceCommand.Cleanup.class, ResourceCommand.Move.class})
final class ResourceCommand implements Runnable {

    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    /** Resets fail-counts and failed actions so that a node may hold the primary role again. */
    @Command(name = "cleanup", description = {"Reset fail-counts and failed actions, on one node or on all.",
            "pcs equivalent: 'pcs resource cleanup'."})
    static final class Cleanup implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Option(names = "--node", description = "Only this node (default: all nodes).")
        String node;

        @Override
        public Integer call() {
            try {
                JsonNode result = target.client().cleanup(node);
                System.out.println("Cleaned up " + (node == null ? "all nodes" : node) + " (CIB epoch "
                        + result.path("epoch").asLong() + ")");
                return 0;
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed("resource cleanup", e);
            }
        }
    }

    /** pcs's way to ask for a switchover: move the master role of the PostgreSQL resource to a node. */
    @Command(name = "move", description = {"Move the primary role to NODE: a zero-loss switchover, as"
            + " 'pgpacer switchover --to NODE'.", "pcs equivalent: 'pcs resource move msPostgresql NODE'."})
    static final class Move implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(index = "0", paramLabel = "RESOURCE", description = "The PostgreSQL resource: "
                + ClusterStatus.POSTGRES_RESOURCE + ".")
        String resource;

        @Parameters(index = "1", paramLabel = "NODE", description = "The node to promote.")
        String node;

        @Override
        public Integer call() {
            if (!ClusterStatus.POSTGRES_RESOURCE.equals(resource)) {
                System.err.println("pgpacer resource move: unknown resource '" + resource + "'; the PostgreSQL"
                        + " resource is " + ClusterStatus.POSTGRES_RESOURCE);
                return Main.BAD_INPUT;
            }
            try {
                return SwitchoverCommand.run(target.client(), node, null, null, true, 30);
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed("resource move", e);
            }
        }
    }
}
