package io.pgpacer.bench;

import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Workload;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * How pgpacer grows with the number of nodes (issue 18 point 5): for each cluster size, a real loopback cluster with
 * default timings, from its agents' start to healthy (the bootstrap), then left alone (per agent the share of a core
 * and the resident memory, the store's log entries per second), then failed over after a kill -9 of the primary's
 * postmaster and of its agent (ROUNDS each, with a write workload: write unavailability, median and max). Prints
 * one line per size as it ends and a Markdown table at the end. Run by bench/scale.
 *
 * <p>Arguments: {@code [SIZES [ROUNDS [SETTLE_SECONDS [WINDOW_SECONDS]]]]}; SIZES is a comma-separated list of data
 * node counts, each with an optional {@code +W} witnesses (default {@code 3,5,7,2+1}), ROUNDS default 3, the settle
 * before the idle window default 60 s, the window default 60 s.
 */
public final class ScaleBench {

    private static final Duration HEALTHY = Duration.ofSeconds(300);

    private ScaleBench() {
    }

    /** A cluster size: data nodes and witnesses. */
    record Size(int dataNodes, int witnesses) {

        /** Reads {@code 5} or {@code 2+1}: at least 2 data nodes, and 3 members, so that a failover can happen. */
        static Size parse(String text) {
            String[] parts = text.strip().split("\\+");
            Size size;
            try {
                size = new Size(Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                size = null;
            }
            if (parts.length > 2 || size == null || size.dataNodes() < 2 || size.witnesses() < 0
                    || size.dataNodes() + size.witnesses() < 3) {
                throw new IllegalArgumentException("'" + text + "' is not a cluster size that can fail over; give at"
                        + " least 2 data nodes and 3 members in all, such as 5 or 2+1");
            }
            return size;
        }

        @Override
        public String toString() {
            return witnesses == 0 ? Integer.toString(dataNodes) : dataNodes + " + " + witnesses + " witness";
        }
    }

    /** What one size measured. */
    record Result(Size size, double bootstrapSeconds, IdleBench.Footprint idle, List<Long> postmasterKill,
            List<Long> agentKill, Workload.Verdict workload) {
    }

    public static void main(String[] args) throws Exception {
        List<Size> sizes = new ArrayList<>();
        int rounds;
        long settle;
        long window;
        try {
            for (String size : (args.length > 0 ? args[0] : "3,5,7,2+1").split(",")) {
                sizes.add(Size.parse(size));
            }
            rounds = positive(args, 1, "ROUNDS", 3);
            settle = positive(args, 2, "SETTLE", 60);
            window = positive(args, 3, "WINDOW", 60);
        } catch (IllegalArgumentException e) {
            System.err.println("bench/scale: " + e.getMessage() + " (usage: bench/scale [SIZES [ROUNDS [SETTLE"
                    + " [WINDOW]]]], e.g. bench/scale 3,5,7,2+1 3 60 60)");
            System.exit(2);
            return;
        }
        List<Result> results = new ArrayList<>();
        for (Size size : sizes) {
            Result result = measure(size, rounds, settle, window);
            results.add(result);
            System.out.println(line(result));
        }
        System.out.printf(Locale.ROOT, "%n%d cores; idle over %d s after a %d s settle; %d rounds of each fault%n",
                Runtime.getRuntime().availableProcessors(), window, settle, rounds);
        System.out.println("| nodes | bootstrap | idle CPU per agent (leader) | RSS per agent | store entries/s"
                + " | postmaster kill median (max) | agent kill median (max) | writes lost (async) | overlapping"
                + " primaries | load at idle |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        results.forEach(r -> System.out.println(tableRow(r)));
    }

    private static int positive(String[] args, int index, String name, int otherwise) {
        if (args.length <= index) {
            return otherwise;
        }
        try {
            int value = Integer.parseInt(args[index]);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(name + " must be a whole number above 0, such as " + otherwise + "; got '"
                + args[index] + "'");
    }

    private static Result measure(Size size, int rounds, long settle, long window) throws Exception {
        long started = System.nanoTime();
        try (ClusterHarness cluster = ClusterHarness.start("scale", size.dataNodes(), size.witnesses(),
                "timings: {bootstrap-wait: 20s}\n")) {
            ClusterStatus healthy = cluster.awaitHealthy(HEALTHY);
            double bootstrap = (System.nanoTime() - started) / 1e9;
            System.out.printf(Locale.ROOT, "%s: healthy %.1f s after the agents' start (primary %s)%n", size,
                    bootstrap, ClusterHarness.primary(healthy));
            // why a fixed wait: the window must start after the start-up work (JIT, clones, first checkpoints)
            Thread.sleep(settle * 1000);
            IdleBench.Footprint idle = IdleBench.measure(cluster, window);
            Workload workload = new Workload(cluster.pgPorts());
            int promotionsBefore = cluster.promotions();
            workload.start(ClusterHarness.primary(cluster.awaitHealthy(HEALTHY)));
            List<Long> postmasterKill = new ArrayList<>();
            List<Long> agentKill = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                postmasterKill.add(FailoverBench.round(cluster, workload, FailoverBench.Fault.POSTMASTER_KILL));
                agentKill.add(FailoverBench.round(cluster, workload, FailoverBench.Fault.AGENT_KILL));
            }
            workload.stop();
            String primary = ClusterHarness.primary(cluster.awaitHealthy(HEALTHY));
            Workload.Verdict verdict = workload.verdict(primary, cluster.promotions() - promotionsBefore);
            if (!verdict.overlaps().isEmpty()) {
                cluster.keepData(); // the agents' logs say how two nodes came to take writes
                Files.write(cluster.cluster().dir().resolve("acks.txt"), workload.acks().stream()
                        .map(a -> a.ackNanos() + " " + a.node() + " " + a.id()).toList());
            }
            return new Result(size, bootstrap, idle, postmasterKill, agentKill, verdict);
        }
    }

    private static String line(Result r) {
        return String.format(Locale.ROOT, "%s: bootstrap %.1f s; idle %s; postmaster kill %s ms, agent kill %s ms;"
                + " workload: %s", r.size(), r.bootstrapSeconds(), r.idle(), r.postmasterKill(), r.agentKill(),
                r.workload());
    }

    private static String tableRow(Result r) {
        List<IdleBench.Agent> agents = r.idle().agents();
        List<Double> cpu = agents.stream().map(IdleBench.Agent::cpuPercent).sorted().toList();
        double leader = agents.stream().filter(IdleBench.Agent::leader).mapToDouble(IdleBench.Agent::cpuPercent)
                .findFirst().orElse(Double.NaN);
        List<Long> rss = agents.stream().map(IdleBench.Agent::rssMb).sorted().toList();
        return String.format(Locale.ROOT, "| %s | %.1f s | %.1f-%.1f %% (%.1f %%) | %d-%d MB | %.2f | %s | %s | %d of %d"
                + " | %s | %s |",
                r.size(), r.bootstrapSeconds(), cpu.get(0), cpu.get(cpu.size() - 1), leader, rss.get(0),
                rss.get(rss.size() - 1), r.idle().entriesPerSecond(), seconds(r.postmasterKill()),
                seconds(r.agentKill()), r.workload().lost().size(), r.workload().acknowledged(),
                r.workload().overlaps().isEmpty() ? "none" : "SEEN (data kept)", r.idle().load().split(" ")[0]);
    }

    // Median (max) in seconds.
    private static String seconds(List<Long> millis) {
        List<Long> sorted = millis.stream().sorted(Comparator.naturalOrder()).toList();
        return String.format(Locale.ROOT, "%.2f s (%.2f)", sorted.get(sorted.size() / 2) / 1000.0,
                sorted.get(sorted.size() - 1) / 1000.0);
    }
}
