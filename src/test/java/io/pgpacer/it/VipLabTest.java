package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.os.ProgramRunner;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.KeepClusterOnFailure;
import io.pgpacer.testkit.Workload;
import io.pgpacer.testkit.lab.LabCluster;
import io.pgpacer.testkit.lab.LabFault;
import io.pgpacer.testkit.lab.LabScenario;
import io.pgpacer.testkit.lab.LabScenario.Outcome;
import io.pgpacer.testkit.lab.VipWorkload;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The writer VIP in the network-namespace lab: 3 data hosts and a client host, default timings, in
 * asynchronous ({@link AsyncVipLabTest}) and synchronous ({@link SyncVipLabTest}) replication. A client in its
 * own host writes through the VIP only, as an application would; a second
 * one writes to every node's own address, to see any node that takes writes after the VIP left it; a watch
 * reads every host's addresses every few milliseconds. Given a healthy cluster, when the primary changes
 * (switchover, kill -9 of its postmaster, kill -9 of its agent, a frozen host, its host isolated by iptables
 * DROP or REJECT, a flapping partition of its host), then the VIP follows the primary, no two nodes take writes
 * at overlapping times, the cluster converges again with the old primary as a standby, and the write
 * unavailability is printed; when only its replication links are cut (synchronous mode), it stays primary and keeps
 * taking writes.
 * Steps run in order on one cluster, each from a converged cluster; each prints its figures before it asserts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(KeepClusterOnFailure.class)
abstract class VipLabTest {
    private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
    private static final Duration CONVERGE = LabScenario.CONVERGE;
    private static final Duration RESTART_TIMEOUT = Duration.ofSeconds(60);
    /** The status a planned agent restart ends with ({@code AgentCommand.RESTART_REQUESTED}, package-private). */
    private static final int AGENT_RESTART_STATUS = 75;

    private LabCluster cluster;

    /** Whether the cluster replicates synchronously: then no acknowledged write may be lost either (S2). */
    abstract boolean sync();

    @BeforeAll
    void startCluster() throws Exception {
        cluster = LabCluster.start(sync() ? "vip-sync" : "vip", 3, false,
                sync() ? "replication: {mode: sync, sync-timeout: 3s}\n" : "");
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void afterBootstrapTheVipIsOnThePrimaryAloneAndTheClientWritesThroughIt() throws Exception {
        String primary = ClusterHarness.primary(cluster.awaitHealthy(BOOTSTRAP));
        cluster.awaitVipOn(primary);
        // The watch reads the kernel's routing tables; iproute2 must agree.
        for (String node : cluster.dataNodes()) {
            String addresses = cluster.host(node).run(Duration.ofSeconds(10), "ip", "-j", "addr", "show", "dev", "eth0")
                    .output();
            assertEquals(node.equals(primary), addresses.contains("\"local\":\"" + LabCluster.WRITER_VIP + "\""),
                    node + "'s addresses: " + addresses);
        }
        int promotions = cluster.promotions();
        VipWorkload writer = cluster.startWriter("vip_bootstrap");
        Eventually.await("20 writes acknowledged by " + primary + " through the VIP", CONVERGE,
                () -> writer.acks().stream().filter(a -> a.node().equals(primary)).count() >= 20);
        Workload.Verdict verdict = cluster.verdict(writer, primary, promotions);
        System.out.println("VIP after bootstrap on " + primary + ": " + verdict);
        assertEquals(List.of(), verdict.lost());
        assertEquals(List.of(), verdict.overlaps());
        assertTrue(writer.acks().stream().allMatch(a -> a.node().equals(primary)), "every ack from " + primary);
    }

    @Test
    @Order(2)
    void aSwitchoverMovesTheVipWithThePrimaryAndLosesNothing() throws Exception {
        LabScenario s = LabScenario.begin(cluster, "vip_switchover");
        String target = LabFault.SWITCHOVER.run(s);
        cluster.awaitVipOn(target);
        Outcome o = s.end(target);
        // A switchover loses no acknowledged write in either mode.
        s.assertSafe("switchover " + s.old() + " -> " + target, o, true);
    }

    @Test
    @Order(3)
    void aKilledPostmasterMovesTheVipToTheNewPrimary() throws Exception {
        LabScenario s = LabScenario.begin(cluster, "vip_postmaster_kill");
        String promoted = LabFault.POSTMASTER_KILL.run(s);
        cluster.awaitVipOn(promoted);
        Outcome o = s.end(promoted);
        // Asynchronous replication: a write acknowledged just before the kill may be lost; it is printed.
        s.assertSafe("postmaster kill on " + s.old(), o, sync());
    }

    // The steps below (an agent kill, a freeze, isolations) are tests of VipLabEveryFault's: the synchronous suite
    // runs them all; the asynchronous one runs them in bench/soak only, since their failover path is the same.

    void killedAgentLeavesItsVipButNoWritesThere() throws Exception {
        LabScenario s = LabScenario.begin(cluster, "vip_agent_kill");
        String promoted = s.awaitFailoverAfter(() -> cluster.kill9Agent(s.old()));
        s.awaitVipAlsoOn(promoted);
        List<String> whileDead = cluster.vipHolders();
        // As systemd would: the agent comes back, finds it is not the primary and drops what it left behind.
        long restartedAt = System.nanoTime();
        cluster.startAgent(s.old());
        cluster.awaitVipOn(promoted);
        long droppedAfterRestart = (System.nanoTime() - restartedAt) / 1_000_000;
        s.awaitOldFollowing(promoted);
        System.out.printf("agent kill: VIP holders while %s's agent was dead: %s; %s dropped it %d ms after its"
                + " agent was started again%n", s.old(), whileDead, s.old(), droppedAfterRestart);
        Outcome o = s.end(promoted);
        // A dead agent cannot remove its address: until it restarts, the VIP is on its host too, whose PostgreSQL
        // died with the agent. That is all the overlap there may be.
        List<String> expected = List.of(s.old(), promoted).stream().sorted().toList();
        assertAll("agent kill on " + s.old(),
                () -> {
                    if (sync()) {
                        o.assertNothingLost();
                    }
                },
                () -> o.assertOneWriterAtATime(),
                () -> assertTrue(s.watch().overlaps().stream().allMatch(overlap -> overlap.holders().equals(expected)
                        && overlap.toNanos() > restartedAt), "only the dead agent's host may keep the VIP beside the"
                        + " new primary, until the agent restarts: " + s.timeline()));
    }

    void frozenPrimaryLosesItsVipAndFencesOnThaw() throws Exception {
        LabScenario s = LabScenario.begin(cluster, "vip_freeze");
        long thawedAt;
        String promoted;
        try {
            promoted = s.awaitFailoverAfter(() -> cluster.freeze(s.old()));
            s.awaitVipAlsoOn(promoted);
        } finally {
            thawedAt = System.nanoTime();
            cluster.thaw(s.old());
        }
        // On thaw the old primary's lease keeper finds the lease long gone: it stops PostgreSQL, then the VIP.
        AssertionError vipKept = null;
        try {
            cluster.awaitVipOn(promoted);
        } catch (AssertionError e) {
            vipKept = new AssertionError("after thaw, " + s.old() + " kept the VIP beside " + promoted + " for more"
                    + " than " + LabCluster.VIP_MOVE.toSeconds() + " s: " + s.timeline(), e);
        }
        long droppedAfterThaw = (System.nanoTime() - thawedAt) / 1_000_000;
        AssertionError notRejoined = null;
        long rejoinedAfterThaw = -1;
        if (vipKept == null) {
            try {
                s.awaitOldFollowing(promoted);
                rejoinedAfterThaw = (System.nanoTime() - thawedAt) / 1_000_000;
            } catch (AssertionError e) {
                notRejoined = e;
            }
        }
        List<String> fencing = fencingEvents(s.old());
        System.out.printf("freeze: %s %s the VIP %d ms after thaw, rejoined as a standby %d ms after thaw;"
                + " its fencing: %s%n", s.old(), vipKept == null ? "dropped" : "still held", droppedAfterThaw,
                rejoinedAfterThaw, fencing);
        Outcome o = s.end(promoted);
        AssertionError vipFailure = vipKept;
        AssertionError rejoinFailure = notRejoined;
        List<String> expected = List.of(s.old(), promoted).stream().sorted().toList();
        assertAll("freeze of " + s.old(),
                () -> {
                    if (sync()) {
                        o.assertNothingLost();
                    }
                },
                // Asynchronous: on thaw, the old primary's backends resume together with its agent and may acknowledge
                // writes on connections made straight to its own address for the few milliseconds fencing takes
                // (seen: up to ~100 ms). Through the VIP nothing reaches it any more; synchronous mode closes the
                // gap, since no standby acknowledges its commits then. Printed above, asserted for sync only.
                () -> {
                    if (sync()) {
                        o.assertOneWriterAtATime();
                    }
                },
                () -> assertEquals(List.of(), o.viaVip().overlaps(), "through the VIP, no two nodes may take writes"),
                () -> {
                    if (vipFailure != null) {
                        throw vipFailure;
                    }
                },
                () -> {
                    if (rejoinFailure != null) {
                        throw rejoinFailure;
                    }
                },
                () -> assertTrue(!fencing.isEmpty(), s.old() + " should have fenced itself on thaw"),
                () -> assertTrue(s.watch().overlaps().stream().allMatch(overlap -> overlap.holders().equals(expected)
                        && overlap.toNanos() > thawedAt), "only the frozen host may keep the VIP beside the new"
                        + " primary, until it thaws: " + s.timeline()));
    }

    // Isolated, the primary cannot renew its lease: it must drop the VIP and stop PostgreSQL on its own, before
    // the majority promotes another node; healed, it rejoins as a standby (rewound if its WAL diverged).
    void isolatedPrimary(LabFault fault, String name) throws Exception {
        Instant since = Instant.now();
        LabScenario s = LabScenario.begin(cluster, name);
        String promoted = fault.run(s);
        cluster.awaitVipOn(promoted);
        List<String> fencing = events(s.old(), since, text -> text.startsWith("fencing"));
        List<String> rejoin = events(s.old(), since, text -> text.startsWith("rejoined") || text.contains("pg_rewind"));
        System.out.printf("%s: %s's fencing: %s; its rejoin: %s%n", fault.label(), s.old(), fencing, rejoin);
        Outcome o = s.end(promoted);
        s.assertSafe(fault.label() + " of " + s.old(), o, sync(),
                () -> assertTrue(!fencing.isEmpty(), s.old() + " should have fenced itself while cut off"));
    }

    @Test
    @Order(8)
    void aFlappingPartitionOfThePrimaryNeverMakesTwoWritersAndSettlesOnOnePrimary() throws Exception {
        Instant since = Instant.now();
        LabScenario s = LabScenario.begin(cluster, "vip_flapping");
        String primary = LabFault.FLAPPING.run(s);
        cluster.awaitVipOn(primary);
        int promotions = s.promotionsSinceBegin();
        List<String> fencing = events(s.old(), since, text -> text.startsWith("fencing"));
        System.out.printf("flapping: %d cuts of %d s, each followed by a heal, of %s; %d promotion(s), final primary"
                + " %s; %s's fencing: %s%n", LabFault.FLAP_CYCLES, LabFault.FLAP_PERIOD.toSeconds(), s.old(),
                promotions, primary, s.old(), fencing);
        Outcome o = s.end(primary);
        s.assertSafe("flapping partition of " + s.old(), o, sync());
    }

    // Run in synchronous replication only (SyncVipLabTest), where the primary must also fall back to asynchronous
    // commits to keep taking writes; asynchronously, a cut link changes nothing on the primary.
    void replicationCutKeepsThePrimary() throws Exception {
        Instant since = Instant.now();
        LabScenario s = LabScenario.begin(cluster, "vip_replication_cut");
        String primary = LabFault.REPLICATION_CUT.run(s);
        int promotions = s.promotionsSinceBegin();
        cluster.awaitVipOn(primary);
        List<String> replication = events(primary, since, text -> text.contains("sync") || text.startsWith("fencing"));
        System.out.printf("replication link cut: %s stayed primary with %d promotion(s); its replication events: %s%n",
                s.old(), promotions, replication);
        Outcome o = s.end(primary);
        // No failover, so nothing may be lost in either mode: asynchronous commits stay on the one primary.
        s.assertSafe("replication link cut of " + s.old(), o, true,
                () -> assertEquals(s.old(), primary, "the primary keeps its lease: Raft and the API still reach it"),
                () -> assertEquals(0, promotions, "no promotion while only replication is cut"));
    }

    // Run in synchronous replication (SyncVipLabTest): the rolling upgrade of issue 14 point 5. Every agent is
    // restarted in turn with 'pgpacer node restart-agent', standbys first, typed on the client host as an operator
    // would, while the client writes through the VIP; the lab plays systemd and starts an agent again when it exits
    // with status 75 (Restart=on-failure). A standby's PostgreSQL keeps running across its agent's restart, so the
    // primary commits on; the primary's restart begins with a switchover, one short gap.
    void rollingAgentRestartKeepsTheWritesFlowing() throws Exception {
        LabScenario s = LabScenario.begin(cluster, "vip_rolling_restart");
        List<String> order = new ArrayList<>(cluster.dataNodes().stream().filter(n -> !n.equals(s.old())).toList());
        order.add(s.old());
        List<String> figures = new ArrayList<>();
        s.inject(() -> { });
        for (String node : order) {
            long from = System.nanoTime();
            String printed = restartAgentLikeSystemd(node);
            long gap = s.writer().longestGapBetween(from, System.nanoTime()) / 1_000_000;
            figures.add(node + (node.equals(s.old()) ? " (primary)" : "") + ": longest write gap through the VIP "
                    + gap + " ms; " + printed.strip());
        }
        String primary = ClusterHarness.primary(cluster.awaitHealthy(CONVERGE));
        cluster.awaitVipOn(primary);
        Outcome o = s.end(primary);
        // Printed, not asserted: the number of promotions (one, the switchover, is the rule) and the standbys' write
        // gaps (about 110 ms seen; PlannedAgentRestartTest asserts the sync standby's on loopback). Rehearsals at load
        // averages of 16-22 on 2 cores saw a restarted agent's store member set off an election that outlasted the
        // primary's lease: a failover and gaps of 5-8 s, every safety check holding (issue 18, no false failovers
        // under CPU pressure).
        System.out.println("rolling agent restart, " + (sync() ? "sync" : "async") + ": " + s.promotionsSinceBegin()
                + " promotion(s); " + figures);
        s.assertSafe("rolling agent restart", o, true,
                () -> assertNotEquals(s.old(), primary, "the primary's restart hands the primary role over first"));
    }

    // 'pgpacer node restart-agent NODE' on the client host; returns what it printed once it succeeded.
    private String restartAgentLikeSystemd(String node) throws Exception {
        Process agent = cluster.agent(node);
        assertNotNull(agent, node + "'s agent runs");
        CompletableFuture<ProgramRunner.Result> command = CompletableFuture.supplyAsync(() -> cluster.client().run(
                RESTART_TIMEOUT, LabCluster.cliCommand(cluster.config(), "node", "restart-agent", node)));
        if (!agent.waitFor(RESTART_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError(node + "'s agent did not end for its restart within " + RESTART_TIMEOUT
                    .toSeconds() + " s; the command: " + (command.isDone() ? command.get() : "still running") + "\n"
                    + cluster.logTails());
        }
        assertEquals(AGENT_RESTART_STATUS, agent.exitValue(), node + "'s agent exit status after a planned restart\n"
                + cluster.logTails());
        cluster.startAgent(node);
        ProgramRunner.Result result = command.get(RESTART_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
        assertEquals(0, result.exitCode(), "pgpacer node restart-agent " + node + ": " + result.output());
        assertTrue(result.output().contains("PostgreSQL kept running"), result.output());
        return result.output();
    }

    /** The texts of {@code node}'s events since {@code since} that {@code wanted} accepts. */
    private List<String> events(String node, Instant since, Predicate<String> wanted) {
        List<String> texts = new ArrayList<>();
        cluster.apiOf(node).call("GET", "/events").forEach(e -> {
            String text = e.path("text").asText();
            if (wanted.test(text) && Instant.parse(e.path("at").asText()).isAfter(since)) {
                texts.add(text);
            }
        });
        return texts;
    }

    private List<String> fencingEvents(String node) {
        return events(node, Instant.EPOCH, text -> text.startsWith("fencing"));
    }
}
