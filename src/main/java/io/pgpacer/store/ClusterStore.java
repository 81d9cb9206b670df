package io.pgpacer.store;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The replicated CIB as one member of the cluster sees it. Commands are linearizable: once
 * {@link #submit} returns, every later {@link #read} on any member reflects it.
 */
public interface ClusterStore extends AutoCloseable {

    /**
     * Replicates a command and returns its result once a majority committed it and this member applied
     * it. A refused compare-and-set is a normal result ({@code applied == false}), not an exception.
     *
     * @throws StoreUnavailableException when no majority answered within {@code timeout}; the command
     *     may or may not have been applied (it is never applied twice)
     */
    CommandResult submit(StoreCommand command, Duration timeout);

    /**
     * A linearizable read of the whole CIB.
     *
     * @throws StoreUnavailableException when no majority answered within {@code timeout}
     */
    Cib read(Duration timeout);

    /**
     * Whether this member reaches a majority of the store now: a {@link #read} that succeeds within {@code timeout}.
     * Asked by a member that is to vouch for being cut off (failsafe), where a wrong "yes" only withholds a promise.
     */
    default boolean reachesMajority(Duration timeout) {
        try {
            read(timeout);
            return true;
        } catch (StoreUnavailableException e) {
            return false;
        }
    }

    /** The CIB as this member last applied it: no network, may lag behind the majority. */
    Cib localCopy();

    /**
     * Calls {@code listener} after this member applies a command, with the new CIB. Called on the
     * store's apply thread: it must return quickly and never block.
     */
    void onApplied(Consumer<Cib> listener);

    /** Whether this member is the Raft leader now (it then runs the controller). */
    boolean isLeader();

    /** The current leader's member name, if this member knows one. */
    Optional<String> leader();

    /**
     * Whether this member's own storage lets it take part in the store. A damaged member refuses every
     * {@link #submit} and {@link #read} with a {@link StoreUnavailableException} naming the damage, so that its
     * agent behaves as one cut off from the store, and it is never the leader.
     */
    MemberHealth memberHealth();

    /** Raft facts for status and metrics. */
    StoreInfo info();

    /** Stops this member. Idempotent. */
    @Override
    void close();

    /** Raft facts of this member. */
    record StoreInfo(String member, String leader, long term, long commitIndex, long appliedIndex) {
    }
}
