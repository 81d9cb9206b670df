package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.agent.Agent;
import io.pgpacer.agent.EventFeed;
import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.os.FreePorts;
import io.pgpacer.store.ratis.RatisClusterStore;
import io.pgpacer.store.ratis.RatisStoreConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent whose store member has no majority (the only one of three started) answers a command with 503 and
 * says why: the client gets an answer, not a dropped connection.
 */
class HttpApiWithoutMajorityTest {

    @TempDir
    Path dir;

    @Test
    void aCommandWithoutAMajorityGets503() throws IOException {
        Map<String, InetSocketAddress> peers = Map.of("n1", new InetSocketAddress("127.0.0.1", FreePorts.next()),
                "n2", new InetSocketAddress("127.0.0.1", FreePorts.next()),
                "n3", new InetSocketAddress("127.0.0.1", FreePorts.next()));
        try (RatisClusterStore store = RatisClusterStore.start(RatisStoreConfig.of("nomajority", "n1", peers,
                dir.resolve("raft")))) {
            AgentConfig config = ConfigLoader.parse(dir.resolve("c.yaml"), """
                    cluster: nomajority
                    node: n1
                    nodes: [{name: n1, address: 127.0.0.1, role: witness}, {name: n2, address: 127.0.0.2},
                            {name: n3, address: 127.0.0.3}]
                    """, null);
            Agent agent = new Agent(config, store, null, () -> System.nanoTime() / 1_000_000, new EventFeed());
            int port = FreePorts.next();
            try (HttpApi api = new HttpApi("n1", new InetSocketAddress("127.0.0.1", port), store, agent,
                    new EventFeed())) {
                api.start();
                ApiClient client = new ApiClient(List.of(URI.create("http://127.0.0.1:" + port)));
                ApiClient.ApiException refused = assertThrows(ApiClient.ApiException.class,
                        () -> client.maintenance(null, true));
                assertEquals(503, refused.status(), refused.getMessage());
                assertTrue(refused.getMessage().startsWith("the cluster store has no majority: "), refused.getMessage());
            }
        }
    }
}
