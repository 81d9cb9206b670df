package io.pgpacer.bench;

import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The idle footprint of a healthy cluster (issue 18 point 3): per agent, the share of a core it uses (and that of the
 * programs it ran, such as pg_controldata) and its resident memory over a window after a settle, and what the cluster
 * store appends to its log per second. Run by bench/idle-footprint.
 *
 * <p>Arguments: {@code [DATA_NODES [WINDOW_SECONDS [SETTLE_SECONDS]]]}, default 3, 60 and 20.
 */
public final class IdleBench {

    private IdleBench() {
    }

    public static void main(String[] args) throws Exception {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        long window = args.length > 1 ? Long.parseLong(args[1]) : 60;
        long settle = args.length > 2 ? Long.parseLong(args[2]) : 20;
        long bootStarted = System.nanoTime();
        try (ClusterHarness cluster = ClusterHarness.start("idle", nodes, "timings: {bootstrap-wait: 20s}\n")) {
            ClusterStatus healthy = cluster.awaitHealthy(Duration.ofSeconds(300));
            System.out.printf(Locale.ROOT, "%d data nodes healthy %.1f s after the start (primary %s)%n", nodes,
                    (System.nanoTime() - bootStarted) / 1e9, ClusterHarness.primary(healthy));
            // why a fixed wait: the window must start after the start-up work (JIT, clones, first checkpoints)
            Thread.sleep(settle * 1000);
            Footprint footprint = measure(cluster, window);
            System.out.printf(Locale.ROOT, "idle over %d s after a %d s settle, load average %s%n", window, settle,
                    footprint.load());
            // why the children: the programs an agent runs (pg_controldata and the like) are its cost too
            System.out.println("  node   store    CPU/core  +children      RSS  threads");
            for (Agent agent : footprint.agents()) {
                System.out.printf(Locale.ROOT, "  %-6s %-8s %7.2f %% %9.2f %% %7d MB %8d%n", agent.node(),
                        agent.leader() ? "leader" : "", agent.cpuPercent(), agent.childrenPercent(), agent.rssMb(),
                        agent.threads());
            }
            System.out.printf(Locale.ROOT, "store log entries: %.2f per second%n", footprint.entriesPerSecond());
        }
    }

    /** One agent's idle cost over a window: shares of a core (its own, its programs'), resident memory, threads. */
    record Agent(String node, boolean leader, double cpuPercent, double childrenPercent, long rssMb, long threads) {
    }

    /** Every agent's idle cost over a window, the store's log entries per second, and the load at its end. */
    record Footprint(List<Agent> agents, double entriesPerSecond, String load) {
    }

    /** Leaves {@code cluster} alone for {@code window} seconds and measures what its agents cost meanwhile. */
    static Footprint measure(ClusterHarness cluster, long window) throws IOException, InterruptedException {
        List<String> names = cluster.cluster().nodes();
        long[] ticksBefore = new long[names.size()];
        long[] childTicksBefore = new long[names.size()];
        for (int i = 0; i < names.size(); i++) {
            long pid = cluster.cluster().agent(names.get(i)).pid();
            ticksBefore[i] = cpuTicks(pid, OWN);
            childTicksBefore[i] = cpuTicks(pid, CHILDREN);
        }
        String scraped = names.get(0);
        double appliedBefore = metric(cluster, scraped, "pgpacer_raft_applied_index");
        Thread.sleep(window * 1000); // the measurement window itself: the agents are left alone
        double applied = metric(cluster, scraped, "pgpacer_raft_applied_index") - appliedBefore;
        List<Agent> agents = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String node = names.get(i);
            long pid = cluster.cluster().agent(node).pid();
            agents.add(new Agent(node, metric(cluster, node, "pgpacer_raft_is_leader") == 1,
                    (cpuTicks(pid, OWN) - ticksBefore[i]) / 100.0 / window * 100,
                    (cpuTicks(pid, CHILDREN) - childTicksBefore[i]) / 100.0 / window * 100,
                    status(pid, "VmRSS:") / 1024, status(pid, "Threads:")));
        }
        return new Footprint(agents, applied / window, Files.readString(Path.of("/proc/loadavg")).strip());
    }

    private static double metric(ClusterHarness cluster, String node, String name) {
        return cluster.metricsText(node).lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new IllegalStateException(node + "'s /metrics has no " + name));
    }

    // Fields of /proc/PID/stat after the command name: utime and stime, then the same for the children it waited for.
    private static final int OWN = 11;
    private static final int CHILDREN = 13;

    private static long cpuTicks(long pid, int firstField) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[firstField]) + Long.parseLong(f[firstField + 1]); // in clock ticks (100 Hz)
    }

    private static long status(long pid, String field) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith(field)).mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).sum();
    }
}
