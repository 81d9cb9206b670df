package io.pgpacer.store.ratis;

import io.pgpacer.testkit.Eventually;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.store.StoreUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A real three-member Ratis group on loopback: compare-and-set, linearizability, faults and restarts. */
class RatisClusterStoreTest {

    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final Duration SHORT = Duration.ofSeconds(1);
    /** The functional bound on a call that cannot succeed: its timeout plus this margin. */
    static final Duration MARGIN = Duration.ofSeconds(2);

    private LocalRatisGroup group;

    @AfterEach
    void stopGroup() {
        if (group != null) {
            group.close();
        }
    }

    @Test
    void compareAndSetLetsExactlyOneDecisionWin() throws Exception {
        group = new LocalRatisGroup(3, RatisStoreConfig.DEFAULT_SNAPSHOT_THRESHOLD).start();
        initialize("node1");
        RatisClusterStore a = group.store("node1");
        RatisClusterStore b = group.store("node2");
        long version = a.read(TIMEOUT).goalsVersion();

        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CompletableFuture<CommandResult> fromA = CompletableFuture.supplyAsync(() -> a.submit(
                    new StoreCommand.AssignGoals(version, Map.of("node1", NodeGoal.primary("test A"))), TIMEOUT), pool);
            CompletableFuture<CommandResult> fromB = CompletableFuture.supplyAsync(() -> b.submit(
                    new StoreCommand.AssignGoals(version, Map.of("node2", NodeGoal.primary("test B"))), TIMEOUT), pool);
            List<CommandResult> results = List.of(fromA.get(), fromB.get());
            assertEquals(1, results.stream().filter(CommandResult::applied).count(), results.toString());
            CommandResult refused = results.stream().filter(r -> !r.applied()).findFirst().orElseThrow();
            assertTrue(refused.message().contains("goals changed meanwhile"), refused.message());
        } finally {
            pool.shutdownNow();
        }

        Cib cib = b.read(TIMEOUT);
        String primary = cib.goalPrimary().orElseThrow();
        String other = primary.equals("node1") ? "node2" : "node1";
        CommandResult notPrimary = group.store(other).submit(new StoreCommand.AcquireLease(other), TIMEOUT);
        assertFalse(notPrimary.applied());
        assertTrue(notPrimary.message().contains("not the assigned primary"), notPrimary.message());

        CommandResult first = a.submit(new StoreCommand.AcquireLease(primary), TIMEOUT);
        assertTrue(first.applied(), first.message());
        assertTrue(b.submit(new StoreCommand.ReleaseLease(primary, first.value()), TIMEOUT).applied());
        CommandResult second = b.submit(new StoreCommand.AcquireLease(primary), TIMEOUT);
        assertTrue(second.applied(), second.message());
        assertTrue(second.value() > first.value(), first.value() + " then " + second.value());
        assertEquals(second.value(), group.store("node3").read(TIMEOUT).lease().generation());
    }

    @Test
    void aSubmittedCommandIsVisibleToAReadOnAnotherMember() {
        group = new LocalRatisGroup(3, RatisStoreConfig.DEFAULT_SNAPSHOT_THRESHOLD).start();
        initialize("node1");
        String leader = group.awaitLeader(TIMEOUT);
        String follower = group.aFollower().orElseThrow();
        // Writer and reader alternate between the leader and a follower.
        List<String[]> pairs = List.of(new String[] {follower, leader}, new String[] {leader, follower},
                new String[] {follower, follower.equals("node2") ? "node3" : "node2"});
        long sequence = 0;
        for (int round = 0; round < 10; round++) {
            for (String[] pair : pairs) {
                sequence++;
                RatisClusterStore writer = group.store(pair[0]);
                CommandResult result = writer.submit(new StoreCommand.ReportStatus(report("node1", sequence)),
                        TIMEOUT);
                assertTrue(result.applied(), result.message());
                Cib seen = group.store(pair[1]).read(TIMEOUT);
                assertEquals(sequence, seen.report("node1").orElseThrow().sequence(),
                        "read on " + pair[1] + " after submit on " + pair[0]);
                assertEquals(sequence, writer.localCopy().report("node1").orElseThrow().sequence(),
                        "the submitting member applied its command before submit returned");
            }
        }
    }

    @Test
    void withoutAMajorityCallsFailWithinTheirTimeoutAndRecoverWhenAMemberReturns() throws Exception {
        group = new LocalRatisGroup(3, RatisStoreConfig.DEFAULT_SNAPSHOT_THRESHOLD).start();
        initialize("node1");
        for (String member : group.members()) {
            assertTrue(group.store("node2").submit(new StoreCommand.ReportStatus(report(member, 1)), TIMEOUT)
                    .applied());
        }
        String leader = group.awaitLeader(TIMEOUT);
        String survivor = group.aFollower().orElseThrow();
        for (String member : group.members()) {
            if (!member.equals(survivor)) {
                group.stop(member);
            }
        }
        RatisClusterStore alone = group.store(survivor);

        StoreUnavailableException submitFailure = assertFailsWithin(SHORT, () -> alone.submit(
                new StoreCommand.ReportStatus(report(survivor, 2)), SHORT));
        assertTrue(submitFailure.getMessage().contains("ReportStatus"), submitFailure.getMessage());
        assertFailsWithin(SHORT, () -> alone.read(SHORT));

        // A burst of calls whose callers give up must neither block later callers nor pile up.
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<CompletableFuture<Void>> burst = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                long sequence = 100 + i;
                burst.add(CompletableFuture.runAsync(() -> assertFailsWithin(Duration.ofMillis(300),
                        () -> alone.submit(new StoreCommand.ReportStatus(report(survivor, sequence)),
                                Duration.ofMillis(300))), pool));
            }
            CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)).get();
        } finally {
            pool.shutdownNow();
        }

        String returning = leader;
        group.start(returning);
        CommandResult result = Eventually.awaitPresent("a write after " + returning
                + " returned", Duration.ofSeconds(15), () -> attempt(() -> alone.submit(new StoreCommand.ReportStatus(report(survivor, 3)),
                        SHORT)));
        assertTrue(result.applied(), result.message());
        Cib cib = group.store(returning).read(TIMEOUT);
        assertTrue(cib.initialized());
        for (String member : group.members()) {
            assertEquals(member.equals(survivor) ? 3 : 1, cib.report(member).orElseThrow().sequence(),
                    member + "'s report from before the outage, and the survivor's from after");
        }
    }

    // Failsafe asks a member whether it reaches the store; a leader left alone may answer reads until it steps down.
    @Test
    void aLeaderWhoseFollowersAreGoneSaysItReachesNoMajority() {
        group = new LocalRatisGroup(3, RatisStoreConfig.DEFAULT_SNAPSHOT_THRESHOLD).start();
        initialize("node1");
        String leader = group.awaitLeader(TIMEOUT);
        RatisClusterStore store = group.store(leader);
        Duration probe = Duration.ofMillis(150);
        Eventually.await("the leader reaching its followers", TIMEOUT, () -> store.reachesMajority(probe));
        long stoppedAt = System.nanoTime();
        for (String member : group.members()) {
            if (!member.equals(leader)) {
                group.stop(member);
            }
        }
        long stopped = System.nanoTime();
        Eventually.await(leader + " saying it reaches no majority", TIMEOUT, () -> !store.reachesMajority(probe));
        System.out.printf("a leader left alone said it reaches no majority %d ms after its followers stopped (%d ms"
                + " after they began to)%n", (System.nanoTime() - stopped) / 1_000_000,
                (System.nanoTime() - stoppedAt) / 1_000_000);
    }

    @Test
    void whenTheLeaderDiesTheSurvivorsElectANewOne() {
        group = new LocalRatisGroup(3, RatisStoreConfig.DEFAULT_SNAPSHOT_THRESHOLD).start();
        initialize("node1");
        String oldLeader = group.awaitLeader(TIMEOUT);
        List<String> survivors = group.members().stream().filter(m -> !m.equals(oldLeader)).toList();
        // The old leader closes in the background (closing its log takes about a second) while the
        // survivors are watched, so the time measured is the election's, not the close's.
        long stopping = System.nanoTime();
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> group.stop(oldLeader));
        String newLeader = Eventually.awaitPresent("a new leader among " + survivors, TIMEOUT, () -> survivors.stream()
                .filter(m -> group.store(m).isLeader()).findFirst());
        long electedMillis = (System.nanoTime() - stopping) / 1_000_000;
        stopped.join();
        System.out.printf("new leader %s ready %d ms after leader %s began to stop%n", newLeader, electedMillis,
                oldLeader);
        assertTrue(electedMillis < 3_000, "election took " + electedMillis + " ms");
        for (String member : group.runningMembers()) {
            CommandResult result = Eventually.awaitPresent("a write through " + member, TIMEOUT, () -> attempt(() -> group
                    .store(member).submit(new StoreCommand.ReportStatus(report("node1", 7)), SHORT)));
            assertTrue(result.applied(), result.message());
            assertEquals(Optional.of(newLeader), group.store(member).leader());
        }
    }

    @Test
    void snapshotsPurgeTheLogCatchUpALateMemberAndSurviveAFullRestart() {
        group = new LocalRatisGroup(3, 20).start();
        initialize("node1");
        // node3 misses everything below: by the time it returns, the log it lacks has been purged.
        group.stop("node3");
        RatisClusterStore writer = group.store("node2");
        for (int i = 1; i <= 300; i++) {
            String node = "node" + (1 + i % 3);
            assertTrue(writer.submit(new StoreCommand.ReportStatus(report(node, i)), TIMEOUT).applied());
        }
        Cib before = writer.read(TIMEOUT);
        assertTrue(before.epoch() > 300, "epoch " + before.epoch());
        for (String member : List.of("node1", "node2")) {
            Path dir = group.store(member).groupDirectory();
            Eventually.await(member + " took a snapshot", TIMEOUT, () -> !files(dir.resolve("sm"), "snapshot.")
                    .isEmpty());
            Eventually.await(member + " purged its log", TIMEOUT, () -> files(dir.resolve("current"), "log_")
                    .size() <= 4);
            assertTrue(files(dir.resolve("current"), "log_").stream().noneMatch(f -> f.startsWith("log_0-")),
                    member + " still has the first log segment: " + files(dir.resolve("current"), "log_"));
        }

        List<Long> lateEpochs = new CopyOnWriteArrayList<>();
        group.start("node3").onApplied(cib -> lateEpochs.add(cib.epoch()));
        Eventually.await("node3 caught up from a snapshot", Duration.ofSeconds(15),
                () -> before.equals(group.store("node3").localCopy()));
        assertTrue(lateEpochs.contains(before.epoch()), "node3's listener saw the installed CIB: " + lateEpochs);

        group.stopAll();
        for (String member : group.members()) {
            group.start(member);
        }
        Cib after = Eventually.awaitPresent("a read after the restart", Duration.ofSeconds(15),
                () -> attempt(() -> group.store("node3").read(SHORT)));
        assertEquals(before, after);
        for (String member : group.members()) {
            Eventually.await(member + "'s local copy after the restart", TIMEOUT,
                    () -> before.equals(group.store(member).localCopy()));
        }
    }

    @Test
    void everyMemberCallsItsListenersForEveryAppliedCommand() {
        group = new LocalRatisGroup(3, RatisStoreConfig.DEFAULT_SNAPSHOT_THRESHOLD).start();
        Map<String, List<Long>> seen = new ConcurrentHashMap<>();
        for (String member : group.members()) {
            List<Long> epochs = new CopyOnWriteArrayList<>();
            seen.put(member, epochs);
            group.store(member).onApplied(cib -> epochs.add(cib.epoch()));
        }
        initialize("node1");
        CommandResult last = null;
        for (int i = 1; i <= 5; i++) {
            last = group.store("node3").submit(new StoreCommand.ReportStatus(report("node3", i)), TIMEOUT);
        }
        long finalEpoch = last.epoch();
        for (String member : group.members()) {
            Eventually.await(member + " told its listener about epoch " + finalEpoch, TIMEOUT,
                    () -> seen.get(member).contains(finalEpoch));
            assertTrue(seen.get(member).containsAll(List.of(1L, 2L, 3L, 4L, 5L, 6L)), member + ": " + seen.get(member));
        }
    }

    // --- helpers ---

    private void initialize(String via) {
        List<NodeSpec> nodes = new ArrayList<>();
        for (String member : group.members()) {
            nodes.add(new NodeSpec(member, "127.0.0.1", 0, 0, 5432, false));
        }
        CommandResult result = group.store(via).submit(
                new StoreCommand.InitializeCluster("it", nodes, ClusterSettings.DEFAULTS), LocalRatisGroup.STARTUP);
        assertTrue(result.applied(), result.message());
    }

    private static NodeReport report(String node, long sequence) {
        return new NodeReport(node, sequence, PgState.STANDBY, 1234, 1, Lsn.parse("0/3000148"), Lsn.parse("0/3000100"),
                null, true, List.of(), "streaming", null, "2024-05-01T10:00:00Z");
    }

    /** The call's result, or empty while the store is unavailable. */
    private static <T> Optional<T> attempt(Supplier<T> call) {
        try {
            return Optional.of(call.get());
        } catch (StoreUnavailableException e) {
            return Optional.empty();
        }
    }

    private static StoreUnavailableException assertFailsWithin(Duration timeout, Runnable call) {
        long start = System.nanoTime();
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class, call::run);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(timeout.plus(MARGIN)) < 0, "took " + took.toMillis() + " ms: " + e.getMessage());
        return e;
    }

    private static List<String> files(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
