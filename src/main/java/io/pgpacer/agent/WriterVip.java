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

    /** @param vip null when no writer VIP is configured: every call then does nothing */
    WriterVip(VirtualIp vip) {
        this.vip = vip;
    }

    /** Adds the address if it is missing and the lease is valid; returns what it did, or null when nothing. */
    String claim(BooleanSupplier leaseValid) {
        if (vip == null || !leaseValid.getAsBoolean() || vip.isPresent()) {
            return null;
        }
        vip.start();
        if (!leaseValid.getAsBoolean()) {
            vip.stop();
            return "writer VIP " + vip.address() + " not kept: the lease ended meanwhile";
        }
        return "writer VIP " + vip.address() + " started";
    }

    /** Removes the address if present; returns what it did, or null when nothing. */
    String release() {
        if (vip == null || !vip.isPresent()) {
            return null;
        }
        vip.stop();
        return "writer VIP " + vip.address() + " stopped";
    }
}
