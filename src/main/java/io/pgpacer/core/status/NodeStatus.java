package io.pgpacer.core.status;

/**
 * One node as the operator sees it, with the node attributes of the reference's {@code crm_mon -A}:
 * {@code master-pgsql}, {@code pgsql-status}, {@code pgsql-data-status}, {@code pgsql-master-baseline}.
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
        String lastError) {
}
