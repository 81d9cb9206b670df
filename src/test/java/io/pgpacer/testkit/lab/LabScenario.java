package io.pgpacer.testkit.lab;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Workload;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.function.Executable;

/**
 * One fault on the primary of a {@link LabCluster}, under a client writing through the writer VIP, a client
 * writing at every data node's own address (it sees a node that takes writes after the VIP left it) and a
 * {@link VipWatch}. {@link #begin} waits for a healthy cluster with the VIP on its primary and writes on both
 * paths; {@link #end} stops the clients and the watch, checks the writes with the {@link Workload} checker and
 * prints the figures. Used by the lab tests and the lab benchmark.
 */
public final class LabScenario {
    /** How long the cluster has to converge: one primary, every standby streaming from it. */
    public static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final Duration BOOTSTRAP = Duration.ofSeconds(120);

    private final LabCluster cluster;
    private final String name;
    private final String old;
    private final int promotionsBefore;
    private final VipWorkload writer;
    private final VipWorkload nodeWriters;
    private final VipWatch watch;
    private long faultAt;

    /** What the writers saw. */
    public record Outcome(Workload.Verdict viaVip, Workload.Verdict direct, String lateAcks, long unavailableMillis) {
        public void assertNothingLost() {
            assertEquals(List.of(), viaVip.lost(), "no write acknowledged through the VIP may be lost");
            assertEquals(List.of(), direct.lost(), "no write acknowledged at a node may be lost");
        }

        public void assertOneWriterAtATime() {
            assertEquals(List.of(), direct.overlaps(), "S1: no two nodes may take writes at overlapping times, but at"
                    + " the nodes' own addresses" + lateAcks);
        }
    }

    private LabScenario(LabCluster cluster, String name, String old, VipWorkload writer, VipWorkload nodeWriters) {
        this.cluster = cluster;
        this.name = name;
        this.old = old;
        this.promotionsBefore = cluster.promotions();
        this.writer = writer;
        this.nodeWriters = nodeWriters;
        this.watch = cluster.watchVip();
    }

    /** Given a healthy cluster with no fail-counts and the VIP on the primary, clients writing into {@code name}. */
    public static LabScenario begin(LabCluster cluster, String name) {
        // why retried: a scenario may be the first thing a freshly started cluster is asked (a single test run).
        Eventually.await("the cleanup of fail-counts accepted", BOOTSTRAP, () -> cluster.api().cleanup(null),
                answer -> true);
        String primary = ClusterHarness.primary(cluster.awaitHealthy(CONVERGE));
        cluster.awaitVipOn(primary);
        VipWorkload writer = cluster.startWriter(name);
        VipWorkload nodeWriters = cluster.startNodeWriters(name + "_nodes");
        LabScenario scenario = new LabScenario(cluster, name, primary, writer, nodeWriters);
        Eventually.await("writes acknowledged by " + primary + " through the VIP and at its own address",
                CONVERGE, () -> writer.acks().stream().filter(a -> a.node().equals(primary)).count() >= 10
                        && nodeWriters.acks().stream().filter(a -> a.node().equals(primary)).count() >= 10);
        return scenario;
    }

    public LabCluster cluster() {
        return cluster;
    }

    /** The primary when the scenario began. */
    public String old() {
        return old;
    }

    public VipWatch watch() {
        return watch;
    }

    /** The client that writes through the VIP. */
    public VipWorkload writer() {
        return writer;
    }

    /** How many promotions the timeline history gained since {@link #begin}. */
    public int promotionsSinceBegin() {
        return cluster.promotions() - promotionsBefore;
    }

    /** When the fault was injected ({@link System#nanoTime()}). */
    public long faultAt() {
        return faultAt;
    }

    /** Notes the time and injects the fault. */
    public void inject(Runnable fault) {
        faultAt = System.nanoTime();
        fault.run();
    }

    /** Injects the fault and returns the new primary once it took writes through the VIP. */
    public String awaitFailoverAfter(Runnable fault) {
        inject(fault);
        String promoted = ClusterHarness.primary(cluster.awaitStatus("a primary other than " + old, CONVERGE,
                st -> ClusterHarness.primary(st) != null && !old.equals(ClusterHarness.primary(st))));
        awaitWritesOn(promoted);
        return promoted;
    }

    /**
     * Asserts what every fault must keep: no two nodes took writes at overlapping times and the VIP was never on
     * two hosts (S1); with {@code noLoss}, no acknowledged write was lost (S2); and the {@code more} checks.
     */
    public void assertSafe(String heading, Outcome o, boolean noLoss, Executable... more) {
        List<Executable> checks = new ArrayList<>();
        if (noLoss) {
            checks.add(o::assertNothingLost);
        }
        checks.add(o::assertOneWriterAtATime);
        checks.add(this::assertVipNeverOnTwoHosts);
        checks.addAll(List.of(more));
        assertAll(heading, checks);
    }

    public void assertVipNeverOnTwoHosts() {
        assertEquals(List.of(), watch.overlaps(), "the VIP was on two hosts at once: " + timeline());
    }

    /** Waits until {@code node} acknowledged a write through the VIP after the fault. */
    public void awaitWritesOn(String node) {
        try {
            Eventually.await("writes acknowledged by " + node + " through the VIP", CONVERGE,
                    () -> writer.firstAckBy(node, faultAt) > 0);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nwriter errors: " + tail(writer.errors()) + "\nVIP: "
                    + timeline(), e);
        }
    }

    /** The VIP reached {@code node}; the old primary's host may still hold it too. */
    public void awaitVipAlsoOn(String node) {
        Eventually.await("the VIP on " + node, LabCluster.VIP_MOVE, () -> cluster.vipHolders().contains(node));
    }

    /** Healthy again, the old primary streaming from {@code primary}. */
    public void awaitOldFollowing(String primary) {
        cluster.awaitStatus(old + " back as a standby of " + primary, CONVERGE,
                st -> ClusterHarness.healthy(st) && primary.equals(ClusterHarness.primary(st)));
    }

    /** The VIP's holders since the fault, as text. */
    public String timeline() {
        return watch.timeline(faultAt);
    }

    /**
     * Stops the writers and the watch, checks the writes against {@code finalPrimary} and prints the figures.
     * The write unavailability is the longest time without an acknowledged write through the VIP from the fault
     * until now.
     */
    public Outcome end(String finalPrimary) throws SQLException {
        watch.close();
        long endedAt = System.nanoTime();
        long backOn = writer.firstAckBy(finalPrimary, faultAt);
        Workload.Verdict viaVip = cluster.verdict(writer, finalPrimary, promotionsBefore);
        long unavailable = Workload.longestGapBetween(writer.acks(), faultAt, endedAt) / 1_000_000;
        long withoutWrites = Workload.timeWithoutWrites(writer.acks(), faultAt, endedAt, GAP) / 1_000_000;
        Outcome o = new Outcome(viaVip, cluster.verdict(nodeWriters, finalPrimary, promotionsBefore),
                lateAcks(nodeWriters.acks(), finalPrimary), unavailable);
        System.out.printf("%s: %s -> %s, write unavailability through the VIP %d ms (first write on %s %d ms"
                + " after the fault; %d ms without writes in all, counting gaps over %d ms); through the VIP: %s;"
                + " at the nodes' own addresses: %s%s; VIP: %s; VIP writer errors: %s%n", name, old, finalPrimary,
                unavailable, finalPrimary, (backOn - faultAt) / 1_000_000, withoutWrites, GAP.toMillis(), o.viaVip(),
                o.direct(), o.lateAcks(), timeline(), tail(writer.errors()));
        return o;
    }

    /** Gaps between writes shorter than this are the writers' own pace, not unavailability. */
    private static final Duration GAP = Duration.ofMillis(200);

    // Writes that another node acknowledged after the final primary had started to take writes.
    private String lateAcks(List<Workload.Ack> acks, String finalPrimary) {
        long taking = Workload.firstAckBy(acks, finalPrimary, faultAt);
        List<Workload.Ack> late = acks.stream()
                .filter(a -> !a.node().equals(finalPrimary) && taking > 0 && a.ackNanos() > taking).toList();
        if (late.isEmpty()) {
            return "";
        }
        return String.format(" (%s acknowledged %d writes %s from %d to %d ms after %s took its first write)",
                late.get(0).node(), late.size(), late.stream().map(Workload.Ack::id).toList(),
                (late.get(0).ackNanos() - taking) / 1_000_000,
                (late.get(late.size() - 1).ackNanos() - taking) / 1_000_000, finalPrimary);
    }

    /** The last lines of {@code lines}, for messages. */
    public static List<String> tail(List<String> lines) {
        return lines.subList(Math.max(0, lines.size() - 8), lines.size());
    }
}
