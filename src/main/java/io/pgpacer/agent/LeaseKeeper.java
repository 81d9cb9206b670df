package io.pgpacer.agent;

import io.pgpacer.config.Timings;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand.ReleaseLease;
import io.pgpacer.core.command.StoreCommand.RenewLease;
import io.pgpacer.store.ClusterStore;
import io.pgpacer.store.StoreUnavailableException;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's primary lease alive and fences PostgreSQL before it could expire. The deadline is
 * measured by this host's monotonic clock from when the last successful renewal was <em>sent</em>, minus
 * a margin for PostgreSQL to stop; the controller counts expiry from when it <em>saw</em> that renewal, which
 * is always later. Runs on its own thread so that a long step of the agent never delays fencing.
 *
 * <p>With {@code failsafe} on, a second thread steps in while renewals fail: once less than {@link
 * #pingThreshold} remains, and then every renew interval, it pings every other member over their API (with a
 * timeout bounded by the time left, so the answers come before the deadline). When every member confirms that
 * it is cut off from the store too and sees no other primary, the deadline moves to {@code pingSentAt +
 * leaseTime - margin}, the formula of a renewal; each member then promises not to take the lease for a lease
 * time after it answered ({@link FailsafePromise}), which is later than the ping was sent. Any refusal or
 * silence gives no extension, and fencing happens at the deadline as without failsafe.
 *
 * <p>With the commit guard ({@link CommitGuard}), every renewal and failsafe extension is also granted to
 * PostgreSQL, ending a margin before this keeper's deadline: a PostgreSQL whose agent froze or died stops
 * committing by itself.
 */
final class LeaseKeeper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);
    /** A ping round with less time than this cannot be answered usefully before the deadline. */
    private static final long MIN_PING_MILLIS = 20;
    /**
     * How soon a refused round of pings is repeated. A member that is cut off may still answer "reaches the store"
     * for a moment: a Raft leader that lost its majority only steps down after an election timeout, and its reads
     * succeed until then (seen in the lab 140 ms before it stepped down). Waiting a whole renew interval for the next
     * round could let that moment fence a primary that failsafe exists to keep.
     */
    static final long REFUSED_RETRY_MILLIS = 150;
    /** How often a primary with failsafe on reaches the members without asking, to keep its client warm. */
    private static final long WARM_UP_MILLIS = 20_000;
    /**
     * How many renewals may be under way at once. A renewal may wait until the deadline (see {@link #renew}); one sent
     * into a partition waits on a connection whose packets were dropped, and after the heal it may not land before
     * the deadline while a fresh one would in milliseconds (seen in FailsafeLabTest: fenced 1.3 s after the heal,
     * while the other members already reached the store again). So the next renewal is sent a renew interval later
     * even while the last one is still under way.
     */
    static final int RENEWALS_UNDER_WAY = 3;

    private final String node;
    private final ClusterStore store;
    private final long leaseMillis;
    private final long renewMillis;
    private final long marginMillis;
    private final Consumer<String> fence;
    private final LongSupplier millis;
    private final Thread thread;
    private final FailsafePeers peers;
    private final BooleanSupplier failsafeOn;
    private final Consumer<String> notice;
    private final Thread failsafeThread;
    private final CommitGuard guard;
    private final ExecutorService renewals;
    private volatile boolean running = true;
    private int renewalsUnderWay;

    private long generation = -1;
    private long deadline;
    private long lastPingAt = Long.MIN_VALUE / 2;
    /** Whether the last round of pings was refused: the next may follow sooner (see REFUSED_RETRY_MILLIS). */
    private boolean lastRoundRefused;
    private long warmedAt = Long.MIN_VALUE / 2;
    private boolean inFailsafe;
    private String lastRefusal;

    /**
     * @param fence stops PostgreSQL from accepting writes; called with the reason, on this keeper's thread (or, for a
     *     renewal the store refused, on the renewal's)
     */
    LeaseKeeper(String node, ClusterStore store, Timings timings, Consumer<String> fence, LongSupplier monotonicMillis) {
        this(node, store, timings, fence, monotonicMillis, FailsafePeers.NONE, () -> false, text -> { });
    }

    /** A keeper without the commit guard. */
    LeaseKeeper(String node, ClusterStore store, Timings timings, Consumer<String> fence, LongSupplier monotonicMillis,
            FailsafePeers peers, BooleanSupplier failsafeOn, Consumer<String> notice) {
        this(node, store, timings, fence, monotonicMillis, peers, failsafeOn, notice, CommitGuard.NONE);
    }

    /**
     * @param peers asks the other members during failsafe; {@link FailsafePeers#NONE} runs no failsafe thread
     * @param failsafeOn whether the cluster's {@code failsafe} setting is on now
     * @param notice receives what failsafe did, for the event feed
     * @param guard grants each extension of the lease to PostgreSQL's commit guard
     */
    LeaseKeeper(String node, ClusterStore store, Timings timings, Consumer<String> fence, LongSupplier monotonicMillis,
            FailsafePeers peers, BooleanSupplier failsafeOn, Consumer<String> notice, CommitGuard guard) {
        this.node = node;
        this.guard = guard;
        this.peers = peers;
        this.failsafeOn = failsafeOn;
        this.notice = notice;
        this.store = store;
        this.leaseMillis = timings.leaseTime().toMillis();
        this.renewMillis = timings.renewInterval().toMillis();
        this.marginMillis = timings.fenceMargin().toMillis();
        this.fence = fence;
        this.millis = monotonicMillis;
        this.thread = new Thread(this::run, "pgpacer-lease");
        this.thread.setDaemon(true);
        this.renewals = Executors.newFixedThreadPool(RENEWALS_UNDER_WAY, task -> {
            Thread renewal = new Thread(task, "pgpacer-lease-renewal");
            renewal.setDaemon(true);
            return renewal;
        });
        this.failsafeThread = peers == FailsafePeers.NONE ? null : new Thread(this::runFailsafe, "pgpacer-failsafe");
        if (failsafeThread != null) {
            failsafeThread.setDaemon(true);
        }
    }

    void start() {
        thread.start();
        if (failsafeThread != null) {
            failsafeThread.start();
        }
    }

    /**
     * Starts keeping a lease acquired with a request sent at {@code sentAtMillis} (monotonic).
     */
    synchronized void hold(long leaseGeneration, long sentAtMillis) {
        generation = leaseGeneration;
        deadline = sentAtMillis + leaseMillis - marginMillis;
        notifyAll();
    }

    /** The generation this node holds and may still act on, if any. */
    synchronized OptionalLong held() {
        return generation >= 0 && millis.getAsLong() < deadline ? OptionalLong.of(generation) : OptionalLong.empty();
    }

    /** Milliseconds until this keeper fences unless a renewal lands, by its clock; empty when it holds no lease. */
    synchronized OptionalLong remainingMillis() {
        long left = deadline - millis.getAsLong();
        return generation >= 0 && left > 0 ? OptionalLong.of(left) : OptionalLong.empty();
    }

    /** PostgreSQL's commit guard, as this keeper grants it. */
    CommitGuard commitGuard() {
        return guard;
    }

    /**
     * Grants the lease this keeper holds to PostgreSQL's commit guard now, on the calling thread: before PostgreSQL
     * starts taking writes as a primary (start, promotion), and before the agent writes itself. Does nothing
     * without a lease or a guard; never throws (without a grant, PostgreSQL refuses commits that write).
     */
    void grantCommitGuard() {
        long gen;
        long until;
        synchronized (this) {
            gen = generation;
            until = deadline;
        }
        if (gen >= 0) {
            guard.grantNow(gen, until);
        }
    }

    /** Gives the lease up in the store (best effort) and stops renewing it. */
    void release() {
        long released;
        synchronized (this) {
            released = generation;
            generation = -1;
        }
        if (released >= 0) {
            try {
                store.submit(new ReleaseLease(node, released), Duration.ofMillis(renewMillis));
            } catch (StoreUnavailableException e) {
                LOG.warn("could not release lease generation " + released + " (it will expire): " + e.getMessage());
            }
        }
    }

    /** Forgets the lease without telling the store (the store already took it away). */
    synchronized void forget() {
        generation = -1;
    }

    private void run() {
        while (running) {
            long gen;
            long sendAt;
            synchronized (this) {
                long now = millis.getAsLong();
                if (generation >= 0 && now >= deadline) {
                    lose("lease generation " + generation + " could not be renewed within "
                            + (leaseMillis - marginMillis) + " ms");
                    continue;
                }
                long wait = generation < 0 ? renewMillis : Math.min(renewMillis, deadline - now);
                waitQuietly(wait);
                if (generation < 0 || !running || renewalsUnderWay >= RENEWALS_UNDER_WAY) {
                    continue;
                }
                gen = generation;
                sendAt = millis.getAsLong();
                if (sendAt >= deadline) {
                    continue;
                }
                renewalsUnderWay++;
            }
            try {
                renewals.execute(() -> {
                    try {
                        renew(gen, sendAt);
                    } finally {
                        renewalDone();
                    }
                });
            } catch (RejectedExecutionException e) {
                renewalDone();
            }
        }
    }

    private synchronized void renewalDone() {
        renewalsUnderWay--;
    }

    // A renewal may take until the fencing deadline: a slow commit (a disk stalled by a base backup) that
    // still lands in time keeps the lease; giving up earlier would only fence a healthy primary.
    private void renew(long gen, long sendAt) {
        long budget;
        synchronized (this) {
            budget = Math.max(1, deadline - sendAt);
        }
        try {
            CommandResult result = store.submit(new RenewLease(node, gen), Duration.ofMillis(budget));
            synchronized (this) {
                if (generation != gen) {
                    return;
                }
                if (result.applied()) {
                    // why max: a failsafe ping sent after this renewal may already have moved the deadline further.
                    deadline = Math.max(deadline, sendAt + leaseMillis - marginMillis);
                    guard.grantLater(gen, deadline);
                    if (inFailsafe) {
                        inFailsafe = false;
                        lastRefusal = null;
                        say("failsafe ended: lease generation " + gen + " renewed through the store again");
                    }
                } else {
                    lose("the store refused the renewal: " + result.message());
                }
            }
        } catch (StoreUnavailableException e) {
            LOG.debug("lease renewal not confirmed: " + e.getMessage());
        }
    }

    // --- failsafe ---------------------------------------------------------------------------------------

    /** Below this many milliseconds left, renewals count as failing and failsafe pings begin. */
    long pingThreshold() {
        return pingThreshold(leaseMillis, renewMillis, marginMillis);
    }

    // A renewal that lands resets the time left to lease - margin; a whole renew interval without one means
    // renewals fail. Pinging then leaves the members most of the time left to answer, which a loaded host needs;
    // a ping while the store is merely slow costs nothing (members that reach the store refuse).
    static long pingThreshold(long leaseMillis, long renewMillis, long marginMillis) {
        return Math.max(1, leaseMillis - marginMillis - renewMillis);
    }

    /**
     * How long a ping may take with {@code remaining} ms left: until just before the deadline. An answer that
     * comes later extends nothing, and the extension counts from the send, so a slow answer costs no safety.
     */
    static long pingTimeout(long remaining) {
        return remaining - MIN_PING_MILLIS;
    }

    /** The deadline after a round of pings sent at {@code pingSentAt} that every member confirmed. */
    static long extendedDeadline(long deadline, long pingSentAt, long leaseMillis, long marginMillis) {
        return Math.max(deadline, pingSentAt + leaseMillis - marginMillis);
    }

    private void runFailsafe() {
        while (running) {
            long pause = failsafeRound();
            synchronized (this) {
                if (running) {
                    waitQuietly(pause);
                }
            }
        }
    }

    /**
     * One look of the failsafe thread: pings the members when due and extends the deadline if all confirmed.
     * Returns how long to wait before the next look. Package-private so tests can drive it with a fake clock.
     */
    long failsafeRound() {
        long gen;
        long sentAt;
        long timeout;
        synchronized (this) {
            long now = millis.getAsLong();
            if (generation < 0 || !failsafeOn.getAsBoolean()) {
                return renewMillis;
            }
            if (now - warmedAt >= WARM_UP_MILLIS) {
                warmedAt = now;
                peers.warmUp();
            }
            long remaining = deadline - now;
            long untilDue = Math.max(remaining - pingThreshold(),
                    lastPingAt + (lastRoundRefused ? REFUSED_RETRY_MILLIS : renewMillis) - now);
            if (untilDue > 0) {
                return Math.min(untilDue, renewMillis);
            }
            timeout = pingTimeout(remaining);
            if (timeout < MIN_PING_MILLIS) {
                return renewMillis;
            }
            gen = generation;
            sentAt = now;
            lastPingAt = now;
        }
        FailsafePeers.Round round;
        try {
            round = peers.confirm(node, gen, Duration.ofMillis(timeout));
        } catch (RuntimeException e) {
            round = new FailsafePeers.Round(false, "failsafe ping failed: " + e);
        }
        synchronized (this) {
            lastRoundRefused = !round.confirmed();
            if (!round.confirmed()) {
                // why: pings start while a renewal may merely be late; only a refusal close to fencing is news,
                // and a refusal that came as the keeper fenced says why it did.
                long left = generation == gen ? deadline - millis.getAsLong() : 0;
                if (left < renewMillis && !round.detail().equals(lastRefusal)) {
                    lastRefusal = round.detail();
                    say("failsafe: not every member confirmed (" + round.detail() + "); fencing in "
                            + Math.max(0, left) + " ms unless a renewal lands");
                }
                return generation == gen ? 1 : renewMillis;
            }
            if (generation != gen) {
                return renewMillis;
            }
            // why: past the deadline the fencing thread has fenced or is about to; an extension then would race it.
            if (millis.getAsLong() >= deadline) {
                return renewMillis;
            }
            deadline = extendedDeadline(deadline, sentAt, leaseMillis, marginMillis);
            guard.grantLater(gen, deadline);
            lastRefusal = null;
            if (!inFailsafe) {
                inFailsafe = true;
                say("failsafe: the store is unreachable but every other member confirmed it is cut off too and"
                        + " sees no other primary; keeping lease generation " + gen + " (no failover can happen now)");
            }
            return 1;
        }
    }

    private void say(String text) {
        LOG.warn(text);
        notice.accept(text);
    }

    // Called with the monitor held.
    private void lose(String reason) {
        generation = -1;
        inFailsafe = false;
        LOG.warn("fencing: " + reason + "; stopping PostgreSQL writes");
        fence.accept(reason);
    }

    private void waitQuietly(long millisToWait) {
        try {
            wait(Math.max(1, millisToWait));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (this) {
            notifyAll();
        }
        thread.interrupt();
        renewals.shutdownNow();
        if (failsafeThread != null) {
            failsafeThread.interrupt();
        }
        guard.close();
    }
}
