package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Workload;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two data nodes and a witness in sync mode: losing the only standby makes the primary fall back to
 * asynchronous replication after the sync timeout (and return to sync when the standby is back), unless
 * strict mode says commits wait; a failover then still loses no acknowledged commit.
 */
class SyncFallbackTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final long SYNC_TIMEOUT_MILLIS = 3_000;
    /**
     * Writes must resume within the sync timeout plus one monitor interval, plus up to 3 s when the lost node's
     * agent was also the store's leader: the new record then waits for an election and the client's retry.
     */
    private static final Duration RESUME_WITHIN = Duration.ofMillis(SYNC_TIMEOUT_MILLIS).plusSeconds(1 + 3);

    private static ClusterHarness start(String name, boolean strict) throws Exception {
        return ClusterHarness.start(name, 2, 1, "timings: {bootstrap-wait: 20s}\nreplication: {mode: sync, sync-timeout: "
                + SYNC_TIMEOUT_MILLIS + "ms, strict: " + strict + "}\n");
    }

    @Test
    void withoutItsOnlyStandbyThePrimaryFallsBackToAsyncAndReturnsToSync() throws Exception {
        try (ClusterHarness cluster = start("sync-fallback", false)) {
            ClusterStatus healthy = cluster.awaitSyncHealthy(CONVERGE);
            String primary = ClusterHarness.primary(healthy);
            String standby = cluster.recordedSyncStandbys().get(0);
            Workload workload = new Workload(cluster.pgPorts());
            int promotionsBefore = cluster.promotions();
            workload.start(primary);
            Eventually.await("writes on " + primary, CONVERGE, () -> workload.acknowledgedBy(primary) > 10);

            long killedAt = System.nanoTime();
            cluster.cluster().killAgent(standby);
            long resumed = Eventually.await("writes on " + primary + " after the fallback", CONVERGE,
                    () -> workload.firstAckBy(primary, killedAt + Duration.ofMillis(SYNC_TIMEOUT_MILLIS).toNanos()),
                    t -> t > 0);
            long gap = workload.longestGapBetween(killedAt, resumed);
            System.out.printf("only standby lost: writes resumed, longest gap %d ms (sync-timeout %d ms)%n",
                    gap / 1_000_000, SYNC_TIMEOUT_MILLIS);
            assertTrue(gap < RESUME_WITHIN.toNanos(),
                    "writes must resume within " + RESUME_WITHIN.toMillis() + " ms; the gap was " + gap / 1_000_000 + " ms");
            assertEquals(List.of(), cluster.recordedSyncStandbys(), "the record says asynchronous after the fallback");
            assertTrue(cluster.api().status().replication().contains("running ASYNC"),
                    "status shows the fallback: " + cluster.api().status().replication());

            cluster.cluster().start(standby);
            cluster.awaitSyncHealthy(CONVERGE);

            long faultAt = System.nanoTime();
            ProcessHandle.of(ClusterHarness.node(cluster.api().status(), primary).postmasterPid())
                    .ifPresent(ProcessHandle::destroyForcibly);
            cluster.awaitStatus(standby + " promoted", CONVERGE, s -> standby.equals(ClusterHarness.primary(s)));
            Eventually.await("writes on " + standby, CONVERGE, () -> workload.firstAckBy(standby, faultAt) > 0);
            workload.stop();
            Workload.Verdict verdict = workload.verdict(standby, cluster.promotions() - promotionsBefore);
            System.out.println("workload verdict (sync with fallback): " + verdict);
            assertEquals(List.of(), verdict.lost(), "no commit acknowledged while sync was in force may be lost");
            assertEquals(List.of(), verdict.overlaps());
        }
    }

    @Test
    void inStrictModeACommitWaitsUntilAStandbyIsBack() throws Exception {
        try (ClusterHarness cluster = start("sync-strict", true)) {
            ClusterStatus healthy = cluster.awaitSyncHealthy(CONVERGE);
            String primary = ClusterHarness.primary(healthy);
            String standby = cluster.recordedSyncStandbys().get(0);
            cluster.cluster().killAgent(standby);

            CompletableFuture<Void> commit = CompletableFuture.runAsync(() -> {
                try (Connection c = cluster.connectWithoutTimeout(primary); Statement s = c.createStatement()) {
                    s.execute("SET statement_timeout = 0");
                    s.execute("CREATE TABLE strict_check (note text)");
                    s.execute("INSERT INTO strict_check VALUES ('committed while no standby ran')");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Eventually.holdsFor("the commit to keep waiting with no standby", Duration.ofMillis(SYNC_TIMEOUT_MILLIS)
                    .plusSeconds(3), () -> !commit.isDone());
            assertEquals(List.of(standby), cluster.recordedSyncStandbys(), "strict mode never clears the record");

            cluster.cluster().start(standby);
            commit.get(60, TimeUnit.SECONDS);
            cluster.awaitSyncHealthy(CONVERGE);
        }
    }

    @Test
    void withThePrimaryAndItsSyncStandbyGoneNobodyIsPromotedUntilTheOperatorForcesIt() throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start("sync-force", 3, 2, "timings: {bootstrap-wait: 20s}\n"
                + "replication: {mode: sync, sync-timeout: " + SYNC_TIMEOUT_MILLIS + "ms}\n")) {
            ClusterStatus healthy = cluster.awaitSyncHealthy(CONVERGE);
            String primary = ClusterHarness.primary(healthy);
            String sync = cluster.recordedSyncStandbys().get(0);
            String other = healthy.slaves().stream().filter(n -> !n.equals(sync)).findFirst().orElseThrow();
            cluster.cluster().killAgent(primary);
            cluster.cluster().killAgent(sync);

            // The refusal names the command for this cluster's own node, which works as printed.
            ClusterStatus refused = cluster.awaitStatus("the refusal to promote " + other + " in the failed actions",
                    CONVERGE, s -> s.failedActions().stream().anyMatch(a -> a.refusedPromotion()
                            && a.exitReason().contains("no promotion")
                            && a.exitReason().contains(io.pgpacer.core.model.Hint.forcePromote(other))));
            assertEquals(List.of(), refused.masters(), "a standby that may lack acknowledged commits is not promoted");
            assertEquals(io.pgpacer.core.model.Hint.forcePromote(other), refused.noPrimary().fix(), "status says it first");

            int exit = io.pgpacer.cli.Main.commandLine().execute("force-promote", other, "--accept-data-loss",
                    "--note", "test", "--config", cluster.cluster().config().toString());
            assertEquals(0, exit, "force-promote succeeds once nobody holds the lease");
            ClusterStatus forced = cluster.awaitStatus(other + " promoted by force", CONVERGE,
                    s -> other.equals(ClusterHarness.primary(s)));
            assertEquals("forced", forced.lastPromotion().reason());
            cluster.awaitStatus("the refusal withdrawn once " + other + " serves", CONVERGE,
                    s -> s.failedActions().stream().noneMatch(a -> a.refusedPromotion()) && s.noPrimary() == null);
            try (Connection c = cluster.connect(other); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE forced_check (note text)");
            }
        }
    }
}
