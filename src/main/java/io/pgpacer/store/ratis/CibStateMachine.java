package io.pgpacer.store.ratis;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.command.CibReducer;
import io.pgpacer.core.command.Outcome;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.store.CibJson;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine holding the CIB: each committed log entry is a {@link StoreCommand} that
 * {@link CibReducer} applies, and each snapshot is the CIB as JSON. It adds no rules of its own.
 */
public final class CibStateMachine extends BaseStateMachine {

    /** The one read-only query: the whole CIB. */
    static final Message READ_CIB = Message.valueOf("cib");

    private static final Logger LOG = LoggerFactory.getLogger(CibStateMachine.class);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final List<Consumer<Cib>> listeners = new CopyOnWriteArrayList<>();
    // why: the CIB and the last applied index change together under this lock, so a snapshot never pairs
    // a CIB with the index of another, and callers can wait for an index to be applied.
    private final Object appliedLock = new Object();
    private volatile Cib cib = Cib.EMPTY;
    private final Consumer<Throwable> logFailed;

    /** @param logFailed told when Ratis could not write this member's log, which leaves the member unusable */
    CibStateMachine(Consumer<Throwable> logFailed) {
        this.logFailed = logFailed;
    }

    /** The CIB as this member last applied it. */
    public Cib cib() {
        return cib;
    }

    /** Adds a listener called on the apply thread with every newly applied or loaded CIB. */
    public void onApplied(Consumer<Cib> listener) {
        listeners.add(listener);
    }

    /**
     * Waits until this member applied the log entry at {@code index}, or until {@code deadlineNanos}
     * ({@link System#nanoTime()} based). Returns whether it was applied.
     */
    boolean awaitApplied(long index, long deadlineNanos) throws InterruptedException {
        synchronized (appliedLock) {
            while (lastAppliedIndex() < index) {
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(appliedLock, remaining);
            }
            return true;
        }
    }

    // The life cycle transitions below are the state machine's part of a snapshot installation: Ratis
    // pauses it, asserts that it is paused, installs the leader's snapshot and calls reinitialize().

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        getLifeCycle().startAndTransition(() -> {
            storage.init(raftStorage);
            load(storage.getLatestSnapshot());
        }, IOException.class);
    }

    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    /** Loads the snapshot the leader installed on this member, which was behind its purged log. */
    @Override
    public void reinitialize() throws IOException {
        getLifeCycle().startAndTransition(() -> load(storage.loadLatestSnapshot()), IOException.class);
        LOG.info("CIB snapshot installed from the leader: epoch {} at {}", cib.epoch(), getLastAppliedTermIndex());
        notifyListeners(cib);
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
        LogEntryProto entry = transaction.getLogEntry();
        byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
        CommandResult result;
        Cib applied;
        synchronized (appliedLock) {
            Outcome outcome = apply(cib, data, entry.getIndex());
            cib = outcome.cib();
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            appliedLock.notifyAll();
            applied = outcome.cib();
            result = outcome.result();
        }
        notifyListeners(applied);
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(
                CibJson.encode(result))));
    }

    /**
     * Decodes and applies one command. A command that cannot be decoded or applied is refused without
     * changing the CIB: every member runs the same code on the same bytes, so every member refuses it.
     */
    private static Outcome apply(Cib current, byte[] data, long index) {
        StoreCommand command;
        try {
            command = CibJson.decodeCommand(data);
        } catch (IllegalArgumentException e) {
            LOG.error("log entry {} is not a store command this version understands: {}", index, e.getMessage());
            return new Outcome(current, CommandResult.rejected(current.epoch(),
                    "command not understood: " + e.getMessage()));
        }
        try {
            return CibReducer.apply(current, command);
        } catch (RuntimeException e) {
            LOG.error("log entry {} ({}) could not be applied", index, command.getClass().getSimpleName(), e);
            return new Outcome(current, CommandResult.rejected(current.epoch(),
                    command.getClass().getSimpleName() + " could not be applied: " + e));
        }
    }

    // why: configuration and leader no-op entries advance the applied index without a command; they go
    // through the same lock so that waiters wake up and snapshots stay consistent.
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        synchronized (appliedLock) {
            super.notifyTermIndexUpdated(term, index);
            appliedLock.notifyAll();
        }
    }

    @Override
    public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
        logFailed.accept(cause);
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        if (!READ_CIB.getContent().equals(request.getContent())) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "unknown store query '" + request.getContent().toStringUtf8() + "'"));
        }
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(
                CibJson.encode(cib))));
    }

    /**
     * Writes the CIB and the Raft position it reflects to {@code sm/snapshot.<term>_<index>}: first to a
     * temporary file that is synced and then renamed, so a crash never leaves a partial snapshot.
     */
    @Override
    public long takeSnapshot() throws IOException {
        Cib snapshotCib;
        TermIndex applied;
        synchronized (appliedLock) {
            snapshotCib = cib;
            applied = getLastAppliedTermIndex();
        }
        if (applied == null || applied.getIndex() < 0) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        File file = storage.getSnapshotFile(applied.getTerm(), applied.getIndex());
        Path target = file.toPath();
        Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        byte[] json = CibJson.encode(new CibJson.Snapshot(applied.getTerm(), applied.getIndex(), snapshotCib));
        Files.deleteIfExists(temporary);
        try (FileChannel channel = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(StoragePermissions.FILE))) {
            ByteBuffer buffer = ByteBuffer.wrap(json);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(target.getParent());
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target, md5), applied));
        LOG.debug("CIB snapshot at {} (epoch {}) written to {}", applied, snapshotCib.epoch(), target);
        return applied.getIndex();
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            // A new member: it starts from the empty CIB and replays the whole log.
            return;
        }
        Path path = snapshot.getFile().getPath();
        MD5Hash md5 = snapshot.getFile().getFileDigest();
        if (md5 != null) {
            MD5FileUtil.verifySavedMD5(path.toFile(), md5);
        }
        CibJson.Snapshot content;
        try {
            content = CibJson.decodeSnapshot(Files.readAllBytes(path));
        } catch (IllegalArgumentException e) {
            throw new IOException("CIB snapshot " + path + " is unreadable (" + e.getMessage()
                    + "); move it aside to rebuild this member from the other members", e);
        }
        TermIndex position = snapshot.getTermIndex();
        if (content.term() != position.getTerm() || content.index() != position.getIndex()) {
            throw new IOException("CIB snapshot " + path + " holds term " + content.term() + " index "
                    + content.index() + " but its name says " + position + "; move it aside to rebuild this "
                    + "member from the other members");
        }
        synchronized (appliedLock) {
            cib = content.cib();
            setLastAppliedTermIndex(position);
            appliedLock.notifyAll();
        }
        LOG.debug("CIB snapshot {} loaded (epoch {})", position, content.cib().epoch());
    }

    private long lastAppliedIndex() {
        TermIndex applied = getLastAppliedTermIndex();
        return applied == null ? RaftLog.INVALID_LOG_INDEX : applied.getIndex();
    }

    private void notifyListeners(Cib applied) {
        for (Consumer<Cib> listener : listeners) {
            try {
                listener.accept(applied);
            } catch (RuntimeException e) {
                // why: a failing observer must not stop this member from applying the log.
                LOG.warn("CIB listener {} failed", listener, e);
            }
        }
    }

    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the rename is still atomic there.
            LOG.debug("cannot sync directory {}: {}", directory, e.toString());
        }
    }
}
