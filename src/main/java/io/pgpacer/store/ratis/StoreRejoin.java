package io.pgpacer.store.ratis;

import io.pgpacer.store.StoreUnavailableException;
import java.io.IOException;
import java.net.BindException;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.server.storage.RaftStorageMetadata;
import org.apache.ratis.util.SizeInBytes;

/**
 * {@code pgpacer store rejoin}: sets a member's Raft storage aside (renamed next to it, never deleted) and prepares
 * new storage from which the member rejoins: the leader then sends it its snapshot and log.
 *
 * <p>Raft's safety rests on a member never voting twice in one term. The new storage therefore starts in the
 * leader's current term with its vote recorded for that leader: every term the member could have voted in before
 * was at most that term (the other members adopt the term of every vote request they see), and a second vote for
 * the leader of the current term changes nothing.
 */
public final class StoreRejoin {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /**
     * What the rejoin did.
     *
     * @param setAside where the old storage now is; null when there was none
     * @param leader the member that leads the store now, whose snapshot and log the member receives
     * @param term the leader's term, in which the new storage starts
     */
    public record Outcome(Path setAside, String leader, long term) {
    }

    private StoreRejoin() {
    }

    /**
     * Prepares this member to rejoin. Refuses, changing nothing, while the member runs (its Raft port is bound or
     * its storage locked) or when no other member leads the store now.
     *
     * @param tls the members' mutual TLS, or null for plain gRPC
     * @throws StoreUnavailableException when no other member leads the store within {@code timeout}
     * @throws IllegalStateException when this member still runs
     * @throws IOException when the storage cannot be moved or created
     */
    public static Outcome rejoin(RatisStoreConfig config, RaftTls tls, java.time.Duration timeout)
            throws IOException {
        refuseWhileRunning(config);
        Leader leader = findLeader(config, tls, timeout);
        Path storage = config.storageDir();
        Path setAside = null;
        if (Files.exists(storage)) {
            setAside = storage.resolveSibling(storage.getFileName() + ".damaged-" + STAMP.format(Instant.now()));
            Files.move(storage, setAside, StandardCopyOption.ATOMIC_MOVE);
        }
        StoragePermissions.createPrivateDirectory(storage);
        Path groupDir = storage.resolve(RatisClusterStore.groupId(config.clusterName()).getUuid().toString());
        try (RaftStorage fresh = RaftStorage.newBuilder().setDirectory(groupDir.toFile())
                .setOption(RaftStorage.StartupOption.FORMAT).setStorageFreeSpaceMin(SizeInBytes.ZERO).build()) {
            fresh.initialize();
            fresh.getMetadataFile().persist(RaftStorageMetadata.valueOf(leader.term(), RaftPeerId.valueOf(leader.id())));
        }
        StoragePermissions.restrict(storage);
        Path marker = config.memberMarker();
        if (!Files.exists(marker)) {
            StoragePermissions.writePrivate(marker, "store member " + config.self() + " rejoined at " + Instant.now()
                    + " from " + leader.id() + " in term " + leader.term() + "\n");
        }
        return new Outcome(setAside, leader.id(), leader.term());
    }

    private record Leader(String id, long term) {
    }

    // Two signs that the member runs, each enough: its Raft port is taken, or Ratis's lock on its storage is held.
    private static void refuseWhileRunning(RatisStoreConfig config) throws IOException {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(config.selfAddress());
        } catch (BindException e) {
            throw new IllegalStateException("the Raft port " + config.selfAddress().getHostString() + ":"
                    + config.selfAddress().getPort() + " of store member " + config.self() + " is in use: stop this"
                    + " host's agent first");
        }
        Path groupDir = config.storageDir().resolve(RatisClusterStore.groupId(config.clusterName()).getUuid()
                .toString());
        Path lock = groupDir.resolve("in_use.lock");
        if (!Files.exists(lock)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            FileLock held = channel.tryLock();
            if (held == null) {
                throw new IllegalStateException("the Raft storage " + groupDir + " is locked by a running store member:"
                        + " stop this host's agent first");
            }
            held.release();
        } catch (OverlappingFileLockException e) {
            throw new IllegalStateException("the Raft storage " + groupDir + " is in use in this process", e);
        }
    }

    // Asks every other member which role it has; the one that leads says its term.
    private static Leader findLeader(RatisStoreConfig config, RaftTls tls, java.time.Duration timeout)
            throws IOException {
        RaftGroupId groupId = RatisClusterStore.groupId(config.clusterName());
        List<RaftPeer> others = new ArrayList<>();
        config.peers().forEach((name, address) -> {
            if (!name.equals(config.self())) {
                others.add(RaftPeer.newBuilder().setId(name).setAddress(address.getHostString().indexOf(':') >= 0
                        ? "[" + address.getHostString() + "]:" + address.getPort()
                        : address.getHostString() + ":" + address.getPort()).build());
            }
        });
        RaftProperties properties = RatisClusterStore.properties(config);
        Parameters parameters = tls == null ? new Parameters() : tls.parameters();
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> answers = new ArrayList<>();
        try (RaftClient client = RaftClient.newBuilder().setClientId(ClientId.randomId())
                .setRaftGroup(RaftGroup.valueOf(groupId, others)).setProperties(properties).setParameters(parameters)
                .setRetryPolicy(RetryPolicies.noRetry()).build()) {
            while (true) {
                answers.clear();
                for (RaftPeer peer : others) {
                    Optional<Leader> found = ask(client, peer, groupId, answers);
                    if (found.isPresent()) {
                        return found.get();
                    }
                }
                if (System.nanoTime() >= deadline) {
                    throw new StoreUnavailableException("no other store member leads the store now (" + String.join(
                            "; ", answers) + "): a member rejoins from the leader, so start the other agents first",
                            null);
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(RatisClusterStore.RETRY_PAUSE.toMillis() * 4);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StoreUnavailableException("interrupted while looking for the store's leader", e);
                }
            }
        }
    }

    private static Optional<Leader> ask(RaftClient client, RaftPeer peer, RaftGroupId groupId, List<String> answers) {
        try {
            GroupInfoReply reply = client.getGroupManagementApi(peer.getId()).info(groupId);
            RaftPeerRole role = reply.getRoleInfoProto().getRole();
            if (role == RaftPeerRole.LEADER) {
                return Optional.of(new Leader(peer.getId().toString(), reply.getRoleInfoProto().getLeaderInfo()
                        .getTerm()));
            }
            answers.add(peer.getId() + " is " + role.name().toLowerCase(java.util.Locale.ROOT));
        } catch (IOException | RuntimeException e) {
            answers.add(peer.getId() + " did not answer (" + StorageDamage.rootMessage(e) + ")");
        }
        return Optional.empty();
    }
}
