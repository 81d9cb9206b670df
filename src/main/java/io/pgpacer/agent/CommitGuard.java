package io.pgpacer.agent;

import io.pgpacer.config.CommitGuardMode;
import io.pgpacer.postgres.CommitGuardState;
import io.pgpacer.postgres.PostgresException;
import io.pgpacer.postgres.PostgresInstance;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of the pgpacer_guard extension: whether PostgreSQL loads it ({@code postgresql.commit-guard}),
 * and the grants that keep its deadline strictly inside the lease keeper's fencing deadline, by {@link
 * #marginMillis} at least. Each grant is anchored to PostgreSQL's own clock, read after the renewal was sent, so a
 * frozen or slow agent can only make it end earlier. Grants after renewals run on their own thread: a PostgreSQL
 * that does not answer must never delay a renewal.
 */
final class CommitGuard implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CommitGuard.class);

    /** No PostgreSQL (a witness) or {@code commit-guard: off}. */
    static final CommitGuard NONE = new CommitGuard(null, false, null, () -> 0, 0, text -> { });

    private final PostgresInstance pg;
    private final boolean active;
    private final String primaryRefusal;
    private final LongSupplier millis;
    private final long marginMillis;
    private final Consumer<String> notice;
    private final ExecutorService grants;
    private final AtomicReference<long[]> pending = new AtomicReference<>();
    private String lastProblem; // guarded by this
    private long lastGranted = -1; // guarded by this

    private CommitGuard(PostgresInstance pg, boolean active, String primaryRefusal, LongSupplier millis,
            long marginMillis, Consumer<String> notice) {
        this.pg = pg;
        this.active = active;
        this.primaryRefusal = primaryRefusal;
        this.millis = millis;
        this.marginMillis = marginMillis;
        this.notice = notice;
        this.grants = active ? Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "pgpacer-guard");
            thread.setDaemon(true);
            return thread;
        }) : null;
    }

    /**
     * Decides from the mode and what is installed, and tells {@code pg} to load the library when it is used.
     *
     * @param notice receives what the guard did, for the event feed
     */
    static CommitGuard of(CommitGuardMode mode, PostgresInstance pgOrNull, LongSupplier monotonicMillis,
            Duration fenceMargin, Consumer<String> notice) {
        if (pgOrNull == null || mode == CommitGuardMode.OFF) {
            return NONE;
        }
        if (!pgOrNull.commitGuardInstalled()) {
            return mode == CommitGuardMode.ON
                    ? new CommitGuard(null, false, "postgresql.commit-guard is on, but the pgpacer_guard extension is"
                            + " not installed for this PostgreSQL; install it (as root, bin/ensure-deps in the pgpacer"
                            + " source tree builds and installs it) or set postgresql.commit-guard: auto",
                            monotonicMillis, 0, notice)
                    : NONE;
        }
        pgOrNull.loadCommitGuard();
        return new CommitGuard(pgOrNull, true, null, monotonicMillis, marginMillis(fenceMargin.toMillis()), notice);
    }

    /**
     * How far inside the fencing deadline the guard's deadline ends: a quarter of the fence margin, at least 50 ms,
     * so that commits stop before fencing begins.
     */
    static long marginMillis(long fenceMarginMillis) {
        return Math.max(50, fenceMarginMillis / 4);
    }

    /** Whether PostgreSQL loads the guard. */
    boolean active() {
        return active;
    }

    /** Why this node must not become primary ({@code commit-guard: on} without the extension); null when it may. */
    String primaryRefusal() {
        return primaryRefusal;
    }

    /**
     * Grants lease {@code generation} until {@code marginMillis} before {@code fenceDeadlineMillis} (this agent's
     * monotonic clock), now, on the calling thread. Never throws: a failure is logged and reported once, and
     * PostgreSQL then refuses commits that write, which is the safe side.
     */
    void grantNow(long generation, long fenceDeadlineMillis) {
        // why not while stopped: renewals begin before initdb or the start; the start is followed by its own grant.
        if (!active || !pg.isRunning()) {
            return;
        }
        try {
            Optional<CommitGuardState> state = pg.grantCommitGuard(generation,
                    () -> fenceDeadlineMillis - millis.getAsLong() - marginMillis);
            synchronized (this) {
                lastProblem = null;
                if (state.isPresent() && lastGranted != generation) {
                    lastGranted = generation;
                    say("commit guard: PostgreSQL accepts commits under lease generation " + generation + " until "
                            + marginMillis + " ms before this agent would fence");
                }
            }
        } catch (PostgresException e) {
            synchronized (this) {
                if (!e.getMessage().equals(lastProblem)) {
                    lastProblem = e.getMessage();
                    say("commit guard: " + e.getMessage() + "; PostgreSQL refuses commits that write until a grant"
                            + " lands");
                }
            }
        }
    }

    /** As {@link #grantNow}, on the guard's own thread; a grant still waiting is replaced by this later one. */
    void grantLater(long generation, long fenceDeadlineMillis) {
        if (!active) {
            return;
        }
        if (pending.getAndSet(new long[] {generation, fenceDeadlineMillis}) == null) {
            grants.execute(() -> {
                long[] grant = pending.getAndSet(null);
                if (grant != null) {
                    grantNow(grant[0], grant[1]);
                }
            });
        }
    }

    /** The guard's state in PostgreSQL now; empty when inactive, not loaded yet, or PostgreSQL does not answer. */
    Optional<CommitGuardState> state() {
        return active ? pg.commitGuardState() : Optional.empty();
    }

    private void say(String text) {
        LOG.info(text);
        notice.accept(text);
    }

    @Override
    public void close() {
        if (grants != null) {
            grants.shutdownNow();
        }
    }
}
