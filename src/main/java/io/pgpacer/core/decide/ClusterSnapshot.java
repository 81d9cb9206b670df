package io.pgpacer.core.decide;

import io.pgpacer.core.cib.Cib;
import java.util.Map;

/**
 * Everything the scheduler decides on: the CIB plus what the controller observed with its own monotonic
 * clock. All times are milliseconds on that one clock; the scheduler never reads a clock itself.
 *
 * @param now the controller's clock when the snapshot was taken
 * @param lastHeard per node, when the controller last saw that node's report change
 * @param leaseSeenAt when the controller first saw the lease exactly as it is now (holder, generation,
 *     renewals): a held lease is expired once {@code now - leaseSeenAt >= leaseMillis}; a free lease has
 *     been free since then
 * @param controllerSince when this controller became the Raft leader: nothing older is known to it
 * @param switchoverSeenAt when the controller first saw the switchover record exactly as it is now
 * @param wallClock the controller's wall clock (epoch milliseconds), only to start a switchover scheduled
 *     by the operator for a time of day; no safety decision depends on it
 */
public record ClusterSnapshot(Cib cib, long now, Map<String, Long> lastHeard, long leaseSeenAt,
        long controllerSince, long switchoverSeenAt, long wallClock) {

    public ClusterSnapshot {
        lastHeard = Map.copyOf(lastHeard);
    }

    /** A node is online while its reports keep changing within the node timeout. */
    public boolean online(String node) {
        Long heard = lastHeard.get(node);
        return heard != null && now - heard < cib.settings().nodeTimeoutMillis();
    }

    /** Whether the node reported since the lease was last seen changing (e.g. since it became free). */
    public boolean heardSinceLeaseChange(String node) {
        Long heard = lastHeard.get(node);
        return heard != null && heard > leaseSeenAt;
    }

    public long leaseAge() {
        return now - leaseSeenAt;
    }

    /** How long the switchover record has been as it is now, by the controller's clock. */
    public long switchoverAge() {
        return now - switchoverSeenAt;
    }

    /**
     * Whether {@code node} has been silent for the node timeout, counted from when this controller last heard it or
     * took office if later: by then an agent cut off from the store has dropped its addresses and resources, by
     * its own clock from its last report that got through.
     */
    public boolean silentForNodeTimeout(String node) {
        long heardOrElected = Math.max(lastHeard.getOrDefault(node, Long.MIN_VALUE), controllerSince);
        return now - heardOrElected >= cib.settings().nodeTimeoutMillis();
    }

    public long sinceControllerStart() {
        return now - controllerSince;
    }
}
