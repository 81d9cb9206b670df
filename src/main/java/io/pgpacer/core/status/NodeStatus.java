package io.pgpacer.core.status;

import io.pgpacer.core.cib.CommitGuardReport;

/**
 * One node as the operator sees it, with the node attributes of the reference's {@code crm_mon -A}:
 * {@code master-pgsql}, {@code pgsql-status}, {@code pgsql-data-status}, {@code pgsql-master-baseline}.
 *
 * @param commitGuard the commit guard in the node's PostgreSQL as its last report says; {@link
 *     CommitGuardReport#UNKNOWN} when it has none, or an agent of an earlier version answered
 * @param healthy online, and its PostgreSQL runs as the primary or streams as a standby: the condition for its
 *     fail-count to expire
 * @param failCountExpiry when the node's fail-count expires; null without a fail-count
 */
public record NodeStatus(
        String name,
        boolean online,
        boolean witness,
        String goal,
        String pgState,
        String pgsqlStatus,
        String dataStatus,
        String masterScore,
        String masterBaseline,
        long timeline,
        String lsn,
        String upstream,
        long postmasterPid,
        int failCount,
        String lastFailure,
        String activity,
        String lastError,
        CommitGuardReport commitGuard,
        boolean healthy,
        FailCountExpiry failCountExpiry) {

    public NodeStatus {
        commitGuard = commitGuard == null ? CommitGuardReport.UNKNOWN : commitGuard;
    }
}
