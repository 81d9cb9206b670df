package io.pgpacer.agent;

import io.pgpacer.config.CommitGuardMode;
import io.pgpacer.core.cib.CommitGuardReport;
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

    /** {@code commit-guard: off}. */
    static final CommitGuard NONE = unused(notUsed(CommitGuardMode.OFF, true, false).orElseThrow());

    private static final String NOT_INSTALLED = "the pgpacer_guard extension is not installed for this PostgreSQL";
    private static final String INSTALL = "install it as root with bin/ensure-deps in the pgpacer source tree, or"
            + " build it from /usr/share/pgpacer/extension/pgpacer_guard as the README's 'Commit guard' says";

    private final PostgresInstance pg;
    private final boolean active;
    private final String primaryRefusal;
    private final LongSupplier millis;
    private final long marginMillis;
    private final Consumer<String> notice;
    private final CommitGuardReport unused;
    private final ExecutorService grants;
    private final AtomicReference<long[]> pending = new AtomicReference<>();
    private String lastProblem; // guarded by this
    private long lastGranted = -1; // guarded by this

    private CommitGuard(PostgresInstance pg, boolean active, String primaryRefusal, LongSupplier millis,
            long marginMillis, Consumer<String> notice, CommitGuardReport unused) {
        this.pg = pg;
        this.unused = unused;
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
        boolean installed = pgOrNull != null && mode != CommitGuardMode.OFF && pgOrNull.commitGuardInstalled();
        Optional<CommitGuardReport> notUsed = notUsed(mode, pgOrNull != null, installed);
        if (notUsed.isPresent()) {
            return mode == CommitGuardMode.ON && pgOrNull != null
                    ? new CommitGuard(null, false, "postgresql.commit-guard is on, but " + NOT_INSTALLED + "; " + INSTALL
                            + ", or set postgresql.commit-guard: auto", monotonicMillis, 0, notice, notUsed.get())
                    : unused(notUsed.get());
        }
        pgOrNull.loadCommitGuard();
        return new CommitGuard(pgOrNull, true, null, monotonicMillis, marginMillis(fenceMargin.toMillis()), notice,
                null);
    }

    /**
     * Why the guard is not used on a node, as its reports say, from the mode, whether the node has a PostgreSQL and
     * whether the extension is installed for it; empty when it is used.
     */
    static Optional<CommitGuardReport> notUsed(CommitGuardMode mode, boolean hasPostgres, boolean installed) {
        if (!hasPostgres) {
            return Optional.of(CommitGuardReport.off("no PostgreSQL on a witness"));
        }
        return switch (mode) {
            case OFF -> Optional.of(CommitGuardReport.off("postgresql.commit-guard: off"));
            case AUTO -> installed ? Optional.empty() : Optional.of(CommitGuardReport.unavailable(
                    "postgresql.commit-guard: auto, but " + NOT_INSTALLED + "; " + INSTALL));
            case ON -> installed ? Optional.empty() : Optional.of(CommitGuardReport.unavailable(
                    "postgresql.commit-guard: on, but " + NOT_INSTALLED + ", so this node is never started as"
                            + " primary; " + INSTALL));
        };
    }

    private static CommitGuard unused(CommitGuardReport why) {
        return new CommitGuard(null, false, null, () -> 0, 0, text -> { }, why);
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

    /**
     * The guard as this node reports it: why it is not used, or what PostgreSQL holds now. Asks PostgreSQL (one round
     * trip on the guard's connection) only when {@code postgresAnswers}, so that a PostgreSQL seen stopped or frozen
     * costs the agent's loop nothing more.
     */
    CommitGuardReport report(boolean postgresAnswers) {
        if (!active) {
            return unused;
        }
        if (!postgresAnswers) {
            return CommitGuardReport.inactive("PostgreSQL is not running or does not answer");
        }
        return state().map(s -> CommitGuardReport.held(s.epoch(), s.remainingMillis(), s.refusedCommits(),
                s.withheldAcks())).orElseGet(() -> CommitGuardReport.inactive("PostgreSQL runs without"
                        + " pgpacer_guard until its next restart, the primary has not created the extension yet, or"
                        + " PostgreSQL did not answer"));
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
