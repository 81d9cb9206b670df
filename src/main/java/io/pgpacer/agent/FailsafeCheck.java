package io.pgpacer.agent;

import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.PgState;

/**
 * Whether this member confirms a failsafe ping: a pure function of what it knows. A primary that cannot
 * renew its lease keeps serving only while every other member confirms (option {@code failsafe}).
 *
 * <p>A member confirms only when all of these hold: failsafe is on in its copy of the cluster settings; the
 * asking node is a configured data node other than itself; its own store call just failed (it is cut off
 * from the store too, so the store cannot be running a failover without the primary); its own PostgreSQL is
 * not a primary and it holds no lease; and its copy of the
 * CIB names no lease holder but the asking primary (at no later generation than the one asked about).
 *
 * <p>Confirming is safe whatever the store really does, because the member also promises not to acquire
 * the lease for a lease time after it answered ({@link FailsafePromise}); the cut-off check is what makes a
 * failover still happen when the others do reach the store: then they refuse, and the primary fences.
 */
final class FailsafeCheck {

    private FailsafeCheck() {
    }

    /**
     * What the member knows when a ping arrives.
     *
     * @param self this member's name
     * @param primary the asking node
     * @param generation the lease generation the asking node holds
     * @param failsafeOn whether failsafe is on in this member's copy of the cluster settings
     * @param primaryIsDataNode whether the asking node is a configured data node
     * @param storeReachable whether this member's own store call just succeeded
     * @param ownState this member's PostgreSQL as last observed, or null for a witness (or before the first look)
     * @param witness whether this member runs no PostgreSQL
     * @param holdsLease whether this member's own lease keeper holds a lease
     * @param localLease the lease in this member's copy of the CIB
     */
    record Facts(String self, String primary, long generation, boolean failsafeOn, boolean primaryIsDataNode,
            boolean storeReachable, PgState ownState, boolean witness, boolean holdsLease, Lease localLease) {
    }

    /** The answer: confirmed, and why (or why not). */
    record Answer(boolean confirmed, String reason) {
        static Answer refuse(String reason) {
            return new Answer(false, reason);
        }
    }

    static Answer decide(Facts f) {
        if (!f.failsafeOn()) {
            return Answer.refuse("failsafe is off in this member's cluster settings");
        }
        if (f.primary() == null || f.primary().equals(f.self())) {
            return Answer.refuse("a failsafe ping must come from another node, not from " + f.primary());
        }
        if (!f.primaryIsDataNode()) {
            return Answer.refuse(f.primary() + " is not a data node of this cluster");
        }
        if (f.storeReachable()) {
            return Answer.refuse(f.self() + " reaches the store: the store decides, not failsafe");
        }
        if (f.holdsLease()) {
            return Answer.refuse(f.self() + " holds a primary lease itself");
        }
        if (!f.witness()) {
            if (f.ownState() == null) {
                return Answer.refuse(f.self() + " has not observed its own PostgreSQL yet");
            }
            if (f.ownState() == PgState.PRIMARY) {
                return Answer.refuse(f.self() + " runs a writable PostgreSQL (not in recovery)");
            }
        }
        Lease lease = f.localLease();
        if (!lease.isFree() && !lease.heldBy(f.primary())) {
            return Answer.refuse(f.self() + " sees " + lease.holder() + " holding the lease (generation "
                    + lease.generation() + ")");
        }
        if (lease.heldBy(f.primary()) && lease.generation() > f.generation()) {
            return Answer.refuse(f.self() + " sees " + f.primary() + " holding a later lease generation "
                    + lease.generation() + " than " + f.generation());
        }
        return new Answer(true, f.self() + " is cut off from the store too and sees no other primary");
    }
}
