package io.pgpacer.agent;

import io.pgpacer.config.Timings;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand.ReleaseLease;
import io.pgpacer.core.command.StoreCommand.RenewLease;
import io.pgpacer.store.ClusterStore;
import io.pgpacer.store.StoreUnavailableException;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's primary lease alive and fences PostgreSQL before it could expire. The deadline is
 * measured by this host's monotonic clock from when the last successful renewal was <em>sent</em>, minus
 * a margin for PostgreSQL to stop; the controller counts expiry from when it <em>saw</em> that renewal, which
 * is always later. Runs on its own thread so that a long step of the agent never delays fencing.
 */
final class LeaseKeeper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final String node;
    private final ClusterStore store;
    private final long leaseMillis;
    private final long renewMillis;
    private final long marginMillis;
    private final Consumer<String> fence;
    private final LongSupplier millis;
    private final Thread thread;
    private volatile boolean running = true;

    private long generation = -1;
    private long deadline;

    /**
     * @param fence stops PostgreSQL from accepting writes; called with the reason, on this keeper's thread
     */
    LeaseKeeper(String node, ClusterStore store, Timings timings, Consumer<String> fence, LongSupplier monotonicMillis) {
        this.node = node;
        this.store = store;
        this.leaseMillis = timings.leaseTime().toMillis();
        this.renewMillis = timings.renewInterval().toMillis();
        this.marginMillis = timings.fenceMargin().toMillis();
        this.fence = fence;
        this.millis = monotonicMillis;
        this.thread = new Thread(this::run, "pgpacer-lease");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
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
                if (generation < 0 || !running) {
                    continue;
                }
                gen = generation;
                sendAt = millis.getAsLong();
                if (sendAt >= deadline) {
                    continue;
                }
            }
            renew(gen, sendAt);
        }
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
                    deadline = sendAt + leaseMillis - marginMillis;
                } else {
                    lose("the store refused the renewal: " + result.message());
                }
            }
        } catch (StoreUnavailableException e) {
            LOG.debug("lease renewal not confirmed: " + e.getMessage());
        }
    }

    // Called with the monitor held.
    private void lose(String reason) {
        generation = -1;
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
    }
}
