package io.pgpacer.store.ratis;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.store.CibJson;
import io.pgpacer.store.ClusterStore;
import io.pgpacer.store.MemberHealth;
import io.pgpacer.store.StoreDamagedException;
import io.pgpacer.store.StoreUnavailableException;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster store on Apache Ratis: this agent's member of the Raft group (gRPC transport, log and
 * snapshots under the configured storage directory) and a client that submits commands and reads the
 * CIB through the group's leader. Every call returns or throws within the timeout its caller gives.
 */
public final class RatisClusterStore implements ClusterStore {

    /** How long one network round trip to another member may take before it is retried elsewhere. */
    static final Duration RPC_TIMEOUT = Duration.ofSeconds(1);
    /** Pause between attempts while the group has no leader or a member is unreachable. */
    static final Duration RETRY_PAUSE = Duration.ofMillis(50);
    /** Store calls that may wait for an answer at once; more fail at once instead of queueing up. */
    static final int IN_FLIGHT_MAX = 32;

    /** How long a member without storage waits for the others to say whether they know it. */
    static final Duration JOINED_CHECK_TIMEOUT = Duration.ofMillis(1500);
    /** How long a stopping leader waits for one other member to take the leadership over. */
    static final Duration LEADERSHIP_TRANSFER_TIMEOUT = Duration.ofSeconds(2);
    /** How long a damaged member tries to record its damage in the store. */
    static final Duration ANNOUNCE_TIMEOUT = Duration.ofSeconds(10);

    private static final long KB = 1024;
    private static final long MB = 1024 * KB;

    private static final Logger LOG = LoggerFactory.getLogger(RatisClusterStore.class);

    private final RatisStoreConfig config;
    private final RaftGroupId groupId;
    private final CibStateMachine stateMachine;
    private final RaftServer server;
    private final RaftServer.Division division;
    private final RaftClient client;
    private final ThreadPoolExecutor calls;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile MemberHealth health = MemberHealth.HEALTHY;

    /**
     * Starts this member: recovers its log and latest snapshot when {@code storageDir} holds them,
     * formats a new store otherwise, and joins the group. Returns without waiting for a leader.
     * Register {@link #onApplied} listeners right after, then read {@link #localCopy()}: commands the
     * member replays from its log may be applied before a listener is registered.
     *
     * @throws StoreDamagedException when the storage is damaged, or missing although the member joined before
     * @throws IOException when the storage cannot be used or the Raft port cannot be bound
     */
    public static RatisClusterStore start(RatisStoreConfig config) throws IOException {
        return new RatisClusterStore(config, null);
    }

    /** The same, with mutual TLS between the members when {@code tls} is not null. */
    public static RatisClusterStore start(RatisStoreConfig config, RaftTls tls) throws IOException {
        return new RatisClusterStore(config, tls);
    }

    private RatisClusterStore(RatisStoreConfig config, RaftTls tls) throws IOException {
        this.config = Objects.requireNonNull(config, "config");
        this.groupId = groupId(config.clusterName());
        this.stateMachine = new CibStateMachine(this::logFailed);
        RaftGroup group = RaftGroup.valueOf(groupId, config.peers().entrySet().stream()
                .map(peer -> RaftPeer.newBuilder().setId(peer.getKey()).setAddress(hostAndPort(peer.getValue()))
                        .build())
                .toList());
        RaftProperties properties = properties(config);
        Parameters parameters = tls == null ? new Parameters() : tls.parameters();
        refuseUnbindableAddress(config);
        Path groupDir = groupDirectory();
        boolean hadStorage = Files.exists(groupDir);
        boolean hadStorageDir = Files.exists(config.storageDir());
        // why: FORMAT starts an empty log and would discard a member's votes and entries, which Raft's
        // safety depends on, so it is used only when this member never had a store.
        RaftStorage.StartupOption option = hadStorage
                ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT;

        RaftServer newServer = null;
        RaftClient newClient = null;
        this.calls = callPool(config.self());
        try {
            newClient = RaftClient.newBuilder()
                    .setClientId(ClientId.randomId())
                    .setRaftGroup(group)
                    .setProperties(properties)
                    .setParameters(parameters)
                    .setRetryPolicy(new DeadlineRetryPolicy(duration(RETRY_PAUSE)))
                    .build();
            if (!hadStorage) {
                refuseIfAlreadyJoined(newClient);
            }
            StoragePermissions.createPrivateDirectory(config.storageDir());
            newServer = RaftServer.newBuilder()
                    .setServerId(RaftPeerId.valueOf(config.self()))
                    .setGroup(group)
                    .setStateMachine(stateMachine)
                    .setProperties(properties)
                    .setParameters(parameters)
                    .setOption(option)
                    .build();
            newServer.start();
            this.division = newServer.getDivision(groupId);
        } catch (IOException | RuntimeException e) {
            calls.shutdownNow();
            closeQuietly(newClient, "store client");
            closeQuietly(newServer, "store member");
            if (e instanceof StoreDamagedException damaged) {
                throw damaged;
            }
            // why: a start that failed must not leave a new, never used storage behind (a refused bind did).
            if (!hadStorage) {
                StoragePermissions.deleteQuietly(hadStorageDir ? groupDir : config.storageDir());
            }
            Optional<String> damage = hadStorage ? StorageDamage.describe(e, config.self(), groupDir)
                    : Optional.empty();
            if (damage.isPresent()) {
                throw new StoreDamagedException(MemberHealth.damaged(damage.get(), repairHint()), e);
            }
            throw new IOException("cannot start store member " + config.self() + " on " + config.selfAddress()
                    + " with storage " + groupDir + ": " + StorageDamage.rootMessage(e), e);
        }
        this.server = newServer;
        this.client = newClient;
        LOG.info("store member {} listening on {}{} ({} storage in {}, peers {})", config.self(),
                config.selfAddress(), tls == null ? "" : " with mutual TLS",
                option == RaftStorage.StartupOption.FORMAT ? "new" : "recovered", groupDir, config.peers().keySet());
        Optional<String> inconsistent = StorageDamage.logBehindSnapshot(division.getRaftLog(), config.self(),
                groupDir);
        if (inconsistent.isPresent()) {
            markDamaged(inconsistent.get());
            return;
        }
        recordJoined();
        StoragePermissions.restrict(config.storageDir());
    }

    /**
     * Fails with one sentence when this member's Raft address cannot be bound, before any storage is touched: Ratis's
     * gRPC server would end the whole process (System.exit) with a stack trace instead.
     */
    private static void refuseUnbindableAddress(RatisStoreConfig config) throws IOException {
        InetSocketAddress address = config.selfAddress();
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(address);
        } catch (IOException e) {
            throw new IOException("cannot start store member " + config.self() + ": its Raft address "
                    + hostAndPort(address) + " cannot be bound (" + e.getMessage() + "); is another agent running"
                    + " on this host, or are this node's 'address' and 'raft-port' wrong?", e);
        }
    }

    /**
     * Refuses to format new storage for a member the cluster already knows: a member that lost its storage also
     * lost the record of its votes, and voting again in a term it already voted in can elect two leaders.
     *
     * <p>Two independent witnesses, so that one accident cannot fool both: the marker file written next to the
     * storage directory when the member first joined (it survives a deleted storage directory, but not a lost
     * state directory), and the other members' CIB, which holds this node's reports if its agent ever ran (it
     * survives anything on this host, but needs a majority answering). Without either, this is a new member.
     */
    private void refuseIfAlreadyJoined(RaftClient peers) throws StoreDamagedException {
        Path marker = config.memberMarker();
        String missing = "the Raft storage of store member " + config.self() + " (" + groupDirectory()
                + ") is missing";
        if (Files.exists(marker)) {
            throw new StoreDamagedException(MemberHealth.damaged(missing + " although this member joined the store"
                    + " before (" + marker + "), and with it the record of its votes", repairHint()), null);
        }
        long deadline = deadline(JOINED_CHECK_TIMEOUT);
        try {
            RaftClientReply reply = peers.io().sendReadOnly(new DeadlineRetryPolicy.DeadlineMessage(
                    CibStateMachine.READ_CIB.getContent(), deadline));
            Cib cib = CibJson.decodeCib(reply.getMessage().getContent().toByteArray());
            if (cib.reports().containsKey(config.self())) {
                throw new StoreDamagedException(MemberHealth.damaged(missing + " although the other members know"
                        + " it (its agent reported to the store before), and with it the record of its votes",
                        repairHint()), null);
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof StoreDamagedException damaged) {
                throw damaged;
            }
            // No majority answered: the cluster is starting for the first time, or this member cannot know.
            LOG.debug("store member {}: the other members did not say whether they know it: {}", config.self(),
                    e.toString());
        }
    }

    private String repairHint() {
        return "stop this agent and run '" + config.repairCommand() + "' on this host to set it aside and rejoin"
                + " from the other members";
    }

    // The marker is written once the member started with usable storage; StoreRejoin writes it too.
    private void recordJoined() {
        Path marker = config.memberMarker();
        if (Files.exists(marker)) {
            return;
        }
        try {
            StoragePermissions.writePrivate(marker, "store member " + config.self() + " of group " + groupId.getUuid()
                    + " joined at " + Instant.now() + "\n");
        } catch (IOException e) {
            LOG.warn("store member {}: cannot record that it joined in {}: {}", config.self(), marker, e.toString());
        }
    }

    /**
     * Takes this member out of the store for good (until an operator repairs it): says so in one line, stops its
     * Raft server (no more votes or appends that cannot succeed), and records the damage as a failed action through
     * the leader, so that {@code pgpacer status} on any node shows it. Its agent then finds the store unavailable.
     */
    private void markDamaged(String damage) {
        MemberHealth damaged = MemberHealth.damaged(damage, repairHint());
        synchronized (this) {
            if (health.damaged()) {
                return;
            }
            health = damaged;
        }
        LOG.error(damaged.describe());
        try {
            calls.execute(() -> {
                closeQuietly(server, "damaged store member");
                announce(damaged);
            });
        } catch (RejectedExecutionException e) {
            LOG.warn("store member {}: cannot stop its Raft server: {}", config.self(), e.toString());
        }
    }

    private void announce(MemberHealth damaged) {
        StoreCommand record = new StoreCommand.RecordFailedAction(new FailedAction(config.self(), ClusterStatus.STORE_MEMBER_DAMAGED, 1,
                damaged.describe(), Instant.now().toString(), null));
        byte[] bytes = CibJson.encode(record);
        long deadline = deadline(ANNOUNCE_TIMEOUT);
        try {
            client.io().send(new DeadlineRetryPolicy.DeadlineMessage(UnsafeByteOperations.unsafeWrap(bytes),
                    deadline));
        } catch (IOException | RuntimeException e) {
            LOG.warn("store member {}: could not record its damage in the store: {}", config.self(), e.toString());
        }
    }

    // Called by the state machine when Ratis could not write this member's log.
    private void logFailed(Throwable cause) {
        markDamaged("the Raft log of store member " + config.self() + " in " + groupDirectory().resolve("current")
                + " cannot be written (" + StorageDamage.rootMessage(cause) + ")");
    }

    /** The Raft group of a cluster: the same on every member, derived from the cluster's name. */
    static RaftGroupId groupId(String clusterName) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("pgpacer:" + clusterName).getBytes(UTF_8)));
    }

    /**
     * The Ratis settings, all here. Timing follows the configured election timeouts; sizes are chosen for
     * a CIB of kilobytes and a handful of members, to keep the agent's memory small.
     */
    static RaftProperties properties(RatisStoreConfig config) {
        RaftProperties properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
        GrpcConfigKeys.Server.setHost(properties, config.selfAddress().getHostString());
        GrpcConfigKeys.Server.setPort(properties, config.selfAddress().getPort());
        RaftServerConfigKeys.setStorageDir(properties, List.of(config.storageDir().toFile()));

        // Timing: fast failover on a LAN. Heartbeats go every electionTimeoutMin / 2.
        TimeDuration electionMin = duration(config.electionTimeoutMin());
        TimeDuration electionMax = duration(config.electionTimeoutMax());
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, electionMin);
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, electionMax);
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(properties, electionMin);
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(properties, electionMax);
        RaftServerConfigKeys.Rpc.setRequestTimeout(properties, duration(RPC_TIMEOUT));
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, duration(RPC_TIMEOUT));
        RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setTimeout(properties, duration(RPC_TIMEOUT));
        // Ratis shuts a member down for good after a JVM pause longer than this ("close threshold"). A frozen
        // host (SIGSTOP, a stalled VM) must come back as a follower instead: Raft handles its stale term, and the
        // lease keeper has fenced PostgreSQL by then. Found by SyncRaceTest (a 5 s freeze killed the member).
        RaftServerConfigKeys.setCloseThreshold(properties, TimeDuration.valueOf(365, TimeUnit.DAYS));
        // How the leader retries a member it cannot reach. Ratis's default ("1ms,10, 1s,20, 5s,1000") stops
        // waiting once its 1030 attempts are used up, and the leader then spins on a dead member at full
        // CPU; this one waits half a second between attempts for as long as the member stays away.
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(properties, "10ms,10, 100ms,10, 500ms,2000000000");

        // Snapshots every snapshotThreshold commands; the log up to the snapshot is then purged even when a
        // member is down, which later receives the (small) snapshot instead of the old entries.
        long threshold = config.snapshotThreshold();
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, threshold);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
        // Ratis writes the commit index into the log after each commit by default ("metadata entries"): more than
        // half of an idle cluster's log, each an append and a sync on every member. It serves only to apply the
        // local log at start without a leader; a member learns the commit index from the leader's next heartbeat.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(properties, false);
        RaftServerConfigKeys.Log.setPurgeGap(properties, (int) Math.min(threshold, Integer.MAX_VALUE));
        // A log segment holds about a quarter of a snapshot interval (at up to 1 KB per command), so that
        // each purge deletes whole closed segments.
        long segmentBytes = Math.max(16 * KB, Math.min(8 * MB, threshold * 256));
        RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf(segmentBytes));
        RaftServerConfigKeys.Log.setPreallocatedSize(properties, SizeInBytes.valueOf(Math.min(segmentBytes, 4 * MB)));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(properties, 2);
        RaftServerConfigKeys.Log.setSegmentCacheSizeMax(properties, SizeInBytes.valueOf(4 * MB));

        // Memory: Ratis defaults are sized for large data (8 MB direct write buffer, 4 MB append batches,
        // 64 MB queues). The largest entry here is one command, and the largest message the CIB.
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(properties, SizeInBytes.valueOf(256 * KB));
        RaftServerConfigKeys.Log.setWriteBufferSize(properties, SizeInBytes.valueOf(256 * KB + 8));
        RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(properties, SizeInBytes.valueOf(256 * KB));
        RaftServerConfigKeys.Log.setQueueElementLimit(properties, 1024);
        RaftServerConfigKeys.Log.setQueueByteLimit(properties, SizeInBytes.valueOf(4 * MB));
        RaftServerConfigKeys.Write.setElementLimit(properties, 1024);
        RaftServerConfigKeys.Write.setByteLimit(properties, SizeInBytes.valueOf(4 * MB));
        GrpcConfigKeys.setMessageSizeMax(properties, SizeInBytes.valueOf(4 * MB));
        GrpcConfigKeys.Server.setAsyncRequestThreadPoolSize(properties, 4);

        return properties;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Retries on leader changes until {@code timeout}, then stops retrying (a request already sent may
     * still be applied, once). If this member lags behind the leader, the call waits (within the timeout)
     * until it applied the command too, so {@link #localCopy()} then shows it.
     */
    @Override
    public CommandResult submit(StoreCommand command, Duration timeout) {
        Objects.requireNonNull(command, "command");
        refuseIfDamaged();
        long deadline = deadline(timeout);
        String what = "store command " + command.getClass().getSimpleName();
        byte[] bytes = CibJson.encode(command);
        RaftClientReply reply = call(what, timeout, () -> client.io().send(
                new DeadlineRetryPolicy.DeadlineMessage(UnsafeByteOperations.unsafeWrap(bytes), deadline)));
        CommandResult result = CibJson.decodeResult(reply.getMessage().getContent().toByteArray());
        try {
            if (!stateMachine.awaitApplied(reply.getLogIndex(), deadline)) {
                LOG.debug("{} committed at index {} but not yet applied on {}", what, reply.getLogIndex(),
                        config.self());
            }
        } catch (InterruptedException e) {
            // The command is committed and its result known; keep the interrupt for the caller.
            Thread.currentThread().interrupt();
        }
        return result;
    }

    @Override
    public Cib read(Duration timeout) {
        refuseIfDamaged();
        long deadline = deadline(timeout);
        RaftClientReply reply = call("store read", timeout, () -> client.io().sendReadOnly(
                new DeadlineRetryPolicy.DeadlineMessage(CibStateMachine.READ_CIB.getContent(), deadline)));
        return CibJson.decodeCib(reply.getMessage().getContent().toByteArray());
    }

    // A leader cut off from its followers keeps answering reads until it steps down, which a loaded host may take
    // well past the election timeout (1.5 s in a lab run, where a primary asked for failsafe was told "reaches the
    // store" the whole time and fenced 4 ms before the leader gave up). A leader that has heard from no majority
    // within the election timeout is cut off, whatever its reads say.
    @Override
    public boolean reachesMajority(Duration timeout) {
        DivisionInfo info = division.getInfo();
        if (info.isLeader()) {
            long heard = 1 + info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList().stream()
                    .filter(f -> f.getLastRpcElapsedTimeMs() < config.electionTimeoutMin().toMillis()).count();
            if (heard * 2 <= division.getRaftConf().getCurrentPeers().size()) {
                return false;
            }
        }
        return ClusterStore.super.reachesMajority(timeout);
    }

    @Override
    public Cib localCopy() {
        return stateMachine.cib();
    }

    @Override
    public void onApplied(Consumer<Cib> listener) {
        stateMachine.onApplied(Objects.requireNonNull(listener, "listener"));
    }

    /** Leader, and it has applied every entry committed before its election (its CIB is current). */
    @Override
    public boolean isLeader() {
        if (health.damaged()) {
            return false;
        }
        DivisionInfo info = division.getInfo();
        return info.isLeader() && info.isLeaderReady();
    }

    @Override
    public Optional<String> leader() {
        return Optional.ofNullable(division.getInfo().getLeaderId()).map(RaftPeerId::toString);
    }

    @Override
    public MemberHealth memberHealth() {
        return health;
    }

    // why: a damaged member's own state is not the store's; its agent must act as one cut off from the store.
    private void refuseIfDamaged() {
        MemberHealth now = health;
        if (now.damaged()) {
            throw new StoreUnavailableException(now.describe(), null);
        }
    }

    @Override
    public StoreInfo info() {
        DivisionInfo info = division.getInfo();
        return new StoreInfo(config.self(), leader().orElse(null), info.getCurrentTerm(),
                division.getRaftLog().getLastCommittedIndex(), info.getLastAppliedIndex());
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        calls.shutdownNow();
        if (division.getInfo().isLeader()) {
            handOverLeadership();
        }
        closeQuietly(client, "store client");
        closeQuietly(server, "store member");
        LOG.info("store member {} stopped", config.self());
    }

    /**
     * A leader that stops on purpose (an agent's stop or planned restart) first makes another member leader: left
     * alone, the others wait an election timeout for a new one, and with them the primary's lease renewal, which on a
     * busy machine can run past the lease and fence a healthy primary. Tries each other member in turn, briefly.
     */
    private void handOverLeadership() {
        // Only followers that answered recently: at a whole cluster's stop the others may be gone already, and
        // waiting for them would only slow the stop down.
        List<String> answering = division.getInfo().getRoleInfoProto().getLeaderInfo().getFollowerInfoList().stream()
                .filter(f -> f.getLastRpcElapsedTimeMs() < LEADERSHIP_TRANSFER_TIMEOUT.toMillis())
                .sorted(java.util.Comparator.comparingLong(f -> f.getLastRpcElapsedTimeMs()))
                .map(f -> f.getId().getId().toStringUtf8()).toList();
        for (String peer : answering) {
            try {
                RaftClientReply reply = client.admin().transferLeadership(RaftPeerId.valueOf(peer),
                        LEADERSHIP_TRANSFER_TIMEOUT.toMillis());
                if (reply.isSuccess()) {
                    LOG.info("store member {} handed the leadership to {} before stopping", config.self(), peer);
                    return;
                }
                LOG.info("store member {}: {} did not take the leadership: {}", config.self(), peer,
                        reply.getException());
            } catch (IOException | RuntimeException e) {
                LOG.info("store member {}: {} did not take the leadership: {}", config.self(), peer, e.toString());
            }
        }
    }

    /** Where Ratis keeps this member's log ({@code current/}) and snapshots ({@code sm/}). */
    Path groupDirectory() {
        return config.storageDir().resolve(groupId.getUuid().toString());
    }

    /**
     * Runs one blocking client request on the call pool and waits for it until the caller's timeout; then
     * interrupts it, which ends its retries. Every failure becomes one {@link StoreUnavailableException}.
     */
    private RaftClientReply call(String what, Duration timeout, Callable<RaftClientReply> request) {
        if (closed.get()) {
            throw new StoreUnavailableException(what + ": the store member " + config.self() + " is stopped", null);
        }
        Future<RaftClientReply> reply;
        try {
            reply = calls.submit(request);
        } catch (RejectedExecutionException e) {
            throw new StoreUnavailableException(what + ": " + IN_FLIGHT_MAX + " earlier store requests are still "
                    + "waiting for an answer; " + situation(), e);
        }
        try {
            return reply.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            reply.cancel(true);
            throw new StoreUnavailableException(what + ": no majority of the store answered within "
                    + timeout.toMillis() + " ms; " + situation(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new StoreUnavailableException(what + " failed: " + cause.getClass().getSimpleName() + ": "
                    + cause.getMessage() + "; " + situation(), cause);
        } catch (InterruptedException e) {
            reply.cancel(true);
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException(what + ": interrupted while waiting for the store", e);
        }
    }

    /** What this member knows of the group, for error messages. */
    private String situation() {
        DivisionInfo info = division.getInfo();
        RaftPeerId leader = info.getLeaderId();
        return "member " + config.self() + (leader == null ? " knows no leader" : " sees leader " + leader)
                + " in term " + info.getCurrentTerm();
    }

    /**
     * Threads for blocking client calls, created on demand and gone when idle. Blocking calls, unlike
     * Ratis's ordered async ones, are independent: one abandoned request cannot fail or delay the next.
     */
    private static ThreadPoolExecutor callPool(String member) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory threads = runnable -> {
            Thread thread = new Thread(runnable, "store-call-" + member + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        return new ThreadPoolExecutor(0, IN_FLIGHT_MAX, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), threads);
    }

    /**
     * The address as configured ({@code 10.0.0.1:7801}, {@code [fd00::1]:7801}); Ratis's own conversion of an
     * {@link InetSocketAddress} would use a reverse DNS name instead.
     */
    private static String hostAndPort(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static long deadline(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return System.nanoTime() + Math.max(0, timeout.toNanos());
    }

    private static TimeDuration duration(Duration duration) {
        return TimeDuration.valueOf(duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void closeQuietly(Closeable closeable, String what) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing the {} failed: {}", what, e.toString());
        }
    }
}
