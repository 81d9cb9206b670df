package io.pgpacer.cli;

import io.pgpacer.api.ApiClient;
import io.pgpacer.api.UrlRedaction;
import io.pgpacer.api.security.ApiCredentials;
import io.pgpacer.api.security.ThisHost;
import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigException;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.core.cib.NodeSpec;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** How an operator command finds the agents: an explicit API address, or the cluster's configuration file. */
final class AgentTarget {

    @Option(names = "--api", converter = ApiUrl.class, paramLabel = "URL",
            description = "An agent's API, e.g. http://10.0.0.1:8008 (repeatable).")
    List<URI> apis;

    /** Reads {@code --api}: refuses anything but an http(s) URL of a host and port, without echoing a password. */
    static final class ApiUrl implements CommandLine.ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            try {
                return ApiClient.agentUrl(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** The environment variable that names the configuration when {@code --config} is not given. */
    static final String CONFIG_VARIABLE = "PGPACER_CONFIG";

    /** Where a package installation keeps the configuration. */
    static final Path DEFAULT_CONFIG = Path.of("/etc/pgpacer/pgpacer.yaml");

    @Option(names = "--config", description = "The cluster configuration (default: $PGPACER_CONFIG or "
            + "/etc/pgpacer/pgpacer.yaml); every node's API is tried in order.")
    Path config;

    static AgentTarget ofConfig(Path config) {
        AgentTarget target = new AgentTarget();
        target.config = config;
        return target;
    }

    /**
     * A client of the agents, with the token and TLS trust from the environment and the configuration.
     *
     * @throws ConfigException when the configuration, the token or a certificate file is unusable
     */
    ApiClient client() {
        boolean explicit = apis != null && !apis.isEmpty();
        // With --api alone no configuration is read: the token and CA then come from the environment.
        AgentConfig loaded = explicit && config == null ? null : ConfigLoader.loadCluster(configFile());
        ApiCredentials credentials = ApiCredentials.forCli(loaded, System.getenv());
        if (explicit) {
            return new ApiClient(apis, credentials);
        }
        String scheme = ApiCredentials.scheme(loaded);
        // Without a token only the agent on this host accepts commands, so it is asked first.
        Comparator<NodeSpec> order = credentials.token() == null
                ? Comparator.comparing(n -> !onThisHost(n)) : (a, b) -> 0;
        return new ApiClient(loaded.nodes().stream().sorted(order).map(n -> api(n, scheme)).toList(), credentials);
    }

    /**
     * A client of {@code nodeName}'s own agent alone, at the address the configuration gives it: for what only that
     * agent can do (its own restart).
     *
     * @throws ConfigException when the configuration is unusable or has no such node
     */
    ApiClient clientOf(String nodeName) {
        AgentConfig loaded = ConfigLoader.loadCluster(configFile());
        NodeSpec spec = loaded.nodes().stream().filter(n -> n.name().equals(nodeName)).findFirst()
                .orElseThrow(() -> new ConfigException("unknown node '" + nodeName + "'; " + configFile()
                        + " configures " + loaded.nodes().stream().map(NodeSpec::name).toList()));
        return new ApiClient(List.of(api(spec, ApiCredentials.scheme(loaded))),
                ApiCredentials.forCli(loaded, System.getenv()));
    }

    /** The names of the configured nodes, witnesses included. */
    List<String> nodeNames() {
        return ConfigLoader.loadCluster(configFile()).nodes().stream().map(NodeSpec::name).toList();
    }

    private Path configFile() {
        return configFile(config, System.getenv(), DEFAULT_CONFIG);
    }

    /**
     * The configuration of the agents on this host: {@code --config}, else {@code $PGPACER_CONFIG}, else
     * {@code defaultConfig} when it exists.
     *
     * @throws ConfigException naming the places looked at and how to point the command at a configuration, when
     *     {@code $PGPACER_CONFIG} names no file or none of the three gives one
     */
    static Path configFile(Path option, Map<String, String> environment, Path defaultConfig) {
        if (option != null) {
            return option;
        }
        String fromEnvironment = environment.get(CONFIG_VARIABLE);
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            Path named = Path.of(fromEnvironment);
            if (!Files.exists(named)) {
                throw new ConfigException("$" + CONFIG_VARIABLE + " names " + named + ", which does not exist; "
                        + "export " + CONFIG_VARIABLE + "=FILE with the cluster's configuration, or give --config FILE");
            }
            return named;
        }
        if (Files.exists(defaultConfig)) {
            return defaultConfig;
        }
        throw new ConfigException("no configuration found: no --config option, no $" + CONFIG_VARIABLE
                + " in the environment and no " + defaultConfig + "; give --config FILE, or export "
                + CONFIG_VARIABLE + "=FILE (the demo prints its own line)");
    }

    private static boolean onThisHost(NodeSpec node) {
        try {
            return ThisHost.owns(InetAddress.getByName(node.address()));
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * Prints what the store said of an applied change. Not its epoch: the store counts every command, reports too,
     * and a number that grows by thousands an hour beside the configuration epoch of 'cib query' would give one word
     * two meanings.
     */
    static void printApplied(com.fasterxml.jackson.databind.JsonNode result) {
        System.out.println(result.path("message").asText());
    }

    /**
     * Prints why an operator command failed and returns its exit code: 2 for bad input (the configuration,
     * or a request the agent refused with 4xx), 1 when no agent could do it.
     */
    static int failed(String command, RuntimeException e) {
        System.err.println("pgpacer " + command + ": " + Main.oneLine(UrlRedaction.redact(e.getMessage())));
        boolean refused = e instanceof ApiClient.ApiException api && api.status() >= 400 && api.status() < 500;
        return e instanceof ConfigException || refused ? Main.BAD_INPUT : 1;
    }

    static URI api(NodeSpec node, String scheme) {
        String host = node.address().contains(":") ? "[" + node.address() + "]" : node.address();
        return URI.create(scheme + "://" + host + ":" + node.apiPort());
    }
}
