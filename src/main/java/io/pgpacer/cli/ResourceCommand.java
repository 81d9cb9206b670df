package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ApiClient;
import io.pgpacer.config.ConfigException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pgpacer resource ...}: operations on the PostgreSQL resource. */
@Command(name = "resource", description = "Resource operations (pcs equivalent: 'pcs resource ...').",
        subcommands = {ResourceCommand.Cleanup.class})
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
}
