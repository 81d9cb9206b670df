package io.pgpacer.api;

import io.pgpacer.agent.LocalAgent.LoopProgress;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.store.MemberHealth;

/**
 * Everything a health check may look at, gathered once per request: the agent's latest observation of its
 * PostgreSQL, its own lease keeper, the lease holder and the primary's position from this node's copy of the
 * CIB, the agent loop's progress and its store member's health. {@link HealthCheck} decides from these alone.
 *
 * @param postgres this node's PostgreSQL as its agent last observed it; null before the first observation
 * @param observedMillisAgo the age of {@code postgres}, by the agent's monotonic clock
 * @param postmasterAlive whether the postmaster {@code postgres} names still exists now (a process-table lookup
 *     when the request is answered, so a killed postmaster shows before the agent's next pass)
 * @param holdsValidLease whether the agent's lease keeper holds a lease it may still act on (the self-fencing
 *     clock, which runs out before the store's)
 * @param leaseHolder the holder in this node's copy of the CIB; null when the lease is free
 * @param primaryLsn the primary's WAL position from its last report in the CIB; null when unknown
 * @param staleAfterMillis observations older than this are not trusted, and a loop idle for longer is stuck:
 *     the cluster's node timeout, after which the controller also stops trusting a node's reports
 * @param storeMember whether this node's member of the store can take part in it (its Raft storage is usable)
 * @param grayFailure the gray failure the agent found last (commits hang or fail, WAL receipt stalls) while the node
 *     has not run healthy since; null when there is none
 */
public record HealthFacts(
        String node,
        boolean witness,
        NodeReport postgres,
        long observedMillisAgo,
        boolean postmasterAlive,
        boolean holdsValidLease,
        String leaseHolder,
        Lsn primaryLsn,
        LoopProgress loop,
        long staleAfterMillis,
        MemberHealth storeMember,
        String grayFailure) {

    /** Facts without a gray failure. */
    public HealthFacts(String node, boolean witness, NodeReport postgres, long observedMillisAgo,
            boolean postmasterAlive, boolean holdsValidLease, String leaseHolder, Lsn primaryLsn, LoopProgress loop,
            long staleAfterMillis, MemberHealth storeMember) {
        this(node, witness, postgres, observedMillisAgo, postmasterAlive, holdsValidLease, leaseHolder, primaryLsn,
                loop, staleAfterMillis, storeMember, null);
    }
}
