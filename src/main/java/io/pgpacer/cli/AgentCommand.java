package io.pgpacer.cli;

import io.pgpacer.agent.Agent;
import io.pgpacer.agent.EventFeed;
import io.pgpacer.agent.FailsafePeers;
import io.pgpacer.agent.StateDirectory;
import io.pgpacer.api.EnrolmentApi;
import io.pgpacer.api.FailsafeClient;
import io.pgpacer.api.HttpApi;
import io.pgpacer.api.security.ApiCredentials;
import io.pgpacer.api.security.ApiSecurity;
import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigException;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.config.PostgresConfig;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.enrol.EnrolmentHost;
import io.pgpacer.enrol.HostFiles;
import io.pgpacer.os.OsErrors;
import io.pgpacer.os.PortBinding;
import io.pgpacer.postgres.PostgresBinariesNotFoundException;
import io.pgpacer.postgres.PostgresException;
import io.pgpacer.postgres.PostgresSettings;
import io.pgpacer.postgres.conf.ListenAddresses;
import io.pgpacer.postgres.local.LocalPostgresInstance;
import io.pgpacer.store.StoreDamagedException;
import io.pgpacer.store.ratis.RaftTls;
import io.pgpacer.store.ratis.RatisClusterStore;
import io.pgpacer.tls.NodeTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** {@code pgpacer agent}: the daemon that runs on every host. The composition root of the agent. */
@Command(name = "agent", description = {"Run this host's agent: the daemon that manages its PostgreSQL.",
        "The agent is a member of the Raft store, the controller when elected, and the resource agent of the local",
        "PostgreSQL.",
        "Stopping the agent stops its PostgreSQL, and a dead agent's PostgreSQL is killed with it, so no",
        "unmanaged primary is ever left behind. 'pgpacer node restart-agent NODE' restarts an agent and keeps",
        "its PostgreSQL running (as a standby); the agent then exits with status 75, on which the service",
        "manager starts it again. Needs root only for virtual IPs; as root, PostgreSQL runs as postgresql.os-user.",
        "pcs equivalent: 'pcs cluster start' on one node."})
final class AgentCommand implements Callable<Integer> {

    /**
     * The exit status after a planned restart (EX_TEMPFAIL): not 0, so that systemd's {@code Restart=on-failure}
     * starts the agent again, and not 2, which the unit's {@code RestartPreventExitStatus} keeps for a refused
     * configuration.
     */
    static final int RESTART_REQUESTED = 75;

    /** The enrolment API's port unless --api-port says: the API's usual port, where the configuration puts it too. */
    static final int ENROLMENT_PORT = 8008;

    @Option(names = "--config", required = true, description = {"This node's YAML configuration. When the file does"
            + " not exist yet, the agent runs only the enrolment API (on --bind and --api-port) and waits for"
            + " 'pgpacer host auth' and 'pgpacer cluster setup --deliver'; once the configuration has arrived it"
            + " writes the file and goes on as this node's agent, in the same process (so it works the same under"
            + " systemd, from a shell or in a test, with no service manager to restart it)."})
    Path configFile;

    @Option(names = "--etc", paramLabel = "DIR", defaultValue = HostFiles.DEFAULT_DIR, description = "Where this"
            + " host's key and the cluster's secrets are kept: host.key, api-token, replication.secret"
            + " (default ${DEFAULT-VALUE}).")
    Path etc;

    @Option(names = "--api-port", paramLabel = "PORT", description = "The enrolment API's port while there is no"
            + " configuration (default " + ENROLMENT_PORT + "); when given with a configuration, it must be the"
            + " node's api-port.")
    Integer enrolmentPort;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "0.0.0.0", description = "The enrolment API's"
            + " address while there is no configuration (default ${DEFAULT-VALUE}: all of this host's).")
    String enrolmentBind;

    @Option(names = "--node", description = "This node's name, if the file does not say (one file for the cluster).")
    String node;

    @Override
    public Integer call() throws InterruptedException {
        boolean enrolled = !Files.exists(configFile);
        if (enrolled) {
            awaitConfiguration();
        }
        // Every check that can refuse comes before anything is created on disk or started.
        AgentConfig config = ConfigLoader.load(configFile, node);
        // why refuse: a port given and silently not used would leave the operator probing the wrong one.
        if (!enrolled && enrolmentPort != null && enrolmentPort != config.self().apiPort()) {
            throw CommandFailure.badInput("--api-port " + enrolmentPort + " is not node '" + config.nodeName()
                    + "''s api-port in " + configFile + " (" + config.self().apiPort() + "); drop --api-port, which"
                    + " only places the enrolment API of a host without a configuration");
        }
        NodeTls tls = config.tls() == null ? null : NodeTls.load(config.tls());
        ApiSecurity security = ApiSecurity.of(config, tls);
        FailsafePeers failsafePeers = failsafePeers(config);
        LocalPostgresInstance pg = config.witness() ? null : postgres(config);
        NodeSpec self = config.self();
        String key = "nodes[" + config.nodes().indexOf(self) + "]";
        InetAddress address = localAddress(config, key);
        requireListenable(config, key + ".raft-port", address, self.raftPort(), "the store (Raft)");
        requireListenable(config, key + ".api-port", address, self.apiPort(), "the API");
        StateDirectory state = stateDirectory(config, pg);

        EventFeed events = new EventFeed();
        security.warning().ifPresent(LoggerFactory.getLogger(AgentCommand.class)::warn);
        RatisClusterStore store;
        try {
            store = RatisClusterStore.start(StoreCommand.storeConfig(config),
                    tls == null ? null : new RaftTls(tls.keyManager(), tls.trustManager()));
        } catch (StoreDamagedException e) {
            state.removeWhatThisStartCreated();
            System.err.println("pgpacer agent: " + e.getMessage());
            return Main.BAD_INPUT;
        } catch (IOException e) {
            state.removeWhatThisStartCreated();
            throw CommandFailure.failed(e.getMessage(), e);
        }
        Agent agent;
        HttpApi api;
        try {
            agent = new Agent(config, store, pg, AgentCommand::monotonicMillis, events, failsafePeers);
            api = new HttpApi(config.nodeName(), new InetSocketAddress(self.address(), self.apiPort()), store, agent,
                    events, security, enrolment(config.clusterName()));
            api.start();
        } catch (IOException e) {
            store.close();
            state.removeWhatThisStartCreated();
            throw CommandFailure.failed(config.file() + ": key '" + key + ".api-port': cannot listen on "
                    + hostAndPort(self.address(), self.apiPort()) + " for the API: " + OsErrors.reason(e), e);
        } catch (RuntimeException e) {
            store.close();
            state.removeWhatThisStartCreated();
            throw e;
        }
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
        return agent.restartRequested() ? RESTART_REQUESTED : 0;
    }

    private EnrolmentHost enrolment(String cluster) {
        return new EnrolmentHost(new HostFiles(etc), configFile, cluster, new BuildVersion().getVersion()[0],
                AgentCommand::monotonicMillis, new SecureRandom());
    }

    // An unconfigured host: only the enrolment API, until 'pgpacer cluster setup --deliver' wrote the configuration.
    private void awaitConfiguration() throws InterruptedException {
        int port = enrolmentPort == null ? ENROLMENT_PORT : enrolmentPort;
        if (port < 1 || port > 65535) {
            throw CommandFailure.badInput("--api-port " + port + " is not a port; give one from 1 to 65535");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(enrolmentBind);
        } catch (UnknownHostException e) {
            throw CommandFailure.badInput("--bind: cannot resolve '" + enrolmentBind + "'; give an IP address of this"
                    + " host (" + String.join(", ", PortBinding.localAddresses()) + ")");
        }
        EnrolmentHost host = enrolment(null);
        EnrolmentApi api;
        try {
            api = new EnrolmentApi(new InetSocketAddress(address, port), host);
        } catch (IOException e) {
            throw CommandFailure.failed("--api-port: cannot listen on " + hostAndPort(enrolmentBind, port)
                    + " for the enrolment API: " + OsErrors.reason(e) + " (is an agent running? if not, choose"
                    + " another --api-port)", e);
        }
        try {
            api.start();
            LoggerFactory.getLogger(AgentCommand.class).info("{} does not exist: this host waits, unconfigured, on"
                    + " http://{}/enrol for 'pgpacer host auth' and 'pgpacer cluster setup --deliver'", configFile,
                    hostAndPort(enrolmentBind, port));
            host.awaitConfiguration();
        } finally {
            api.close();
        }
        LoggerFactory.getLogger(AgentCommand.class).info("{} arrived: starting as this cluster's agent", configFile);
    }

    private static LocalPostgresInstance postgres(AgentConfig config) {
        try {
            return new LocalPostgresInstance(postgresSettings(config));
        } catch (PostgresBinariesNotFoundException e) {
            throw e;
        } catch (PostgresException e) {
            // The constructor refuses only the OS user: one that does not exist, or root.
            throw new ConfigException(config.file() + ": key 'postgresql.os-user': " + e.getMessage());
        }
    }

    private static InetAddress localAddress(AgentConfig config, String key) {
        String address = config.self().address();
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw CommandFailure.badInput(config.file() + ": key '" + key + ".address': cannot resolve '" + address
                    + "'; give an IP address of this host (" + String.join(", ", PortBinding.localAddresses()) + ")");
        }
    }

    // why before the store starts: Ratis ends the whole JVM when its port cannot be bound, and a half-started
    // agent would leave its Raft directory behind.
    private static void requireListenable(AgentConfig config, String portKey, InetAddress address, int port,
                                          String what) {
        Optional<PortBinding.Refusal> refusal = PortBinding.check(address, port);
        if (refusal.isEmpty()) {
            return;
        }
        String where = hostAndPort(config.self().address(), port);
        if (refusal.get().problem() == PortBinding.Problem.NOT_A_LOCAL_ADDRESS) {
            String addressKey = portKey.substring(0, portKey.lastIndexOf('.')) + ".address";
            throw CommandFailure.badInput(config.file() + ": key '" + addressKey + "': cannot listen on " + where
                    + " for " + what + ": " + refusal.get().reason() + " (" + config.self().address() + " is not an"
                    + " address of this host, which has " + String.join(", ", PortBinding.localAddresses())
                    + "); run node '" + config.nodeName()
                    + "' on the host that has " + config.self().address() + ", or correct " + addressKey);
        }
        throw CommandFailure.failed(config.file() + ": key '" + portKey + "': cannot listen on " + where + " for "
                + what + ": " + refusal.get().reason() + " (is another agent running? if not, choose another "
                + portKey.substring(portKey.lastIndexOf('.') + 1) + ")", null);
    }

    private static StateDirectory stateDirectory(AgentConfig config, LocalPostgresInstance pg) {
        try {
            return StateDirectory.prepare(config.stateDir(),
                    pg == null ? OptionalLong.empty() : pg.switchedGroupId());
        } catch (StateDirectory.UnusableException e) {
            throw CommandFailure.badInput(config.file() + ": key 'state-dir': " + e.getMessage()
                    + "; set state-dir to a directory the agent can create and own, e.g. /var/lib/pgpacer");
        }
    }

    private static String hostAndPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
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
