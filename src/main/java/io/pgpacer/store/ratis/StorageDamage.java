package io.pgpacer.store.ratis;

import java.net.BindException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;

/**
 * Recognises a member's damaged Raft storage, from Ratis's start failures and from the log it recovered, and
 * names the damaged file in one sentence. Ratis reports damage as a stack of wrapped exceptions (40 frames for a
 * garbled {@code raft-meta}); an operator needs the file and what is wrong with it.
 */
final class StorageDamage {

    private StorageDamage() {
    }

    /**
     * What is damaged, when {@code failure} (from starting a member on existing storage in {@code groupDir}) comes
     * from the storage's content; empty for failures that are not damage (a port in use, a storage locked by a
     * running member, a permission).
     */
    static Optional<String> describe(Throwable failure, String member, Path groupDir) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BindException || t instanceof OverlappingFileLockException
                    || t instanceof AccessDeniedException || mentions(t, "Failed to bind")
                    || mentions(t, "Address already in use") || mentions(t, "in_use.lock")
                    || mentions(t, "already locked")) {
                return Optional.empty();
            }
        }
        String file = damagedFile(failure, groupDir).orElse(groupDir.resolve("current") + " (a log segment)");
        return Optional.of("the Raft storage of store member " + member + " is damaged: " + file
                + " cannot be read (" + rootMessage(failure) + ")");
    }

    /**
     * Damage Ratis does not notice at start: a log that ends before the snapshot it belongs to (a truncated
     * segment). Ratis then accepts the leader's next entry after the snapshot and fails to append it, for ever
     * ("gap between entries"), while the member still counts as running.
     */
    static Optional<String> logBehindSnapshot(RaftLog log, String member, Path groupDir) {
        TermIndex last = log.getLastEntryTermIndex();
        long snapshot = log.getSnapshotIndex();
        if (last == null || last.getIndex() >= snapshot) {
            return Optional.empty();
        }
        return Optional.of("the Raft log of store member " + member + " in " + groupDir.resolve("current")
                + " is damaged: it ends at entry " + last.getIndex() + " but the member's snapshot holds entries up to "
                + snapshot + " (a log segment was truncated), so it cannot append the leader's entries");
    }

    /** The innermost message of a chain of exceptions, which names the actual fault. */
    static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null || message.isBlank() ? root.getClass().getSimpleName() : message;
    }

    // The first path inside the storage that a message of the chain names (Ratis names raft-meta, not segments).
    private static Optional<String> damagedFile(Throwable failure, Path groupDir) {
        Pattern path = Pattern.compile(Pattern.quote(groupDir.toString()) + "[^\\s:,;)]*");
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                Matcher matcher = path.matcher(t.getMessage());
                if (matcher.find() && !matcher.group().equals(groupDir.toString())) {
                    return Optional.of(matcher.group());
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return Optional.empty();
    }

    private static boolean mentions(Throwable t, String text) {
        return t.getMessage() != null && t.getMessage().contains(text);
    }
}
