package io.pgpacer.agent;

import io.pgpacer.vip.VirtualIp;
import java.util.function.BooleanSupplier;

/**
 * The writer VIP on this host: present only while this node holds a valid primary lease. The agent's loop
 * claims it once PostgreSQL serves as primary; the lease keeper's fencing releases it from its own thread.
 * Both are idempotent, and a claim checks the lease again after adding the address, so whichever of a
 * claim and a fence runs last, the address ends up absent when the lease is gone.
 */
final class WriterVip {

    private final VirtualIp vip;
    /**
     * False only once this agent removed the address (or saw it absent) and has not added it since: a node that
     * is not the primary then needs no {@code ip} call on every pass. True at start, when nothing is known.
     */
    private volatile boolean mayBeHere = true;
    private volatile Runnable added = () -> { };

    /** @param vip null when no writer VIP is configured: every call then does nothing */
    WriterVip(VirtualIp vip) {
        this.vip = vip;
    }

    /** Calls {@code listener} (instead of any earlier one) each time a claim added the address and kept it. */
    void onAdded(Runnable listener) {
        added = listener;
    }

    /** False once the address is known to be absent from this host (no release needed). */
    boolean mayBeHere() {
        return vip != null && mayBeHere;
    }

    /** Adds the address if it is missing and the lease is valid; returns what it did, or null when nothing. */
    String claim(BooleanSupplier leaseValid) {
        if (vip == null || !leaseValid.getAsBoolean()) {
            return null;
        }
        // why before the start: a fence running meanwhile must know that there may be something to remove.
        mayBeHere = true;
        if (vip.isPresent()) {
            return null;
        }
        vip.start();
        if (!leaseValid.getAsBoolean()) {
            vip.stop();
            return "writer VIP " + vip.address() + " not kept: the lease ended meanwhile";
        }
        added.run();
        return "writer VIP " + vip.address() + " started";
    }

    /** Removes the address if present; returns what it did, or null when nothing. */
    String release() {
        if (vip == null || !mayBeHere) {
            return null;
        }
        if (!vip.isPresent()) {
            mayBeHere = false;
            return null;
        }
        vip.stop();
        mayBeHere = false;
        return "writer VIP " + vip.address() + " stopped";
    }
}
