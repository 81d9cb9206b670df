package io.pgpacer.core.cib;

/**
 * The primary lease: only its holder may run a writable PostgreSQL. The controller counts it expired when
 * {@code renewals} has not changed for the lease time by its own clock; the holder fences itself earlier,
 * by its clock, measured from when it sent its last successful renewal.
 *
 * <p>A guarded lease ({@link Cib#leaseGuarded()}) expires sooner, {@link #fenceMarginMillis} before the lease time.
 * The margin exists so that the holder has stopped PostgreSQL before anybody else may promote; a holder whose
 * PostgreSQL runs the commit guard under this generation needs no stop for that: the guard refuses commits, and
 * withholds their acknowledgements, from a quarter of the margin before the holder's fencing deadline (its send +
 * lease time - margin), by PostgreSQL's own clock, even when the host froze and thawed. The controller saw the
 * renewal after it was sent, so its expiry at {@code seen + lease time - margin} still comes after the last commit
 * the old primary could acknowledge, and the new primary accepts writes only after it took the lease and promoted.
 *
 * @param holder the node holding the lease, or null when it is free
 * @param generation grows with every acquisition, so a renewal from an old holding is refused
 * @param renewals grows with every renewal of the current holding
 */
public record Lease(String holder, long generation, long renewals) {

    public static final Lease FREE = new Lease(null, 0, 0);

    /**
     * How long before its lease could expire a holder fences itself, to leave PostgreSQL time to stop: a quarter of
     * the lease time, at least 300 ms. One formula for the holder's deadline and the controller's guarded expiry.
     */
    public static long fenceMarginMillis(long leaseMillis) {
        return Math.max(300, leaseMillis / 4);
    }

    /**
     * How long the controller must see this lease unchanged before it may expire it: the lease time, less the fence
     * margin when {@code guarded} (see the class comment).
     */
    public static long expiresAfterMillis(long leaseMillis, boolean guarded) {
        return guarded ? leaseMillis - fenceMarginMillis(leaseMillis) : leaseMillis;
    }

    /** The holding alone, without its renewals: it changes only when the lease changes hands or is freed. */
    public Lease holding() {
        return new Lease(holder, generation, 0);
    }

    public boolean isFree() {
        return holder == null;
    }

    public boolean heldBy(String node) {
        return node != null && node.equals(holder);
    }
}
