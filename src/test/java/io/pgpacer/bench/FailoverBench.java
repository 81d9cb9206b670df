package io.pgpacer.bench;

import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Workload;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measures, on a real 3-node loopback cluster with a write workload: the write-unavailability after kill -9
 * of the primary's postmaster, of the primary's agent, and a planned switchover (N rounds each, median and max), acknowledged writes
 * lost (async), overlapping primaries, and each agent's idle resident memory and CPU. Run by bench/failover.
 */
public final class FailoverBench {

    private static final Duration CONVERGE = Duration.ofSeconds(90);

    private FailoverBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        try (ClusterHarness cluster = ClusterHarness.start("bench", 3, "timings: {bootstrap-wait: 20s}\n")) {
            ClusterStatus status = cluster.awaitHealthy(Duration.ofSeconds(180));
            idle(cluster);
            Workload workload = new Workload(cluster.pgPorts());
            int promotionsBefore = cluster.promotions();
            workload.start(ClusterHarness.primary(status));
            java.util.Map<Fault, List<Long>> results = new java.util.EnumMap<>(Fault.class);
            for (int i = 0; i < rounds; i++) {
                for (Fault fault : Fault.values()) {
                    results.computeIfAbsent(fault, f -> new ArrayList<>()).add(round(cluster, workload, fault));
                }
            }
            workload.stop();
            String primary = ClusterHarness.primary(cluster.awaitHealthy(CONVERGE));
            Workload.Verdict verdict = workload.verdict(primary, cluster.promotions() - promotionsBefore);
            System.out.println();
            System.out.println("fault              rounds  median ms  max ms   (write unavailability, async mode)");
            results.forEach((fault, millis) -> System.out.println(row(fault.label, millis)));
            System.out.println("workload: " + verdict);
        }
    }

    /** What happens to the primary in a round. */
    enum Fault {
        POSTMASTER_KILL("postmaster kill -9"),
        AGENT_KILL("agent kill -9"),
        SWITCHOVER("switchover");

        final String label;

        Fault(String label) {
            this.label = label;
        }
    }

    // One fault on the current primary; returns ms from the fault to the first write acknowledged by the new one.
    static long round(ClusterHarness cluster, Workload workload, Fault fault) throws IOException {
        ClusterStatus before = cluster.awaitHealthy(CONVERGE);
        String old = ClusterHarness.primary(before);
        boolean killAgent = fault == Fault.AGENT_KILL;
        long faultAt = System.nanoTime();
        switch (fault) {
            case AGENT_KILL -> cluster.cluster().killAgent(old);
            case POSTMASTER_KILL -> ProcessHandle.of(ClusterHarness.node(before, old).postmasterPid())
                    .ifPresent(ProcessHandle::destroyForcibly);
            case SWITCHOVER -> cluster.api().switchover(null, null, null);
        }
        ClusterStatus after = cluster.awaitStatus("a new primary", CONVERGE,
                s -> ClusterHarness.primary(s) != null && !old.equals(ClusterHarness.primary(s)));
        String promoted = ClusterHarness.primary(after);
        long firstAck = Eventually.await("writes on " + promoted, CONVERGE, () -> workload.firstAckBy(promoted, faultAt),
                t -> t > 0);
        if (killAgent) {
            cluster.cluster().start(old);
        }
        cluster.awaitStatus(old + " streaming again", CONVERGE, ClusterHarness::healthy);
        cluster.api().cleanup(null);
        long ms = (firstAck - faultAt) / 1_000_000;
        System.out.printf("%s on %s: writes back on %s after %d ms%n", fault.label, old, promoted, ms);
        return ms;
    }

    // Idle cost of each agent JVM: resident memory, and CPU over 30 s of a healthy, quiet cluster.
    private static void idle(ClusterHarness cluster) throws IOException, InterruptedException {
        Thread.sleep(10_000); // let start-up work (JIT, base backups) settle before measuring idle
        for (IdleBench.Agent agent : IdleBench.measure(cluster, 30).agents()) {
            System.out.printf(Locale.ROOT, "idle agent %s: RSS %d MB, CPU %.2f %% of a core%n", agent.node(),
                    agent.rssMb(), agent.cpuPercent());
        }
    }

    private static String row(String fault, List<Long> millis) {
        List<Long> sorted = millis.stream().sorted().toList();
        return String.format(Locale.ROOT, "%-18s %6d %10d %7d", fault, sorted.size(), sorted.get(sorted.size() / 2),
                sorted.get(sorted.size() - 1));
    }
}
