package io.pgpacer.bench;

import io.pgpacer.testkit.lab.LabCluster;
import io.pgpacer.testkit.lab.LabHost;
import io.pgpacer.testkit.lab.VipWorkload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * No false failovers under pressure (issue 18 point 2): a healthy 3-host cluster of the network-namespace lab with
 * default timings and a client writing through the writer VIP, held for MINUTES under pressure on every host: CPU
 * (stress-ng, two CPU hogs per core), disk I/O (stress-ng's hdd and io stressors in the lab's directory, beside the data
 * directories), memory (stress-ng's vm stressor, 1 GiB touched over and over), and network jitter (netem on every
 * host's link: each packet delayed by 0 to JITTER ms, so one round trip by up to twice that). The agents run with the
 * shipped small heap (48 MB). Counts the failovers (promotions in the history), the fencings (the agents' 'fencing:'
 * lines) and the failed actions, and the client's longest write gap; exits 1 when any failover or fencing happened.
 * Needs root, like the lab tests, and stress-ng. Run by bench/pressure-soak; not part of the test suite.
 *
 * <p>Arguments: {@code [MINUTES [JITTER_MS [async|sync]]]}, default 30, 200, async; JITTER_MS 0 adds no jitter (a
 * kernel without netem cannot delay packets).
 */
public final class PressureSoak {
    private static final Duration BOOTSTRAP = Duration.ofSeconds(180);
    private static final Duration REPORT_EVERY = Duration.ofSeconds(30);

    private PressureSoak() {
    }

    public static void main(String[] args) throws Exception {
        int minutes = args.length > 0 ? positive(args[0], "MINUTES") : 30;
        int jitterMillis = args.length > 1 ? atLeastZero(args[1], "JITTER_MS") : 200;
        boolean sync = args.length > 2 && args[2].equals("sync");
        if (args.length > 2 && !sync && !args[2].equals("async")) {
            throw new IllegalArgumentException("the mode must be async or sync; got '" + args[2] + "'");
        }
        int cores = Runtime.getRuntime().availableProcessors();
        try (LabCluster cluster = LabCluster.start("pressure", 3, false,
                sync ? "replication: {mode: sync, sync-timeout: 3s}\n" : "")) {
            cluster.awaitHealthy(BOOTSTRAP);
            String primary = cluster.awaitWritablePrimary(Duration.ofSeconds(60));
            VipWorkload writer = cluster.startWriter("pressure");
            int promotionsBefore = cluster.promotions();
            Map<String, Long> logOffsets = new LinkedHashMap<>();
            for (String node : cluster.dataNodes()) {
                logOffsets.put(node, Files.size(cluster.log(node)));
            }
            List<Process> stressors = new ArrayList<>();
            long start = System.nanoTime();
            try {
                for (String node : jitterMillis == 0 ? List.<String>of() : cluster.dataNodes()) {
                    jitter(cluster.host(node), jitterMillis);
                }
                // why in the primary's namespace: the cores, the disk and the memory are the machine's, so every host
                // feels them; the primary's stalls are the ones that would fail it over.
                stressors.add(cluster.host(primary).start(cluster.dir().resolve("stress-ng.log"), List.of(
                        "stress-ng", "--cpu", String.valueOf(2 * cores), "--io", "1", "--hdd", "1",
                        "--hdd-bytes", "256M", "--vm", "1", "--vm-bytes", "1G", "--temp-path",
                        cluster.dir().toString(), "--timeout", minutes + "m", "--metrics-brief")));
                System.out.printf("pressure soak: %d min on %s (primary %s), %d cores, jitter 0-%d ms per packet"
                        + " (0: none),"
                        + " stress-ng --cpu %d --io 1 --hdd 1 --vm 1 (1 GiB); load before %s%n", minutes,
                        sync ? "sync" : "async", primary, cores, jitterMillis, 2 * cores, load());
                long end = start + Duration.ofMinutes(minutes).toNanos();
                while (System.nanoTime() < end) {
                    // why a sleep: the soak is this waiting; the figures are read at the end
                    Thread.sleep(Math.min(REPORT_EVERY.toMillis(), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                    System.out.printf("  %4d s: load %s, promotions %d, fencings %d, acknowledged writes %d%n",
                            (System.nanoTime() - start) / 1_000_000_000, load(),
                            cluster.promotions() - promotionsBefore, fencings(cluster, logOffsets).size(),
                            writer.acks().size());
                }
            } finally {
                for (Process stressor : stressors) {
                    stressor.destroy();
                    stressor.waitFor();
                }
                for (String node : jitterMillis == 0 ? List.<String>of() : cluster.dataNodes()) {
                    cluster.host(node).run(Duration.ofSeconds(10), "",
                            List.of("tc", "qdisc", "del", "dev", LabHost.NIC, "root"));
                }
            }
            long stop = System.nanoTime();
            writer.stop();
            int failovers = cluster.promotions() - promotionsBefore;
            List<String> fencings = fencings(cluster, logOffsets);
            System.out.printf("%nresult: %d min, %d failovers, %d fencings, %d failed actions, %d acknowledged writes,"
                    + " longest write gap %d ms; load after %s%n", minutes, failovers, fencings.size(),
                    cluster.api().cib().path("failedActions").size(), writer.acks().size(),
                    writer.longestGapBetween(start, stop) / 1_000_000, load());
            fencings.forEach(line -> System.out.println("  " + line));
            if (failovers > 0 || !fencings.isEmpty()) {
                System.exit(1);
            }
        }
    }

    private static int positive(String value, String name) {
        int parsed = atLeastZero(value, name);
        if (parsed == 0) {
            throw new IllegalArgumentException(name + " must be a whole number above 0, such as 30; got '" + value + "'");
        }
        return parsed;
    }

    private static int atLeastZero(String value, String name) {
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a whole number, such as 30; got '" + value + "'");
    }

    // netem's delay with an equal jitter: each packet waits between 0 and jitterMillis (uniformly).
    private static void jitter(LabHost host, int jitterMillis) {
        String half = jitterMillis / 2 + "ms";
        LabHost.Output out = host.run(Duration.ofSeconds(10), "",
                List.of("tc", "qdisc", "add", "dev", LabHost.NIC, "root", "netem", "delay", half, half));
        if (out.exitCode() != 0) {
            throw new IllegalStateException("tc could not add netem on " + host.name() + " (" + out.stderr().strip()
                    + "); a kernel without netem (CONFIG_NET_SCH_NETEM) cannot delay packets: run with JITTER_MS 0"
                    + " for the other pressures, e.g. bench/pressure-soak 30 0");
        }
    }

    // The lines saying an agent fenced, written since the soak began.
    private static List<String> fencings(LabCluster cluster, Map<String, Long> logOffsets) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, Long> node : logOffsets.entrySet()) {
            byte[] log = Files.readAllBytes(cluster.log(node.getKey()));
            String added = new String(log, (int) Math.min(node.getValue(), log.length),
                    (int) Math.max(0, log.length - node.getValue()), StandardCharsets.UTF_8);
            added.lines().filter(line -> line.contains("fencing:"))
                    .forEach(line -> lines.add(node.getKey() + ": " + line));
        }
        return lines;
    }

    private static String load() {
        try {
            return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3));
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
