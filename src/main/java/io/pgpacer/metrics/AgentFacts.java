package io.pgpacer.metrics;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.postgres.PgObservation;
import io.pgpacer.store.ClusterStore.StoreInfo;
import io.pgpacer.postgres.CommitGuardState;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one agent knows when Prometheus scrapes it: its PostgreSQL, its lease, its Raft member and its copy of
 * the CIB. Plain data, so that the metrics can be computed from a hand-made one.
 *
 * @param node this agent's node name
 * @param witness whether the agent runs no PostgreSQL
 * @param report the agent's latest report of its PostgreSQL; null before its first pass
 * @param observed the look at PostgreSQL that report was built from; null before the first pass and on a witness
 * @param observedAgeMillis how long ago that look was, by the agent's monotonic clock
 * @param leaseRemainingMillis until the agent fences unless a renewal lands, by its fencing clock; empty when it
 *     holds no lease
 * @param raft this Raft member's term, leader and indexes
 * @param cib this member's copy of the CIB (a scrape never waits for a majority)
 * @param lastFailover the last failover this agent timed; null when it timed none
 * @param commitGuard the commit guard in this node's PostgreSQL; empty when not used or not loaded
 */
public record AgentFacts(String node, boolean witness, NodeReport report, PgObservation observed,
                         long observedAgeMillis, OptionalLong leaseRemainingMillis, StoreInfo raft, Cib cib,
                         FailoverTimer.Failover lastFailover, Optional<CommitGuardState> commitGuard) {

    /** Facts of an agent without the commit guard. */
    public AgentFacts(String node, boolean witness, NodeReport report, PgObservation observed, long observedAgeMillis,
            OptionalLong leaseRemainingMillis, StoreInfo raft, Cib cib, FailoverTimer.Failover lastFailover) {
        this(node, witness, report, observed, observedAgeMillis, leaseRemainingMillis, raft, cib, lastFailover,
                Optional.empty());
    }
}
