package io.pgpacer.cli;

import io.pgpacer.agent.Agent;
import io.pgpacer.agent.EventFeed;
import io.pgpacer.agent.FailsafePeers;
import io.pgpacer.api.FailsafeClient;
import io.pgpacer.api.HttpApi;
import io.pgpacer.api.security.ApiCredentials;
import io.pgpacer.api.security.ApiSecurity;
import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigException;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.config.PostgresConfig;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.postgres.PostgresBinariesNotFoundException;
import io.pgpacer.postgres.PostgresInstance;
import io.pgpacer.postgres.PostgresSettings;
import io.pgpacer.postgres.conf.ListenAddresses;
import io.pgpacer.postgres.local.LocalPostgresInstance;
import io.pgpacer.store.StoreDamagedException;
import io.pgpacer.store.ratis.RaftTls;
import io.pgpacer.store.ratis.RatisClusterStore;
import io.pgpacer.tls.NodeTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** {@code pgpacer agent}: the daemon that runs on every host. The composition root of the agent. */
@Command(name = "agent", description = {"Run this host's agent: a member of the Raft store, the controller when",
        "elected, and the resource agent of the local PostgreSQL.",
        "Stopping the agent stops its PostgreSQL (the agent is PostgreSQL's parent, so a dead agent can never",
        "leave an unmanaged primary behind). Needs root only for virtual IPs; as root, PostgreSQL runs as",
        "postgresql.os-user.",
        "pcs equivalent: 'pcs cluster start' on one node."})
final class AgentCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "This node's YAML configuration.")
    Path configFile;

    @Option(names = "--node", description = "This node's name, if the file does not say (one file for the cluster).")
    String node;

    @Override
    public Integer call() throws Exception {
        AgentConfig config;
        PostgresInstance pg;
        NodeTls tls;
        ApiSecurity security;
        FailsafePeers failsafePeers;
        try {
            config = ConfigLoader.load(configFile, node);
            tls = config.tls() == null ? null : NodeTls.load(config.tls());
            security = ApiSecurity.of(config, tls);
            failsafePeers = failsafePeers(config);
            pg = config.witness() ? null : new LocalPostgresInstance(postgresSettings(config));
        } catch (ConfigException | PostgresBinariesNotFoundException e) {
            System.err.println("pgpacer agent: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        Files.createDirectories(config.stateDir());
        EventFeed events = new EventFeed();
        security.warning().ifPresent(LoggerFactory.getLogger(AgentCommand.class)::warn);
        RatisClusterStore store;
        try {
            store = RatisClusterStore.start(StoreCommand.storeConfig(config),
                    tls == null ? null : new RaftTls(tls.keyManager(), tls.trustManager()));
        } catch (StoreDamagedException e) {
            System.err.println("pgpacer agent: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        Agent agent = new Agent(config, store, pg, AgentCommand::monotonicMillis, events, failsafePeers);
        NodeSpec self = config.self();
        HttpApi api;
        try {
            api = new HttpApi(config.nodeName(), new InetSocketAddress(self.address(), self.apiPort()), store, agent,
                    events, security);
        } catch (IOException e) {
            store.close();
            System.err.println("pgpacer agent: cannot listen on " + self.address() + ":" + self.apiPort()
                    + " for the API: " + e.getMessage() + " (is another agent running, or is api-port wrong?)");
            return 1;
        }
        api.start();
        CountDownLatch loopEnded = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            api.close();
            store.close();
            // why a latch and not a join of the main thread: once the loop ended, the main thread calls System.exit,
            // which blocks while this hook runs, so the thread never ends and a join would always time out.
            try {
                loopEnded.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "pgpacer-shutdown"));
        try {
            agent.run();
        } finally {
            loopEnded.countDown();
        }
        return 0;
    }

    // Every other member's API, with the shared token or this node's client certificate: failsafe pings are
    // commands. Built whatever the failsafe setting; the lease keeper asks only while it is on.
    private static FailsafePeers failsafePeers(AgentConfig config) {
        ApiCredentials credentials = ApiCredentials.forCli(config, Map.of());
        String scheme = ApiCredentials.scheme(config);
        Map<String, URI> members = new LinkedHashMap<>();
        for (NodeSpec n : config.nodes()) {
            if (!n.name().equals(config.nodeName())) {
                members.put(n.name(), AgentTarget.api(n, scheme));
            }
        }
        return new FailsafeClient(members, credentials);
    }

    static long monotonicMillis() {
        return System.nanoTime() / 1_000_000;
    }

    private static PostgresSettings postgresSettings(AgentConfig config) {
        PostgresConfig pg = config.postgres();
        NodeSpec self = config.self();
        String listen = ListenAddresses.forNode(self.address(), config.writerVip() != null);
        try {
            return new PostgresSettings(pg.binDir(), pg.dataDir(), config.stateDir().resolve("run"), listen,
                    self.pgPort(), pg.osUser(), pg.superuser(), pg.superuserPassword(), pg.replicationUser(),
                    pg.replicationPassword(), pg.parameters(), pg.hbaLines(), config.nodeName());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(config.file() + ": key 'postgresql': " + e.getMessage());
        }
    }
}
