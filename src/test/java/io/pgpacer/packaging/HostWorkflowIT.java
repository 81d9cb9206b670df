package io.pgpacer.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.core.status.NodeStatus;
import io.pgpacer.os.FileTrees;
import io.pgpacer.store.CibJson;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.lab.LabHost;
import io.pgpacer.testkit.lab.NetLab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Given three hosts and a client in the network-namespace lab, each data host with the release tarball unpacked and
 * its own /etc/pgpacer, when the DBA types the README's "Install on real hosts" commands, each inside the host where
 * it is typed (a secret and the unconfigured agent on every host, started as the unit's ExecStart does; auth and
 * setup --deliver on the first), then the cluster becomes healthy, takes a write through the writer VIP, stops and
 * starts again with the same primary and timeline, and every bad input is one sentence, exit 2, and changes nothing on
 * any host. Runs after 'package' (failsafe), as root, like the lab's other tests: never skipped.
 */
class HostWorkflowIT {

    private static final Path TARGET = Path.of("target").toAbsolutePath();
    private static final String VERSION = System.getProperty("pgpacer.version", "0.1.0-SNAPSHOT");
    private static final Path DEB = TARGET.resolve("pgpacer_" + VERSION + "_all.deb");
    private static final Path TARBALL = TARGET.resolve("pgpacer-" + VERSION + ".tar.gz");
    private static final String PASSPHRASE = "a long passphrase the three DBAs agreed on";
    private static final List<String> NODES = List.of("pg1", "pg2", "pg3");
    private static final String CLIENT = "client";
    private static final String WRITER_VIP = NetLab.address(100);
    /** A lab address no host has: nothing answers there, not even ARP. */
    private static final String NOBODY = NetLab.address(99);
    private static final Duration COMMAND = Duration.ofSeconds(120);
    private static final Duration HEALTHY = Duration.ofSeconds(180);
    /** Each status probe starts a JVM; pacing them leaves the two cores to the agents being watched. */
    private static final Duration PROBE_PACE = Duration.ofMillis(500);

    private Path pgpacer;
    private NetLab lab;
    private final Map<String, Process> agents = new TreeMap<>();
    private long installed;

    @Test
    void theReadmesCommandsOnThreeHostsMakeAClusterThatWritesStopsAndStartsAndRefusesBadInput() throws Exception {
        Path unpacked = Files.createTempDirectory(TARGET, "hostworkflow");
        boolean passed = false;
        try {
            assertEquals(0, new ProcessBuilder("tar", "-xzf", TARBALL.toString(), "-C", unpacked.toString())
                    .inheritIO().start().waitFor(), "tar -xzf " + TARBALL);
            pgpacer = unpacked.resolve("pgpacer-" + VERSION).resolve("bin").resolve("pgpacer");
            List<String> hosts = new ArrayList<>(NODES);
            hosts.add(CLIENT);
            lab = NetLab.start(hosts.toArray(String[]::new));
            workflow();
            passed = true;
        } finally {
            try {
                if (!passed && lab != null) {
                    System.out.println(ClusterHarness.logTails(NODES.stream().map(this::log).toList()));
                }
            } finally {
                if (lab != null) {
                    lab.close();
                }
                FileTrees.delete(unpacked);
            }
        }
    }

    private void workflow() throws IOException {
        // On every host: a secret, then the agent exactly as pgpacer.service's ExecStart (no configuration yet).
        installed = System.nanoTime();
        for (String node : NODES) {
            Files.createDirectories(etc(node).getParent());
            Files.createDirectory(etc(node), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwxr-x---")));
            LabHost.Output secret = type(node, PASSPHRASE + "\n", "host", "secret", "--stdin", "--etc",
                    etc(node).toString());
            assertEquals(0, secret.exitCode(), node + ": pgpacer host secret: " + secret);
            agents.put(node, host(node).start(log(node), List.of(pgpacer.toString(), "agent", "--config",
                    config(node).toString(), "--etc", etc(node).toString())));
        }
        for (String node : NODES) {
            Eventually.await(node + "'s unconfigured agent listening on " + address(node) + ":8008 (log " + log(node)
                    + ")", COMMAND, () -> listening(node));
        }
        Map<String, String> secretsOnly = etcFiles();

        // A wrong passphrase is refused by the hosts, and nothing is stored anywhere.
        LabHost.Output wrong = type("pg1", "not the passphrase\n", auth());
        assertRefused(wrong, "wrong passphrase");
        assertEquals(secretsOnly, etcFiles(), "a wrong passphrase changed nothing on any host");

        LabHost.Output auth = type("pg1", PASSPHRASE + "\n", auth());
        assertEquals(0, auth.exitCode(), "pgpacer host auth: " + auth);
        assertEquals(address("pg1") + ": authorized\n" + address("pg2") + ": authorized\n" + address("pg3")
                + ": authorized\n", auth.stdout());
        Map<String, String> authorized = etcFiles();

        // Setup naming an address where nothing listens fails fast, before any host receives anything.
        long askedNobody = System.nanoTime();
        LabHost.Output unreachable = type("pg1", "", setup("pg4=" + NOBODY));
        double nobodySeconds = (System.nanoTime() - askedNobody) / 1e9;
        assertRefused(unreachable, "pg4 is unreachable");
        assertTrue(nobodySeconds < 30, "setup with an unreachable host took " + nobodySeconds + " s");
        assertEquals(authorized, etcFiles(), "a setup naming an unreachable host changed nothing on any host");

        long settingUp = System.nanoTime();
        LabHost.Output setup = type("pg1", "", setup());
        assertEquals(0, setup.exitCode(), "pgpacer cluster setup --deliver: " + setup);
        assertEquals("pg1: received the configuration\npg2: received the configuration\npg3: received the"
                + " configuration\n", setup.stdout());

        ClusterStatus healthy = awaitHealthy("pg2");
        double installToHealthy = (System.nanoTime() - installed) / 1e9;
        double setupToHealthy = (System.nanoTime() - settingUp) / 1e9;
        String primary = healthy.masters().get(0);
        long timeline = ClusterHarness.node(healthy, primary).timeline();
        assertEquals(2, healthy.slaves().size(), healthy.toString());
        assertTrue(host(primary).hasAddress(WRITER_VIP), "the writer VIP is on the primary's host, " + primary);

        // A write through the writer VIP from the client host, read back on the primary.
        LabHost.Output write = psql(CLIENT, WRITER_VIP, "CREATE TABLE workflow (id int PRIMARY KEY, note text);"
                + " INSERT INTO workflow VALUES (1, 'through the writer VIP') RETURNING id");
        assertEquals(0, write.exitCode(), "psql through the writer VIP from the client host: " + write);
        LabHost.Output read = psql(primary, "127.0.0.1", "SELECT note FROM workflow WHERE id = 1");
        assertEquals(0, read.exitCode(), "psql on " + primary + ": " + read);
        assertEquals("through the writer VIP", read.stdout().strip());

        // The whole cluster stops from the third host and starts from the second.
        for (String node : NODES) {
            assertFalse(postgresProcesses(node).isEmpty(), node + " runs PostgreSQL before the stop (the check below"
                    + " sees its processes)");
        }
        long stopping = System.nanoTime();
        LabHost.Output stop = type("pg3", "", "cluster", "stop", "--all", "--config", config("pg3").toString());
        double stopSeconds = (System.nanoTime() - stopping) / 1e9;
        assertEquals(0, stop.exitCode(), "pgpacer cluster stop --all: " + stop);
        ClusterStatus stopped = status("pg3");
        for (String node : NODES) {
            assertEquals("STOPPED", ClusterHarness.node(stopped, node).pgState(), node + " after stop: " + stopped);
            assertFalse(Files.exists(data(node).resolve("postmaster.pid")), node + "'s PostgreSQL still runs after"
                    + " 'cluster stop --all'");
            assertEquals(List.of(), postgresProcesses(node), node + "'s postgres processes after the stop");
            assertFalse(host(node).hasAddress(WRITER_VIP), node + " still holds the writer VIP after the stop");
        }
        requireAgentsAlive(); // the agents stay, so that 'cluster start' from any host brings PostgreSQL back
        long starting = System.nanoTime();
        LabHost.Output start = type("pg2", "", "cluster", "start", "--all", "--config", config("pg2").toString());
        assertEquals(0, start.exitCode(), "pgpacer cluster start --all: " + start);
        ClusterStatus restarted = awaitHealthy("pg2");
        double startSeconds = (System.nanoTime() - starting) / 1e9;
        assertEquals(List.of(primary), restarted.masters(), "the recorded primary resumes");
        assertEquals(timeline, ClusterHarness.node(restarted, primary).timeline(), "the same timeline: nobody was"
                + " promoted");
        assertTrue(host(primary).hasAddress(WRITER_VIP), "the writer VIP is back on " + primary);
        LabHost.Output kept = psql(CLIENT, WRITER_VIP, "SELECT note FROM workflow WHERE id = 1");
        assertEquals("through the writer VIP", kept.stdout().strip(), "the row after the restart: " + kept);

        // Starting an unknown node changes nothing: no host's files, not the cluster's configuration.
        Map<String, String> running = etcFiles();
        long epoch = status("pg1").configEpoch();
        LabHost.Output unknown = type("pg1", "", "cluster", "start", "pg9", "--config", config("pg1").toString());
        assertRefused(unknown, "unknown data node pg9");
        assertEquals(running, etcFiles(), "starting an unknown node changed nothing on any host");
        ClusterStatus after = status("pg1");
        assertEquals(epoch, after.configEpoch(), "the cluster's configuration epoch after the refused start");
        assertTrue(ClusterHarness.healthy(after) && after.masters().equals(List.of(primary)), after.toString());

        for (String node : NODES) {
            String agentLog = Files.readString(log(node));
            assertFalse(agentLog.contains(PASSPHRASE), "the passphrase in " + node + "'s log");
            assertFalse(agentLog.contains(Files.readString(etc(node).resolve("api-token")).strip()),
                    "the API token in " + node + "'s log");
        }
        System.out.println("HostWorkflowIT: pgpacer status on pg2:\n" + type("pg2", "", "status", "--config",
                config("pg2").toString()).stdout());
        System.out.println("HostWorkflowIT: cluster stop --all printed:\n" + stop.stdout());
        System.out.println("HostWorkflowIT: cluster start --all printed:\n" + start.stdout());
        System.out.printf("HostWorkflowIT figures: .deb %d bytes, tarball %d bytes; first 'host secret' to healthy"
                + " %.1f s (the two refusals in it included; 'cluster setup --deliver' to healthy %.1f s); 'cluster stop"
                + " --all' %.1f s; 'cluster start --all' to healthy %.1f s; setup naming an unreachable host refused in"
                + " %.1f s%n", Files.size(DEB), Files.size(TARBALL), installToHealthy, setupToHealthy, stopSeconds,
                startSeconds, nobodySeconds);
    }

    private String[] auth() {
        return new String[] {"host", "auth", "--stdin", "--etc", etc("pg1").toString(), address("pg1"),
            address("pg2"), address("pg3")};
    }

    private String[] setup(String... extraNodes) {
        List<String> args = new ArrayList<>(List.of("cluster", "setup", "--name", "pgcluster", "--deliver",
                "--writer-vip", WRITER_VIP + "/" + NetLab.PREFIX_LENGTH, "--nic", LabHost.NIC,
                "--pg-hba", "host all postgres " + lab.host(CLIENT).address() + "/32 trust",
                "--data-dir", lab.workDir().resolve("{node}").resolve("data").toString(),
                "--state-dir", lab.workDir().resolve("{node}").resolve("agent").toString(),
                "--etc", etc("pg1").toString()));
        for (String node : NODES) {
            args.add(node + "=" + address(node));
        }
        args.addAll(List.of(extraNodes));
        return args.toArray(String[]::new);
    }

    /** {@code pgpacer ARGS} typed on {@code host}, from the unpacked tarball. */
    private LabHost.Output type(String host, String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of(pgpacer.toString()));
        command.addAll(List.of(args));
        long started = System.nanoTime();
        LabHost.Output output = lab.host(host).run(COMMAND, stdin, command);
        // Status probes repeat; the trace shows the commands a DBA types once, and what each cost.
        if (!args[0].equals("status")) {
            System.out.printf("HostWorkflowIT: +%.1f s %s$ pgpacer %s  (%.1f s, exit %d)%n",
                    (started - installed) / 1e9, host, String.join(" ", args), (System.nanoTime() - started) / 1e9,
                    output.exitCode());
        }
        return output;
    }

    private LabHost.Output psql(String host, String server, String sql) {
        return lab.host(host).run(COMMAND, "", List.of("psql", "-h", server, "-p", "5432", "-U", "postgres", "-d",
                "postgres", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql));
    }

    /** {@code pgpacer status --json} typed on {@code host}, read as the typed status. */
    private ClusterStatus status(String host) {
        LabHost.Output status = type(host, "", "status", "--json", "--config", config(host).toString());
        if (status.exitCode() != 0) {
            throw new IllegalStateException("pgpacer status on " + host + ": " + status);
        }
        try {
            return CibJson.mapper().readValue(status.stdout(), ClusterStatus.class);
        } catch (IOException e) {
            throw new UncheckedIOException("pgpacer status --json on " + host + " printed no status: "
                    + status.stdout(), e);
        }
    }

    private ClusterStatus awaitHealthy(String host) {
        return Eventually.await("'pgpacer status' on " + host + " showing one primary and two streaming standbys",
                HEALTHY, () -> {
                    requireAgentsAlive();
                    LockSupport.parkNanos(PROBE_PACE.toNanos());
                    return status(host);
                }, s -> ClusterHarness.healthy(s) && s.nodes().stream().filter(n -> !n.witness())
                        .map(NodeStatus::name).toList().equals(NODES));
    }

    private void requireAgentsAlive() {
        agents.forEach((node, agent) -> {
            if (!agent.isAlive()) {
                throw new IllegalStateException(node + "'s agent exited with status " + agent.exitValue()
                        + " (log " + log(node) + ")");
            }
        });
    }

    // Whether the host's agent accepts TCP connections on its address's port 8008, asked from inside the host.
    private boolean listening(String node) {
        requireAgentsAlive();
        return lab.host(node).run(Duration.ofSeconds(10), "bash", "-c", "exec 3<>/dev/tcp/" + address(node)
                + "/8008").succeeded();
    }

    // The processes in the host whose program is PostgreSQL's server (the postmaster and its children).
    private List<Long> postgresProcesses(String node) {
        return host(node).pids().stream().filter(pid -> {
            try {
                return Files.readString(Path.of("/proc", pid.toString(), "comm")).strip().equals("postgres");
            } catch (IOException gone) {
                return false;
            }
        }).toList();
    }

    private static void assertRefused(LabHost.Output run, String sentence) {
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.stderr().contains(sentence), "expected '" + sentence + "' in: " + run);
        assertEquals(1, run.stderr().strip().lines().count(), "one sentence: " + run);
        assertFalse(run.stderr().contains("Exception") || run.stderr().contains(PASSPHRASE), run.toString());
        System.out.println("HostWorkflowIT: refused: " + run.stderr().strip());
    }

    /** Every file in every host's etc dir, with its content: what a refused command must leave alone. */
    private Map<String, String> etcFiles() throws IOException {
        Map<String, String> files = new TreeMap<>();
        for (String node : NODES) {
            try (Stream<Path> list = Files.list(etc(node))) {
                for (Path file : list.filter(Files::isRegularFile).toList()) {
                    files.put(file.toString(), Files.readString(file));
                }
            }
        }
        return files;
    }

    private LabHost host(String node) {
        return lab.host(node);
    }

    private String address(String node) {
        return lab.host(node).address();
    }

    private Path etc(String node) {
        return lab.workDir().resolve(node).resolve("etc");
    }

    private Path config(String node) {
        return etc(node).resolve("pgpacer.yaml");
    }

    private Path data(String node) {
        return lab.workDir().resolve(node).resolve("data");
    }

    private Path log(String node) {
        return lab.workDir().resolve(node + ".log");
    }
}
