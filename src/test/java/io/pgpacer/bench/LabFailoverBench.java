package io.pgpacer.bench;

import io.pgpacer.testkit.lab.LabCluster;
import io.pgpacer.testkit.lab.LabFault;
import io.pgpacer.testkit.lab.LabScenario;
import io.pgpacer.testkit.lab.VipWatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fault × mode table of the network-namespace lab: on a 3-host cluster with default timings and a client
 * writing through the writer VIP, each fault on the primary ({@link LabFault}) N times, in asynchronous and
 * in synchronous replication, and for each the write unavailability through the VIP (median, max),
 * acknowledged writes lost (through the VIP, and at the nodes' own addresses), overlapping primaries (two
 * nodes that took writes at overlapping times, by the workload checker) and the time the VIP was on two hosts.
 * Needs root, like the lab tests. Run by bench/lab-failover; not part of the test suite.
 *
 * <p>Arguments: {@code [N [FAULT,...]]}, N rounds (default 3), the faults by their enum names (default: all). With
 * {@code LAB_KEEP} set in the environment, the agents' logs and data stay under {@code target/it} for reading.
 */
public final class LabFailoverBench {
    private static final Duration BOOTSTRAP = Duration.ofSeconds(180);
    private static final Map<String, String> MODES = new LinkedHashMap<>();

    static {
        MODES.put("async", "");
        MODES.put("sync", "replication: {mode: sync, sync-timeout: 3s}\n");
    }

    private LabFailoverBench() {
    }

    /** What one round measured; {@code failure} is null when the round completed. */
    private record Round(long unavailableMillis, int lostViaVip, int lostDirect, int overlaps, long vipOnTwoMillis,
            String failure) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        List<LabFault> faults = args.length > 1
                ? Arrays.stream(args[1].split(",")).map(f -> LabFault.valueOf(f.strip().toUpperCase(Locale.ROOT)))
                        .toList()
                : List.of(LabFault.values());
        Map<String, Map<LabFault, List<Round>>> results = new LinkedHashMap<>();
        for (Map.Entry<String, String> mode : MODES.entrySet()) {
            Map<LabFault, List<Round>> byFault = new EnumMap<>(LabFault.class);
            results.put(mode.getKey(), byFault);
            try (LabCluster cluster = LabCluster.start("bench-" + mode.getKey(), 3, false, mode.getValue())) {
                if (System.getenv("LAB_KEEP") != null) {
                    cluster.keepData();
                }
                cluster.awaitHealthy(BOOTSTRAP);
                for (int i = 1; i <= rounds; i++) {
                    for (LabFault fault : faults) {
                        Round round = round(cluster, fault, "bench_" + fault.name().toLowerCase(Locale.ROOT) + "_" + i);
                        byFault.computeIfAbsent(fault, f -> new ArrayList<>()).add(round);
                        System.out.printf("%s, %s, round %d: %s%n", mode.getKey(), fault.label(), i, round);
                    }
                }
            }
        }
        System.out.println();
        System.out.println("fault                  mode   rounds  median ms  max ms  lost VIP/direct  overlapping"
                + "  VIP on 2 hosts ms  failed");
        results.forEach((mode, byFault) -> byFault.forEach((fault, list) -> System.out.println(row(fault, mode, list))));
        System.out.println("(write unavailability: the longest time without an acknowledged write through the VIP"
                + " from the fault until the cluster converged again; VIP on 2 hosts: the most in one round, seen by"
                + " a watch every " + VipWatch.INTERVAL.toMillis() + " ms — after an agent kill or a freeze the dead"
                + " or frozen host keeps its address until its agent runs again)");
    }

    private static Round round(LabCluster cluster, LabFault fault, String table) {
        try {
            LabScenario s = LabScenario.begin(cluster, table);
            String primary = fault.run(s);
            cluster.awaitVipOn(primary);
            LabScenario.Outcome o = s.end(primary);
            long vipOnTwo = s.watch().overlaps().stream().mapToLong(VipWatch.Overlap::millis).sum();
            return new Round(o.unavailableMillis(), o.viaVip().lost().size(), o.direct().lost().size(),
                    o.direct().overlaps().size() + o.viaVip().overlaps().size(), vipOnTwo, null);
        } catch (AssertionError | Exception e) {
            System.out.println(fault.label() + " failed: " + e);
            cluster.keepData();
            return new Round(0, 0, 0, 0, 0, String.valueOf(e.getMessage()));
        }
    }

    private static String row(LabFault fault, String mode, List<Round> rounds) {
        List<Round> done = rounds.stream().filter(r -> r.failure() == null).toList();
        List<Long> millis = done.stream().map(Round::unavailableMillis).sorted().toList();
        String median = millis.isEmpty() ? "-" : Long.toString(millis.get(millis.size() / 2));
        String max = millis.isEmpty() ? "-" : Long.toString(millis.get(millis.size() - 1));
        return String.format(Locale.ROOT, "%-22s %-6s %6d %10s %7s %9d/%-6d %11d %18d %7d", fault.label(), mode,
                rounds.size(), median, max, done.stream().mapToInt(Round::lostViaVip).sum(),
                done.stream().mapToInt(Round::lostDirect).sum(), done.stream().mapToInt(Round::overlaps).sum(),
                done.stream().mapToLong(Round::vipOnTwoMillis).max().orElse(0), rounds.size() - done.size());
    }
}
