package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.api.ApiClient;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Workload;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A planned restart of an agent (a package upgrade, issue 14 point 5) on 3 real nodes in sync mode with a write
 * workload: {@code pgpacer node restart-agent NODE} on the sync standby ends its agent with status 75 and leaves its
 * PostgreSQL running (the same postmaster), which the next agent adopts, while the primary commits on; on the primary
 * it switches over first, losing nothing. The primary's own agent refuses a restart that would leave a primary without
 * an agent. The test plays systemd's part: when an agent exits with status 75 it starts it again.
 */
class PlannedAgentRestartTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @Test
    void aStandbyKeepsItsPostgresqlAcrossTheRestartAndThePrimaryHandsOverFirst() throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start("planned-restart", 3,
                "timings: {bootstrap-wait: 20s}\nreplication: {mode: sync, sync-timeout: 3s}\n")) {
            try {
                ClusterStatus healthy = cluster.awaitSyncHealthy(CONVERGE);
                String primary = ClusterHarness.primary(healthy);
                // The sync standby: every commit waits for it, so its PostgreSQL must not blink.
                String standby = cluster.recordedSyncStandbys().get(0);

                ApiClient.ApiException refused = assertThrows(ApiClient.ApiException.class,
                        () -> cluster.apiOf(primary).call("POST", "/agent/restart"));
                assertEquals(409, refused.status(), refused.getMessage());
                assertTrue(refused.getMessage().contains(primary + " is the primary"), refused.getMessage());
                assertNotNull(cluster.cluster().agent(primary), "a refused restart leaves the primary's agent running");

                try (Workload workload = new Workload(cluster.pgPorts())) {
                    workload.start(primary);
                    Eventually.await("writes on " + primary, CONVERGE, () -> workload.acknowledgedBy(primary) > 0);
                    long standbyPostmaster = postmasterOf(cluster, standby);
                    long from = System.nanoTime();
                    ClusterHarness.CliRun run = restartLikeSystemd(cluster, standby);
                    long to = System.nanoTime();
                    assertEquals(0, run.exitCode(), run.toString());
                    assertTrue(run.out().contains("PostgreSQL kept running (postmaster " + standbyPostmaster + ")"),
                            run.out());
                    long standbyGap = workload.longestGapBetween(from, to) / 1_000_000;
                    assertEquals(standbyPostmaster, postmasterOf(cluster, standby),
                            "the new agent adopted the postmaster the old one left running");

                    long switchFrom = System.nanoTime();
                    ClusterHarness.CliRun primaryRun = restartLikeSystemd(cluster, primary);
                    long switchTo = System.nanoTime();
                    assertEquals(0, primaryRun.exitCode(), primaryRun.toString());
                    assertTrue(primaryRun.out().contains("switching over first"), primaryRun.out());
                    assertTrue(primaryRun.out().contains("PostgreSQL kept running"), primaryRun.out());
                    long primaryGap = workload.longestGapBetween(switchFrom, switchTo) / 1_000_000;
                    ClusterStatus after = cluster.awaitSyncHealthy(CONVERGE);
                    assertNotEquals(primary, ClusterHarness.primary(after), "the primary role moved before the restart");

                    workload.stop();
                    Workload.Verdict verdict = workload.verdict(ClusterHarness.primary(after), 1);
                    System.out.printf("planned agent restarts (sync): sync standby %s: longest write gap %d ms, postmaster %d"
                            + " kept; primary %s: switchover gap %d ms; %s%n", standby, standbyGap, standbyPostmaster,
                            primary, primaryGap, verdict);
                    assertEquals(List.of(), verdict.lost(), "a planned restart must lose no acknowledged write");
                    assertEquals(List.of(), verdict.overlaps(), "no two nodes may accept writes at overlapping times");
                    // Generous: a standby's restart must not interrupt the primary at all; only a hang reaches 1 s.
                    assertTrue(standbyGap < 1_000, "the primary stopped committing for " + standbyGap
                            + " ms while a standby's agent restarted");
                }
            } catch (AssertionError | Exception e) {
                cluster.keepData();
                throw e;
            }
        }
    }

    private static long postmasterOf(ClusterHarness cluster, String node) {
        return cluster.api().cib().path("reports").path(node).path("postmasterPid").asLong();
    }

    /** Runs the command as an operator would and plays systemd: an agent that exits with status 75 starts again. */
    private static ClusterHarness.CliRun restartLikeSystemd(ClusterHarness cluster, String node) throws Exception {
        Process agent = cluster.cluster().agent(node);
        assertNotNull(agent, node + "'s agent runs");
        CompletableFuture<ClusterHarness.CliRun> run = CompletableFuture.supplyAsync(
                () -> cluster.cli("node", "restart-agent", node));
        if (!agent.waitFor(CONVERGE.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError(node + "'s agent did not end for its restart within " + CONVERGE.toSeconds()
                    + " s; the command so far: " + (run.isDone() ? run.get() : "still running") + "\n"
                    + cluster.logTails());
        }
        assertEquals(75, agent.exitValue(), node + "'s agent exit status after a planned restart\n" + cluster.logTails());
        cluster.cluster().start(node);
        return run.get(CONVERGE.toSeconds() * 2, TimeUnit.SECONDS);
    }
}
