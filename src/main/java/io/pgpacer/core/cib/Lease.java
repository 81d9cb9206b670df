package io.pgpacer.core.cib;

/**
 * The primary lease: only its holder may run a writable PostgreSQL. The controller counts it expired when
 * {@code renewals} has not changed for the lease time by its own clock; the holder fences itself earlier,
 * by its clock, measured from when it sent its last successful renewal.
 *
 * @param holder the node holding the lease, or null when it is free
 * @param generation grows with every acquisition, so a renewal from an old holding is refused
 * @param renewals grows with every renewal of the current holding
 */
public record Lease(String holder, long generation, long renewals) {

    public static final Lease FREE = new Lease(null, 0, 0);

    public boolean isFree() {
        return holder == null;
    }

    public boolean heldBy(String node) {
        return node != null && node.equals(holder);
    }
}
