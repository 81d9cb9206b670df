package io.pgpacer.cli;

import io.pgpacer.api.ApiClient;
import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigException;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.core.cib.NodeSpec;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** How an operator command finds the agents: an explicit API address, or the cluster's configuration file. */
final class AgentTarget {

    @Option(names = "--api", description = "An agent's API, e.g. http://10.0.0.1:8008 (repeatable).")
    List<URI> apis;

    @Option(names = "--config", description = "The cluster configuration (default: $PGPACER_CONFIG or "
            + "/etc/pgpacer/pgpacer.yaml); every node's API is tried in order.")
    Path config;

    static AgentTarget ofConfig(Path config) {
        AgentTarget target = new AgentTarget();
        target.config = config;
        return target;
    }

    List<URI> agents() {
        if (apis != null && !apis.isEmpty()) {
            return apis;
        }
        Path file = config != null ? config
                : Path.of(System.getenv().getOrDefault("PGPACER_CONFIG", "/etc/pgpacer/pgpacer.yaml"));
        AgentConfig loaded = ConfigLoader.loadCluster(file);
        return loaded.nodes().stream().map(AgentTarget::api).toList();
    }

    /**
     * Prints why an operator command failed and returns its exit code: 2 for bad input (the configuration,
     * or a request the agent refused with 4xx), 1 when no agent could do it.
     */
    static int failed(String command, RuntimeException e) {
        System.err.println("pgpacer " + command + ": " + e.getMessage());
        boolean refused = e instanceof ApiClient.ApiException api && api.status() >= 400 && api.status() < 500;
        return e instanceof ConfigException || refused ? Main.BAD_INPUT : 1;
    }

    static URI api(NodeSpec node) {
        String host = node.address().contains(":") ? "[" + node.address() + "]" : node.address();
        return URI.create("http://" + host + ":" + node.apiPort());
    }
}
