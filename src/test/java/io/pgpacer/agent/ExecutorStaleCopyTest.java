package io.pgpacer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.config.Timings;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.Repair;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.timeline.TimelineFork;
import io.pgpacer.os.FreePorts;
import io.pgpacer.postgres.DataDirState;
import io.pgpacer.postgres.PostgresSettings;
import io.pgpacer.postgres.StopMode;
import io.pgpacer.postgres.Upstream;
import io.pgpacer.postgres.local.LocalPostgresInstance;
import io.pgpacer.postgres.local.PostgresBinaries;
import io.pgpacer.store.ClusterStore;
import io.pgpacer.store.ratis.RatisClusterStore;
import io.pgpacer.store.ratis.RatisStoreConfig;
import io.pgpacer.testkit.Eventually;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The executor's decisions when the CIB it was handed (this member's own copy, as the agent passes it) lags behind
 * the store's majority, as it does right after an agent restart (issue 12): a real single-member Ratis store, and
 * real PostgreSQL data promoted to timeline 2.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExecutorStaleCopyTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final Path root = Path.of("target", "executor-it", UUID.randomUUID().toString().substring(0, 8))
            .toAbsolutePath();
    private LocalPostgresInstance pg;
    private Lsn switchpoint;
    private RatisClusterStore store;
    private List<NodeSpec> nodes;

    // n2's data: initdb, started as a standby of an n1 that does not answer, promoted to timeline 2, stopped.
    @BeforeAll
    void promoteN2ToTimelineTwo() {
        int port = FreePorts.next();
        PostgresSettings settings = new PostgresSettings(PostgresBinaries.locate(null).binDir(),
                root.resolve("n2").resolve("data"), root.resolve("n2").resolve("run"), "127.0.0.1", port, "postgres",
                "postgres", null, "replicator", "secret", Map.of("fsync", "off", "max_connections", "20"), List.of(),
                "n2");
        pg = new LocalPostgresInstance(settings, PostgresBinaries.locate(null), TIMEOUT, TIMEOUT);
        pg.initdb();
        pg.configure(null);
        pg.start();
        pg.stop(StopMode.FAST);
        pg.configure(new Upstream("n1", "127.0.0.1", FreePorts.next()));
        pg.start();
        pg.promote();
        pg.stop(StopMode.FAST);
        List<TimelineFork> forks = pg.timelineHistory(2);
        assertEquals(1, forks.size(), forks.toString());
        switchpoint = forks.get(0).switchpoint();
        nodes = List.of(new NodeSpec("n1", "127.0.0.1", FreePorts.next(), FreePorts.next(), FreePorts.next(), false),
                new NodeSpec("n2", "127.0.0.1", FreePorts.next(), FreePorts.next(), port, false));
    }

    @AfterEach
    void stopStore() {
        if (store != null) {
            store.close();
            store = null;
        }
    }

    @AfterAll
    void cleanUp() throws IOException {
        pg.close();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    @Test
    void aPromotionTheLocalCopyHasNotSeenYetIsNoDivergence() {
        // Given n1 the first primary on timeline 1, and n2 promoted to timeline 2 and the promotion confirmed
        startStore();
        long n2Generation = n1ThenN2Promoting();
        Cib localCopy = store.read(TIMEOUT);
        confirm(n2Generation);

        // When n2's restarted agent steps with a copy that has not caught up with the confirmation
        Executor executor = executorOfN2();
        Executor.StepOutcome outcome = executor.step(localCopy, localCopy.goals().get("n2"), pg.observe(),
                pg.inspect());

        // Then n2 is not called diverged: its timeline is the cluster's by the majority's history
        assertNull(outcome.failedOperation(), outcome.text());
        assertTrue(outcome.text().startsWith("acquired the primary lease"), outcome.text());
        assertFalse(executor.holdsDivergedData());
        assertEquals(List.of(), store.read(TIMEOUT).failedActions(), "no DIVERGED failed action is recorded");
    }

    @Test
    void aDivergedVerdictTheSameDataLaterPassesIsWithdrawnAndRealFailuresStay() {
        // Given n2 promoted to timeline 2, its promotion not confirmed yet (the agent was killed in between)
        startStore();
        long n2Generation = n1ThenN2Promoting();
        submit(new StoreCommand.ReportFailure("n2", "monitor", 7, "not running", "t-monitor"));
        Executor executor = executorOfN2();
        Cib before = store.read(TIMEOUT);
        Executor.StepOutcome diverged = executor.step(before, before.goals().get("n2"), pg.observe(), pg.inspect());
        assertTrue(diverged.text().startsWith("DIVERGED:"), diverged.text());
        assertTrue(executor.holdsDivergedData());
        assertEquals(2, store.read(TIMEOUT).failedActions().size(), store.read(TIMEOUT).failedActions().toString());

        // When the promotion is confirmed and n2 checks the same data again
        confirm(n2Generation);
        Cib after = store.read(TIMEOUT);
        Executor.StepOutcome outcome = executor.step(after, after.goals().get("n2"), pg.observe(), pg.inspect());

        // Then the DIVERGED failed action is gone, and the real failure with its fail-count stays
        assertTrue(outcome.text().startsWith("acquired the primary lease"), outcome.text());
        Cib now = store.read(TIMEOUT);
        assertEquals(List.of(new FailedAction("n2", "monitor", 7, "not running", "t-monitor")), now.failedActions());
        assertEquals(1, now.failCount("n2").count());
        assertFalse(executor.holdsDivergedData(), "its report no longer says DIVERGED");
    }

    @Test
    void aRepairWaitsWhenTheMajorityNamesNoPrimaryAlthoughTheLocalCopyDoes() {
        // Given a local copy in which n1 holds the lease, reports PRIMARY, and n2 is asked to repair onto it
        startStore();
        long n1Generation = n1Primary();
        submit(new StoreCommand.ReportStatus(report("n1", PgState.PRIMARY, 1)));
        Repair repair = new Repair(Repair.Kind.REWIND, false, "2026-12-06T23:00:00Z");
        submit(new StoreCommand.RequestRepair("n2", repair));
        Cib localCopy = store.read(TIMEOUT);
        // and by the majority n1 has released the lease since (it is a standby now)
        submit(new StoreCommand.ReleaseLease("n1", n1Generation));
        submit(new StoreCommand.ReportStatus(report("n1", PgState.STANDBY, 2)));

        // When n2 steps with its local copy
        DataDirState data = pg.inspect();
        Executor.StepOutcome outcome = executorOfN2().step(localCopy, localCopy.goals().get("n2"), pg.observe(),
                data);

        // Then it runs no pg_rewind against n1 and counts no failure: it waits for a primary
        assertNull(outcome.failedOperation(), outcome.text());
        assertEquals("waiting for the requested " + repair.describe() + ": no node holds the primary lease now",
                outcome.text());
        assertEquals(data, pg.inspect(), "n2's data directory is untouched");
        assertEquals(List.of(), store.read(TIMEOUT).failedActions());
    }

    private void startStore() {
        RatisStoreConfig config = new RatisStoreConfig("exec-" + UUID.randomUUID().toString().substring(0, 8), "s1",
                Map.of("s1", new InetSocketAddress("127.0.0.1", FreePorts.next())),
                root.resolve("store-" + UUID.randomUUID().toString().substring(0, 8)),
                RatisStoreConfig.DEFAULT_ELECTION_TIMEOUT_MIN, RatisStoreConfig.DEFAULT_ELECTION_TIMEOUT_MAX,
                RatisStoreConfig.DEFAULT_SNAPSHOT_THRESHOLD);
        try {
            store = RatisClusterStore.start(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RatisClusterStore started = store;
        Eventually.await("the single store member to lead", Duration.ofSeconds(30), started::isLeader);
        submit(new StoreCommand.InitializeCluster("pgc", nodes, new ClusterSettings(3, 3000, 3000, 1000)));
    }

    // n1 primary on timeline 1 (recorded), n2 its standby; returns n1's lease generation.
    private long n1Primary() {
        submit(new StoreCommand.AssignGoals(store.read(TIMEOUT).goalsVersion(), Map.of(
                "n1", NodeGoal.primary("initial start"), "n2", NodeGoal.standbyOf("n1", "initial start"))));
        long generation = submit(new StoreCommand.AcquireLease("n1")).value();
        submit(new StoreCommand.RecordPromotion(generation, new PromotionRecord("n1", 0, Lsn.ZERO, 1, "t1",
                "initial start", true)));
        return generation;
    }

    // Then n1 is lost and n2 is made primary and records its promotion to timeline 2; returns n2's generation.
    private long n1ThenN2Promoting() {
        long n1Generation = n1Primary();
        submit(new StoreCommand.ReleaseLease("n1", n1Generation));
        submit(new StoreCommand.AssignGoals(store.read(TIMEOUT).goalsVersion(), Map.of(
                "n2", NodeGoal.primary("failover"), "n1", NodeGoal.standbyOf("n2", "failover"))));
        long generation = submit(new StoreCommand.AcquireLease("n2")).value();
        submit(new StoreCommand.RecordPromotion(generation, new PromotionRecord("n2", 1, switchpoint, 2, "t2",
                "failover", false)));
        return generation;
    }

    private void confirm(long n2Generation) {
        submit(new StoreCommand.ConfirmPromotion("n2", n2Generation, 2, switchpoint));
    }

    private CommandResult submit(StoreCommand command) {
        CommandResult result = store.submit(command, TIMEOUT);
        assertTrue(result.applied(), command + ": " + result.message());
        return result;
    }

    private static NodeReport report(String node, PgState state, long sequence) {
        return new NodeReport(node, sequence, state, 100, 1, Lsn.ZERO, Lsn.ZERO, null, false, List.of(), "test",
                null, "t");
    }

    private Executor executorOfN2() {
        ClusterStore theStore = store;
        LeaseKeeper lease = new LeaseKeeper("n2", theStore, Timings.DEFAULTS, reason -> { }, System::currentTimeMillis);
        return new Executor("n2", theStore, pg, lease, new WriterVip(null), System::currentTimeMillis, () -> { },
                new FailsafePromise(System::currentTimeMillis), () -> { });
    }
}
