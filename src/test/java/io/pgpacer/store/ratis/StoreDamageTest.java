package io.pgpacer.store.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.store.MemberHealth;
import io.pgpacer.store.StoreDamagedException;
import io.pgpacer.store.StoreUnavailableException;
import io.pgpacer.testkit.Eventually;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A member of a real three-member Ratis group whose storage is damaged while it is stopped: it says what is damaged
 * and how to repair it, takes no part in the store, and rejoins from the leader after {@link StoreRejoin}.
 */
class StoreDamageTest {

    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final Duration CATCH_UP = Duration.ofSeconds(20);

    private LocalRatisGroup group;

    @AfterEach
    void stopGroup() {
        if (group != null) {
            group.close();
        }
    }

    @Test
    void aTruncatedLogMakesTheMemberDamagedUntilItRejoins() throws Exception {
        group = new LocalRatisGroup(3, 1000).start();
        write(300);
        Path groupDir = group.store("node3").groupDirectory();
        group.stop("node3");
        truncateLogSegments(groupDir.resolve("current"));
        write(20);

        RatisClusterStore damaged = group.start("node3");
        MemberHealth health = damaged.memberHealth();
        assertTrue(health.damaged(), "a log that ends before its snapshot is damage: " + health);
        assertTrue(health.damage().contains(groupDir.resolve("current").toString()), health.damage());
        assertTrue(health.repair().contains("pgpacer store rejoin --config /etc/pgpacer/node3.yml"), health.repair());
        StoreUnavailableException refused = assertThrows(StoreUnavailableException.class,
                () -> damaged.submit(new StoreCommand.ReportStatus(report("node3", 1)), TIMEOUT));
        assertEquals(health.describe(), refused.getMessage());
        assertThrows(StoreUnavailableException.class, () -> damaged.read(TIMEOUT));
        assertFalse(damaged.isLeader());
        Cib recorded = Eventually.awaitPresent("the damage recorded as a failed action", TIMEOUT,
                () -> group.store("node1").read(TIMEOUT).failedActions().stream()
                        .filter(a -> a.operation().equals(ClusterStatus.STORE_MEMBER_DAMAGED)).findFirst()
                        .map(a -> group.store("node1").localCopy()));
        FailedAction action = recorded.failedActions().stream()
                .filter(a -> a.operation().equals(ClusterStatus.STORE_MEMBER_DAMAGED)).findFirst().orElseThrow();
        assertEquals("node3", action.node());
        assertEquals(health.describe(), action.exitReason());
        write(5);

        group.stop("node3");
        StoreRejoin.Outcome outcome = StoreRejoin.rejoin(group.config("node3"), null, TIMEOUT);
        assertNotNull(outcome.setAside());
        assertTrue(Files.isDirectory(outcome.setAside().resolve(groupDir.getFileName()).resolve("current")),
                "the damaged storage is kept: " + outcome.setAside());
        assertTrue(outcome.term() >= 1, outcome.toString());
        rejoinsAndHoldsTheClustersData();
    }

    @Test
    void garbageInRaftMetaRefusesTheStartNamingTheFileAndTheRepair() throws Exception {
        group = new LocalRatisGroup(3, 1000).start();
        write(10);
        Path groupDir = group.store("node3").groupDirectory();
        group.stop("node3");
        Path meta = groupDir.resolve("current").resolve("raft-meta");
        Files.writeString(meta, "garbage!!\n");

        StoreDamagedException refused = startFailure("node3");
        String message = refused.getMessage();
        assertTrue(message.startsWith("the Raft storage of store member node3 is damaged: " + meta + " cannot be read"),
                message);
        assertTrue(message.contains("run 'pgpacer store rejoin --config /etc/pgpacer/node3.yml' on this host"), message);
        assertFalse(message.contains("\n"), "one sentence: " + message);

        StoreRejoin.rejoin(group.config("node3"), null, TIMEOUT);
        rejoinsAndHoldsTheClustersData();
    }

    @Test
    void aMemberWhoseStorageVanishedIsRefusedUntilItRejoins() throws Exception {
        group = new LocalRatisGroup(3, 1000).start();
        write(10);
        RatisStoreConfig config = group.config("node3");
        group.stop("node3");
        deleteRecursively(config.storageDir());

        StoreDamagedException refused = startFailure("node3");
        assertTrue(refused.getMessage().contains("is missing although this member joined the store before ("
                + config.memberMarker() + ")"), refused.getMessage());
        assertTrue(refused.getMessage().contains("pgpacer store rejoin"), refused.getMessage());
        assertFalse(Files.exists(config.storageDir()), "a refused start leaves no storage behind");

        StoreRejoin.Outcome outcome = StoreRejoin.rejoin(config, null, TIMEOUT);
        assertEquals(null, outcome.setAside(), "there was nothing to set aside");
        rejoinsAndHoldsTheClustersData();
    }

    @Test
    void aMemberWhoseStateVanishedIsRefusedWhenTheOthersKnowIt() throws Exception {
        group = new LocalRatisGroup(3, 1000).start();
        write(10);
        // The store knows node3 once its agent reported.
        assertTrue(group.store("node1").submit(new StoreCommand.ReportStatus(report("node3", 1)), TIMEOUT).applied());
        RatisStoreConfig config = group.config("node3");
        group.stop("node3");
        deleteRecursively(config.storageDir());
        Files.delete(config.memberMarker());

        StoreDamagedException refused = startFailure("node3");
        assertTrue(refused.getMessage().contains("although the other members know it"), refused.getMessage());
    }

    @Test
    void rejoinIsRefusedWhileTheMemberRuns() {
        group = new LocalRatisGroup(3, 1000).start();
        write(1);
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> StoreRejoin.rejoin(group.config("node3"), null, TIMEOUT));
        assertTrue(refused.getMessage().contains("stop this host's agent first"), refused.getMessage());
        assertFalse(group.store("node3").memberHealth().damaged());
    }

    @Test
    void aStartThatCannotBindLeavesNoStorageBehindAndIsNoDamage() throws IOException {
        Path base = Files.createTempDirectory(Path.of("target"), "store-bind-").toAbsolutePath();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            RatisStoreConfig config = RatisStoreConfig.of("bind-test", "node1", java.util.Map.of("node1",
                    new java.net.InetSocketAddress("127.0.0.1", taken.getLocalPort())), base.resolve("raft"));
            IOException refused = assertThrows(IOException.class, () -> RatisClusterStore.start(config));
            assertFalse(refused instanceof StoreDamagedException, refused.toString());
            assertEquals("cannot start store member node1: its Raft address 127.0.0.1:" + taken.getLocalPort()
                    + " cannot be bound (Address already in use); is another agent running on this host, or are this"
                    + " node's 'address' and 'raft-port' wrong?", refused.getMessage());
            assertFalse(Files.exists(config.storageDir()), "no Raft directory left behind by a failed start");
            assertFalse(Files.exists(config.memberMarker()));
        } finally {
            deleteRecursively(base);
        }
    }

    // Ratis writes its files with the process's umask (raft-meta anew at every vote); the 0700 directories keep
    // them from every other user whatever their mode.
    @Test
    void theStorageIsPrivate() throws IOException {
        group = new LocalRatisGroup(3, 1000).start();
        write(1);
        Path storage = group.config("node1").storageDir();
        try (Stream<Path> paths = Files.walk(storage)) {
            for (Path dir : paths.filter(Files::isDirectory).toList()) {
                assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)),
                        dir.toString());
            }
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                group.config("node1").memberMarker())));
    }

    // --- helpers ---

    private void rejoinsAndHoldsTheClustersData() {
        RatisClusterStore rejoined = group.start("node3");
        assertFalse(rejoined.memberHealth().damaged(), rejoined.memberHealth().describe());
        write(3);
        Cib cluster = group.store("node1").read(TIMEOUT);
        Eventually.await("node3 caught up with the cluster's CIB (epoch " + cluster.epoch() + ")", CATCH_UP,
                () -> cluster.equals(rejoined.localCopy()));
        assertEquals(cluster, rejoined.read(TIMEOUT));
    }

    private StoreDamagedException startFailure(String member) {
        UncheckedIOException failed = assertThrows(UncheckedIOException.class, () -> group.start(member));
        return assertInstanceOf(StoreDamagedException.class, failed.getCause());
    }

    private int sequence;

    private void write(int reports) {
        RatisClusterStore writer = group.store(group.awaitLeader(LocalRatisGroup.STARTUP));
        if (!writer.localCopy().initialized()) {
            List<NodeSpec> nodes = new ArrayList<>();
            for (String member : group.members()) {
                nodes.add(new NodeSpec(member, "127.0.0.1", 0, 0, 5432, false));
            }
            CommandResult result = writer.submit(new StoreCommand.InitializeCluster("it", nodes,
                    ClusterSettings.DEFAULTS), LocalRatisGroup.STARTUP);
            assertTrue(result.applied(), result.message());
        }
        for (int i = 0; i < reports; i++) {
            assertTrue(writer.submit(new StoreCommand.ReportStatus(report("node1", ++sequence)), TIMEOUT).applied());
        }
    }

    private static NodeReport report(String node, long sequence) {
        return new NodeReport(node, sequence, PgState.STANDBY, 1234, 1, Lsn.parse("0/3000148"), Lsn.parse("0/3000100"),
                null, true, List.of(), "streaming", null, "2024-05-01T10:00:00Z");
    }

    // Cuts every segment in half, as a crash of the disk under a stopped member might.
    private static void truncateLogSegments(Path current) throws IOException {
        List<Path> segments;
        try (Stream<Path> list = Files.list(current)) {
            segments = list.filter(p -> p.getFileName().toString().startsWith("log_")).toList();
        }
        assertFalse(segments.isEmpty(), "no log segment in " + current);
        for (Path segment : segments) {
            try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
                channel.truncate(channel.size() / 2);
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
