package io.pgpacer.store.ratis;

import io.pgpacer.os.FreePorts;
import io.pgpacer.testkit.Eventually;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A Raft group of real store members in this JVM, on 127.0.0.1 with free ports and storage under
 * {@code target/store-it}. Members can be stopped and restarted on the same port and storage; closing the
 * group stops every member and deletes the storage.
 */
final class LocalRatisGroup implements AutoCloseable {

    static final Duration STARTUP = Duration.ofSeconds(10);

    private final String clusterName = "it-" + UUID.randomUUID().toString().substring(0, 8);
    private final Path baseDir;
    private final Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
    private final Map<String, RatisClusterStore> running = Collections.synchronizedMap(new LinkedHashMap<>());
    private final long snapshotThreshold;
    private final Function<String, RaftTls> tls;

    LocalRatisGroup(int size, long snapshotThreshold) {
        this(size, snapshotThreshold, member -> null);
    }

    /** @param tls each member's transport TLS, or null for plain gRPC */
    LocalRatisGroup(int size, long snapshotThreshold, Function<String, RaftTls> tls) {
        this.snapshotThreshold = snapshotThreshold;
        this.tls = tls;
        this.baseDir = Path.of("target", "store-it", clusterName).toAbsolutePath();
        for (int i = 1; i <= size; i++) {
            peers.put("node" + i, new InetSocketAddress("127.0.0.1", FreePorts.next()));
        }
    }

    /** Starts every member. */
    LocalRatisGroup start() {
        try {
            for (String member : peers.keySet()) {
                start(member);
            }
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The configuration {@code member} starts with. */
    RatisStoreConfig config(String member) {
        return new RatisStoreConfig(clusterName, member, peers, baseDir.resolve(member).resolve("raft"),
                RatisStoreConfig.DEFAULT_ELECTION_TIMEOUT_MIN, RatisStoreConfig.DEFAULT_ELECTION_TIMEOUT_MAX,
                snapshotThreshold, "pgpacer store rejoin --config /etc/pgpacer/" + member + ".yml");
    }

    RatisClusterStore start(String member) {
        if (running.containsKey(member)) {
            throw new IllegalStateException(member + " is already running");
        }
        RatisStoreConfig config = config(member);
        try {
            RatisClusterStore store = RatisClusterStore.start(config, tls.apply(member));
            running.put(member, store);
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void stop(String member) {
        RatisClusterStore store = running.remove(member);
        if (store != null) {
            store.close();
        }
    }

    /** Stops every running member at once (each takes about a second to close its log). */
    void stopAll() {
        List<String> members = runningMembers();
        if (members.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(members.size());
        try {
            for (String member : members) {
                pool.execute(() -> {
                    try {
                        stop(member);
                    } catch (RuntimeException e) {
                        System.err.println("stopping " + member + " failed: " + e);
                    }
                });
            }
            pool.shutdown();
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                System.err.println("members still stopping after 30 s: " + runningMembers());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    RatisClusterStore store(String member) {
        RatisClusterStore store = running.get(member);
        if (store == null) {
            throw new IllegalStateException(member + " is not running");
        }
        return store;
    }

    List<String> members() {
        return new ArrayList<>(peers.keySet());
    }

    List<String> runningMembers() {
        synchronized (running) {
            return new ArrayList<>(running.keySet());
        }
    }

    /** Waits until one running member leads and returns its name. */
    String awaitLeader(Duration within) {
        return Eventually.awaitPresent("a leader among " + runningMembers(), within, () -> runningMembers().stream()
                .filter(member -> store(member).isLeader()).findFirst());
    }

    Optional<String> aFollower() {
        return runningMembers().stream().filter(member -> !store(member).isLeader()).findFirst();
    }

    @Override
    public void close() {
        stopAll();
        deleteRecursively(baseDir);
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            System.err.println("cannot delete " + dir + ": " + e);
        }
    }
}
