package io.pgpacer.testkit;

import io.pgpacer.agent.Agent;
import io.pgpacer.agent.EventFeed;
import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.os.FreePorts;
import io.pgpacer.store.ratis.RatisClusterStore;
import io.pgpacer.store.ratis.RatisStoreConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * For API tests without PostgreSQL: a real one-member store (the witness {@code w1} on 127.0.0.1) whose CIB is
 * initialised with {@code w1} and the given data nodes, and the witness's agent on it (its loop not started).
 */
public record WitnessOverOneMemberStore(RatisClusterStore store, Agent agent) implements AutoCloseable {

    /**
     * @param dataNodes data node name to loopback address (127.0.0.2, ...), in configured order
     */
    public static WitnessOverOneMemberStore start(Path dir, String cluster, Map<String, String> dataNodes)
            throws IOException {
        RatisClusterStore store = RatisClusterStore.start(RatisStoreConfig.of(cluster, "w1",
                Map.of("w1", new InetSocketAddress("127.0.0.1", FreePorts.next())), dir.resolve("raft")));
        List<NodeSpec> nodes = new java.util.ArrayList<>(List.of(new NodeSpec("w1", "127.0.0.1", 1, 2, 0, true)));
        dataNodes.forEach((name, address) -> nodes.add(new NodeSpec(name, address, 1, 2, 5432, false)));
        Eventually.await("the one-member store to initialize the CIB", Duration.ofSeconds(10), () -> store.submit(
                new StoreCommand.InitializeCluster(cluster, nodes, ClusterSettings.DEFAULTS), Duration.ofSeconds(2))
                .applied() || store.localCopy().initialized());
        String yaml = "cluster: " + cluster + "\nnode: w1\nnodes: [{name: w1, address: 127.0.0.1, role: witness}"
                + dataNodes.entrySet().stream().map(n -> ", {name: " + n.getKey() + ", address: " + n.getValue() + "}")
                        .collect(Collectors.joining()) + "]\n";
        AgentConfig config = ConfigLoader.parse(dir.resolve("c.yaml"), yaml, null);
        return new WitnessOverOneMemberStore(store, new Agent(config, store, null,
                () -> System.nanoTime() / 1_000_000, new EventFeed()));
    }

    @Override
    public void close() {
        store.close();
    }
}
