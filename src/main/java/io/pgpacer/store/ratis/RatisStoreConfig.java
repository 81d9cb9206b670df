package io.pgpacer.store.ratis;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where one member of the store lives and how fast it reacts: the Raft group is named after the cluster,
 * its members after the cluster's nodes.
 *
 * @param self this member's name; must be one of {@code peers}
 * @param peers every member (including this one) by name, with the address its Raft port listens on
 * @param storageDir this member's Raft log and snapshots; reused on restart, created when missing
 * @param electionTimeoutMin a follower that hears no leader for a random time between min and max starts
 *     an election; the leader sends heartbeats every {@code min / 2}
 * @param snapshotThreshold applied commands between two snapshots; the log before a snapshot is purged
 * @param repairCommand the command an operator runs on this host to set damaged storage aside and rejoin
 *     ({@code pgpacer store rejoin --config FILE --node NAME}), named whenever the member finds its storage damaged
 */
public record RatisStoreConfig(
        String clusterName,
        String self,
        Map<String, InetSocketAddress> peers,
        Path storageDir,
        Duration electionTimeoutMin,
        Duration electionTimeoutMax,
        long snapshotThreshold,
        String repairCommand) {

    /** Suits a LAN or loopback: a dead leader is replaced in about a second. */
    public static final Duration DEFAULT_ELECTION_TIMEOUT_MIN = Duration.ofMillis(300);
    public static final Duration DEFAULT_ELECTION_TIMEOUT_MAX = Duration.ofMillis(600);
    /** At roughly 1 KB per command, a snapshot every 1000 commands keeps about 1 MB of log. */
    public static final long DEFAULT_SNAPSHOT_THRESHOLD = 1000;

    public RatisStoreConfig {
        requireText(clusterName, "clusterName");
        requireText(self, "self");
        Objects.requireNonNull(peers, "peers");
        Objects.requireNonNull(storageDir, "storageDir");
        Objects.requireNonNull(electionTimeoutMin, "electionTimeoutMin");
        Objects.requireNonNull(electionTimeoutMax, "electionTimeoutMax");
        requireText(repairCommand, "repairCommand");
        peers = Collections.unmodifiableMap(new LinkedHashMap<>(peers));
        if (!peers.containsKey(self)) {
            throw new IllegalArgumentException("store member '" + self + "' is not among the store peers "
                    + peers.keySet() + "; add it to the peer list");
        }
        peers.forEach((name, address) -> {
            requireText(name, "peer name");
            if (address == null || address.getPort() <= 0) {
                throw new IllegalArgumentException("store peer '" + name + "' has no Raft port (" + address + ")");
            }
        });
        if (electionTimeoutMin.toMillis() < 50) {
            throw new IllegalArgumentException("store election timeout min (" + electionTimeoutMin.toMillis()
                    + " ms) must be at least 50 ms");
        }
        if (electionTimeoutMax.compareTo(electionTimeoutMin) <= 0) {
            throw new IllegalArgumentException("store election timeout max (" + electionTimeoutMax.toMillis()
                    + " ms) must exceed min (" + electionTimeoutMin.toMillis() + " ms)");
        }
        if (snapshotThreshold < 1) {
            throw new IllegalArgumentException("store snapshot threshold (" + snapshotThreshold
                    + ") must be at least 1 command");
        }
    }

    /** A member whose repair is named as the agent's {@code pgpacer store rejoin} with an unknown configuration. */
    public RatisStoreConfig(String clusterName, String self, Map<String, InetSocketAddress> peers, Path storageDir,
            Duration electionTimeoutMin, Duration electionTimeoutMax, long snapshotThreshold) {
        this(clusterName, self, peers, storageDir, electionTimeoutMin, electionTimeoutMax, snapshotThreshold,
                "pgpacer store rejoin --config FILE --node " + self);
    }

    /** The same member, naming {@code command} as its repair. */
    public RatisStoreConfig withRepairCommand(String command) {
        return new RatisStoreConfig(clusterName, self, peers, storageDir, electionTimeoutMin, electionTimeoutMax,
                snapshotThreshold, command);
    }

    /**
     * The file that records that this member once joined the store, next to (not inside) its storage directory, so
     * that losing the storage directory does not lose the record too.
     */
    public Path memberMarker() {
        Path name = storageDir.getFileName();
        return storageDir.resolveSibling((name == null ? "raft" : name.toString()) + ".member");
    }

    /** A member with the default timing and snapshot threshold. */
    public static RatisStoreConfig of(String clusterName, String self, Map<String, InetSocketAddress> peers,
            Path storageDir) {
        return new RatisStoreConfig(clusterName, self, peers, storageDir, DEFAULT_ELECTION_TIMEOUT_MIN,
                DEFAULT_ELECTION_TIMEOUT_MAX, DEFAULT_SNAPSHOT_THRESHOLD);
    }

    public InetSocketAddress selfAddress() {
        return peers.get(self);
    }

    private static void requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("store " + what + " must not be empty");
        }
    }
}
