package io.pgpacer.agent;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.vip.VirtualIp;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The reader VIP on this host: present only while the controller assigned it here, this node's PostgreSQL can
 * serve it, and this agent is in touch with the store. "In touch" has a deadline, kept by a timer of its own
 * so that an agent loop stuck in a store call still drops the address: the node timeout after the last report
 * that got through was sent, less a margin. The controller gives the address to another node only after it
 * has not heard from this one for the node timeout, counted from when it saw that report, which is later.
 */
final class ReaderVipHolder implements AutoCloseable {

    /** Time left for {@code ip addr del} between this agent's deadline and the controller's. */
    static final long MARGIN_MILLIS = 300;

    private final String self;
    private final VirtualIp vip;
    private final long contactMillis;
    private final LongSupplier millis;
    private final Consumer<String> events;
    private final ScheduledExecutorService timer;
    private ScheduledFuture<?> dropAtDeadline;
    private long contactDeadline = Long.MIN_VALUE;
    private long seenVersion;
    /** False only once this agent removed the address (or saw it absent) and has not added it since. */
    private boolean mayBeHere = true;

    /**
     * @param vip null when no reader VIP is configured: the holder then only reports what it saw
     * @param nodeTimeoutMillis the controller's node timeout
     * @param events receives a sentence for every change of the address
     */
    ReaderVipHolder(String self, VirtualIp vip, long nodeTimeoutMillis, LongSupplier monotonicMillis,
            Consumer<String> events) {
        this.self = self;
        this.vip = vip;
        this.contactMillis = nodeTimeoutMillis - MARGIN_MILLIS;
        this.millis = monotonicMillis;
        this.events = events;
        this.timer = vip == null ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "pgpacer-reader-vip");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Adds or removes the address as {@code cib} assigns it, given whether this node's PostgreSQL can serve it
     * now. Call before building the report, which then carries {@link #carries()} and {@link #seenVersion()}.
     */
    synchronized void follow(Cib cib, boolean canServe) {
        seenVersion = cib.readerVip().version();
        if (vip == null) {
            return;
        }
        boolean wanted = self.equals(cib.readerVip().node()) && canServe && millis.getAsLong() < contactDeadline;
        if (wanted) {
            mayBeHere = true;
            if (!vip.isPresent()) {
                vip.start();
                events.accept("reader VIP " + vip.address() + " started");
            }
        } else {
            drop(!self.equals(cib.readerVip().node()) ? "assigned elsewhere"
                    : !canServe ? "PostgreSQL cannot serve reads here" : "out of touch with the store");
        }
    }

    /** A report sent at {@code sentAtMillis} (monotonic) got through: the address may stay until the deadline. */
    synchronized void reportLanded(long sentAtMillis) {
        if (vip == null) {
            return;
        }
        contactDeadline = Math.max(contactDeadline, sentAtMillis + contactMillis);
        if (dropAtDeadline != null) {
            dropAtDeadline.cancel(false);
        }
        long delay = contactDeadline - millis.getAsLong();
        dropAtDeadline = timer.schedule(this::dropIfOutOfTouch, Math.max(0, delay), TimeUnit.MILLISECONDS);
    }

    /** Whether the address may be on this host: added and not removed since (no {@code ip} call). */
    synchronized boolean carries() {
        return vip != null && mayBeHere;
    }

    synchronized long seenVersion() {
        return seenVersion;
    }

    /** Removes the address if present, saying why. */
    synchronized void drop(String why) {
        if (vip == null || !mayBeHere) {
            return;
        }
        if (vip.isPresent()) {
            vip.stop();
            events.accept("reader VIP " + vip.address() + " stopped: " + why);
        }
        mayBeHere = false;
    }

    private synchronized void dropIfOutOfTouch() {
        if (millis.getAsLong() >= contactDeadline) {
            try {
                drop("no report reached the store for " + contactMillis + " ms");
            } catch (RuntimeException e) {
                events.accept("could not remove the reader VIP: " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
