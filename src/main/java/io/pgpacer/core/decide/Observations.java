package io.pgpacer.core.decide;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.Switchover;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What this member saw change, and when, by its own monotonic clock: each node's reports and the lease.
 * Updated from every applied CIB.
 *
 * <p>Why a follower's observations are safe for a new controller: a renewal is applied here only after
 * its holder sent it, so "lease unchanged for the lease time since I saw it" is never earlier than the
 * holder's own deadline, which is measured from the send.
 *
 * <p>After a gap in applied commands longer than the lease time and the node timeout (the store had no
 * majority, or its Raft layer was stuck), the lease clock starts again when commands apply again, and it
 * stands still while the gap lasts. Without this, the first controller after the gap would expire at once
 * a lease that nobody could renew during the gap, and fence a primary that kept serving under failsafe (or
 * that simply never reached a working store). Starting the clock later only ever delays an expiry, so it
 * keeps S1: the holder's own deadline stays earlier than the controller's.
 */
public final class Observations {

    private final LongSupplier millis;
    private final LongSupplier wallMillis;
    private final long since;
    private final Map<String, Long> lastSequence = new HashMap<>();
    private final Map<String, Long> lastHeard = new HashMap<>();
    private Lease lastLease;
    private long leaseSeenAt;
    private long lastAppliedAt;
    private Switchover lastSwitchover;
    private long switchoverSeenAt;

    /** From now on, by {@code monotonicMillis}; {@code wallMillis} dates the snapshots for their readers. */
    public Observations(LongSupplier monotonicMillis, LongSupplier wallMillis) {
        this.millis = monotonicMillis;
        this.wallMillis = wallMillis;
        this.since = monotonicMillis.getAsLong();
        this.leaseSeenAt = since;
        this.lastAppliedAt = since;
    }

    /** How long no command may apply before the lease clock starts again: the lease time and the node timeout. */
    public static long gapMillis(Cib cib) {
        return Math.max(cib.settings().leaseMillis(), cib.settings().nodeTimeoutMillis());
    }

    public synchronized void record(Cib cib) {
        long now = millis.getAsLong();
        for (NodeReport report : cib.reports().values()) {
            Long previous = lastSequence.put(report.node(), report.sequence());
            // why: a report already in the CIB when we start says nothing about whether its node is alive now;
            // only a change seen by us does.
            if (previous != null && previous != report.sequence()) {
                lastHeard.put(report.node(), now);
            }
        }
        if (!cib.lease().equals(lastLease) || now - lastAppliedAt >= gapMillis(cib)) {
            lastLease = cib.lease();
            leaseSeenAt = now;
        }
        lastAppliedAt = now;
        if (!Objects.equals(cib.switchover(), lastSwitchover)) {
            lastSwitchover = cib.switchover();
            switchoverSeenAt = now;
        }
    }

    public synchronized ClusterSnapshot snapshot(Cib cib, long controllerSince) {
        long now = millis.getAsLong();
        // why: during a gap nothing could renew the lease; its age counts from when the store applies again.
        long leaseSince = cib.lease().equals(lastLease) && now - lastAppliedAt < gapMillis(cib) ? leaseSeenAt : now;
        long switchoverSince = Objects.equals(cib.switchover(), lastSwitchover) ? switchoverSeenAt : now;
        return new ClusterSnapshot(cib, now, Map.copyOf(lastHeard), leaseSince, controllerSince, switchoverSince,
                wallMillis.getAsLong());
    }

    public synchronized boolean online(String node, long nodeTimeoutMillis) {
        Long heard = lastHeard.get(node);
        return heard != null && millis.getAsLong() - heard < nodeTimeoutMillis;
    }

    public long now() {
        return millis.getAsLong();
    }
}
