package io.pgpacer.cli;

import io.pgpacer.os.FreePorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of agent processes on this machine, every node on 127.0.0.1 with free ports: the demo's
 * cluster, and the integration tests' and benchmarks'. It ends only the processes it started.
 */
public final class LoopbackCluster implements AutoCloseable {

    /**
     * JVM options for an agent: a small heap that gives memory back, the serial collector and the client
     * compiler keep it near 100 MB resident. The launcher (src/packaging/bin/pgpacer, which bin/pgpacer runs) gives
     * 'pgpacer agent' the same options.
     */
    public static final List<String> AGENT_JVM_OPTIONS = List.of("-Xms16m", "-Xmx48m", "-XX:+UseSerialGC",
            "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:TieredStopAtLevel=1", "-Xss512k");

    private final Path dir;
    private final Path config;
    private final List<String> nodes;
    private final Process[] agents;

    private LoopbackCluster(Path dir, Path config, List<String> nodes) {
        this.dir = dir;
        this.config = config;
        this.nodes = List.copyOf(nodes);
        this.agents = new Process[nodes.size()];
    }

    /**
     * Uses the cluster configured in {@code dir}, writing {@code cluster.yaml} first if it is not there.
     *
     * @param extraYaml top-level YAML appended to a new configuration (timings, parameters), may be empty
     */
    public static LoopbackCluster in(Path dir, int nodeCount, String extraYaml) throws IOException {
        return in(dir, nodeCount, 0, extraYaml);
    }

    /**
     * The same with {@code witnessCount} witnesses ({@code witness1}, ...): agents that run no PostgreSQL and
     * only vote, so that a cluster keeps its majority when data nodes go away.
     */
    public static LoopbackCluster in(Path dir, int nodeCount, int witnessCount, String extraYaml) throws IOException {
        Files.createDirectories(dir);
        Path config = dir.resolve("cluster.yaml");
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= nodeCount; i++) {
            names.add("node" + i);
        }
        for (int i = 1; i <= witnessCount; i++) {
            names.add("witness" + i);
        }
        if (!Files.exists(config)) {
            // why 0600 from the start: the file holds the replication password, and only the agents read it.
            Files.createFile(config, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(config, yaml(names, extraYaml), StandardCharsets.UTF_8);
        }
        return new LoopbackCluster(dir, config, names);
    }

    public Path dir() {
        return dir;
    }

    public Path config() {
        return config;
    }

    public List<String> nodes() {
        return nodes;
    }

    public Path log(String node) {
        return dir.resolve(node + ".log");
    }

    public void startAll() throws IOException {
        for (String node : nodes) {
            start(node);
        }
    }

    /** Starts {@code node}'s agent process (its output appended to {@link #log}); no-op if it runs. */
    public synchronized void start(String node) throws IOException {
        int i = nodes.indexOf(node);
        if (agents[i] != null && agents[i].isAlive()) {
            return;
        }
        agents[i] = new ProcessBuilder(agentCommand(config, node)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(node).toFile())).start();
    }

    /**
     * The command line of {@code node}'s agent: this JVM's java with {@link #AGENT_JVM_OPTIONS} and this JVM's
     * class path, so tests that start agents elsewhere (inside a network namespace) start the same agent.
     */
    public static List<String> agentCommand(Path config, String node) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(AGENT_JVM_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "agent",
                "--config", config.toString(), "--node", node));
        return command;
    }

    /** The agent process of {@code node}, if it runs. */
    public synchronized Process agent(String node) {
        Process p = agents[nodes.indexOf(node)];
        return p != null && p.isAlive() ? p : null;
    }

    /** The first agent found dead, as a sentence, or null when all that were started still run. */
    public synchronized String deadAgent() {
        for (int i = 0; i < agents.length; i++) {
            if (agents[i] != null && !agents[i].isAlive()) {
                return nodes.get(i) + "'s agent exited with status " + agents[i].exitValue() + " (log: "
                        + log(nodes.get(i)) + ")";
            }
        }
        return null;
    }

    /** kill -9 of {@code node}'s agent process: it dies without cleaning up, as in a crash. */
    public synchronized void killAgent(String node) {
        Process p = agents[nodes.indexOf(node)];
        if (p != null) {
            p.destroyForcibly();
            awaitExit(p, 10);
            agents[nodes.indexOf(node)] = null;
        }
    }

    /** Stops {@code node}'s agent as an operator would (SIGTERM), which stops its PostgreSQL too. */
    public synchronized void stop(String node) {
        Process p = agents[nodes.indexOf(node)];
        if (p != null) {
            p.destroy();
            if (!awaitExit(p, 30)) {
                p.destroyForcibly();
                awaitExit(p, 10);
            }
            agents[nodes.indexOf(node)] = null;
        }
    }

    private static boolean awaitExit(Process p, int seconds) {
        try {
            return p.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return false;
        }
    }

    /**
     * Stops every agent it started at once (SIGTERM to all, then waits; SIGKILL after 30 s), which stops their
     * PostgreSQL: a full cluster stop. The agents can be started again.
     */
    public synchronized void stopAll() {
        for (Process p : agents) {
            if (p != null) {
                p.destroy();
            }
        }
        for (String node : nodes) {
            stop(node);
        }
    }

    /** Stops every agent it started, as {@link #stopAll()}. */
    @Override
    public synchronized void close() {
        stopAll();
    }

    private static String yaml(List<String> names, String extraYaml) throws IOException {
        StringBuilder yaml = new StringBuilder("""
                # A cluster on loopback, written by pgpacer (demo or tests).
                cluster: loopback
                nodes:
                """);
        for (String name : names) {
            if (name.startsWith("witness")) {
                yaml.append(String.format("  - {name: %s, address: 127.0.0.1, api-port: %d, raft-port: %d, role: witness}%n",
                        name, FreePorts.next(), FreePorts.next()));
            } else {
                yaml.append(String.format("  - {name: %s, address: 127.0.0.1, api-port: %d, raft-port: %d, pg-port: %d}%n",
                        name, FreePorts.next(), FreePorts.next(), FreePorts.next()));
            }
        }
        yaml.append("""
                postgresql:
                  data-dir: "{node}/data"
                  replication-password: loopback-only-password
                state-dir: "{node}/agent"
                """);
        yaml.append(extraYaml);
        return yaml.toString();
    }
}
