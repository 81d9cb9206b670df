package io.pgpacer.cli;

import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigException;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.store.StoreUnavailableException;
import io.pgpacer.store.ratis.RaftTls;
import io.pgpacer.store.ratis.RatisStoreConfig;
import io.pgpacer.store.ratis.StoreRejoin;
import io.pgpacer.tls.NodeTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pgpacer store}: repairs of this host's member of the Raft store. */
@Command(name = "store", description = "Repair this host's member of the Raft store.",
        subcommands = StoreCommand.Rejoin.class)
final class StoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine.usage(spec.commandLine(), System.err);
        return Main.BAD_INPUT;
    }

    /** How long rejoin waits for another member to say that it leads the store. */
    static final Duration LEADER_TIMEOUT = Duration.ofSeconds(10);

    /** This node's store member as the agent runs it. One place, so that the agent and its repair agree. */
    static RatisStoreConfig storeConfig(AgentConfig config) {
        Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
        for (NodeSpec n : config.nodes()) {
            peers.put(n.name(), new InetSocketAddress(n.address(), n.raftPort()));
        }
        Path raftDir = config.stateDir().resolve("raft");
        return new RatisStoreConfig(config.clusterName(), config.nodeName(), peers, raftDir,
                RatisStoreConfig.DEFAULT_ELECTION_TIMEOUT_MIN, RatisStoreConfig.DEFAULT_ELECTION_TIMEOUT_MAX,
                RatisStoreConfig.DEFAULT_SNAPSHOT_THRESHOLD, rejoinCommand(config));
    }

    /** The repair an operator runs on this host, as it is printed: it works when pasted. */
    static String rejoinCommand(AgentConfig config) {
        return "pgpacer store rejoin --config " + shellWord(config.file().toAbsolutePath().toString()) + " --node "
                + shellWord(config.nodeName());
    }

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./=:@%+-]+");

    private static String shellWord(String word) {
        return PLAIN.matcher(word).matches() ? word : "\"" + word.replace("\\", "\\\\").replace("\"", "\\\"")
                .replace("$", "\\$").replace("`", "\\`") + "\"";
    }

    @Command(name = "rejoin", description = {"Set this host's damaged Raft storage aside and rejoin the store.",
            "The storage is renamed to raft.damaged-TIMESTAMP next to it, never deleted; new storage is prepared,",
            "from which the member rejoins the store: the leader sends it its snapshot and log when the agent starts.",
            "For a member whose storage is damaged or lost. Run it on the damaged host with its agent stopped, while",
            "the other members run."})
    static final class Rejoin implements Callable<Integer> {

        @Option(names = "--config", required = true, description = "This node's YAML configuration.")
        Path configFile;

        @Option(names = "--node", description = "This node's name, if the file does not say (one file for the cluster).")
        String node;

        @Override
        public Integer call() {
            AgentConfig config;
            RaftTls tls;
            try {
                config = ConfigLoader.load(configFile, node);
                NodeTls nodeTls = config.tls() == null ? null : NodeTls.load(config.tls());
                tls = nodeTls == null ? null : new RaftTls(nodeTls.keyManager(), nodeTls.trustManager());
            } catch (ConfigException e) {
                System.err.println("pgpacer store rejoin: " + e.getMessage());
                return Main.BAD_INPUT;
            }
            RatisStoreConfig store = storeConfig(config);
            try {
                StoreRejoin.Outcome outcome = StoreRejoin.rejoin(store, tls, LEADER_TIMEOUT);
                System.out.println("store member " + config.nodeName() + ": "
                        + (outcome.setAside() == null ? "it had no storage"
                                : "its storage was set aside as " + outcome.setAside())
                        + "; new storage in " + store.storageDir() + " starts in term " + outcome.term()
                        + ", and it rejoins from " + outcome.leader() + " when its agent starts: pgpacer agent --config "
                        + shellWord(config.file().toAbsolutePath().toString()) + " --node "
                        + shellWord(config.nodeName()));
                return 0;
            } catch (IllegalStateException | StoreUnavailableException e) {
                System.err.println("pgpacer store rejoin: " + e.getMessage() + "; nothing was changed");
                return Main.BAD_INPUT;
            } catch (IOException e) {
                System.err.println("pgpacer store rejoin: cannot replace the Raft storage " + store.storageDir() + ": "
                        + e.getMessage());
                return 1;
            }
        }
    }
}
