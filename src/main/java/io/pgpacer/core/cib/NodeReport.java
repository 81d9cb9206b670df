package io.pgpacer.core.cib;

import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.resource.ResourceState;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a node's agent observed of its PostgreSQL, published through the store every monitor interval.
 *
 * @param sequence grows with every report; the controller counts a node online while it keeps changing
 * @param timeline the timeline PostgreSQL runs on (or the last checkpoint's when stopped)
 * @param lsn the position that ranks this node as a promotion candidate: the current WAL position on a
 *     primary, the highest received or replayed position on a standby, the checkpoint when stopped
 * @param upstream the node a standby is streaming from, null when not streaming
 * @param activity what the agent is doing now ("pg_basebackup from node1"), or its last outcome
 * @param reportedAt the agent's wall clock, ISO-8601, for operators only (never used to decide)
 * @param readerVip whether this node carried the reader VIP when it built the report
 * @param readerVipSeen the {@link ReaderVip#version()} of the assignment this node had seen then
 * @param resources what the agent observed of each primitive resource it runs or ran, by resource id
 * @param commitGuard the commit guard in this node's PostgreSQL; {@link CommitGuardReport#UNKNOWN} in a report of
 *     an agent that predates it
 */
public record NodeReport(
        String node,
        long sequence,
        PgState pgState,
        long postmasterPid,
        long timeline,
        Lsn lsn,
        Lsn replayLsn,
        String upstream,
        boolean streaming,
        List<ReplicaStatus> replicas,
        String activity,
        String lastError,
        String reportedAt,
        boolean readerVip,
        long readerVipSeen,
        Map<String, ResourceState> resources,
        CommitGuardReport commitGuard) {

    public NodeReport {
        commitGuard = commitGuard == null ? CommitGuardReport.UNKNOWN : commitGuard;
        resources = resources == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(resources));
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
        lsn = lsn == null ? Lsn.ZERO : lsn;
        replayLsn = replayLsn == null ? Lsn.ZERO : replayLsn;
    }

    /** A report that says nothing of the commit guard. */
    public NodeReport(String node, long sequence, PgState pgState, long postmasterPid, long timeline, Lsn lsn,
            Lsn replayLsn, String upstream, boolean streaming, List<ReplicaStatus> replicas, String activity,
            String lastError, String reportedAt, boolean readerVip, long readerVipSeen,
            Map<String, ResourceState> resources) {
        this(node, sequence, pgState, postmasterPid, timeline, lsn, replayLsn, upstream, streaming, replicas, activity,
                lastError, reportedAt, readerVip, readerVipSeen, resources, CommitGuardReport.UNKNOWN);
    }

    /** A report of a node that runs no primitive resource. */
    public NodeReport(String node, long sequence, PgState pgState, long postmasterPid, long timeline, Lsn lsn,
            Lsn replayLsn, String upstream, boolean streaming, List<ReplicaStatus> replicas, String activity,
            String lastError, String reportedAt, boolean readerVip, long readerVipSeen) {
        this(node, sequence, pgState, postmasterPid, timeline, lsn, replayLsn, upstream, streaming, replicas, activity,
                lastError, reportedAt, readerVip, readerVipSeen, Map.of(), CommitGuardReport.UNKNOWN);
    }

    /** A report of a node that carries no reader VIP and runs no primitive resource. */
    public NodeReport(String node, long sequence, PgState pgState, long postmasterPid, long timeline, Lsn lsn,
            Lsn replayLsn, String upstream, boolean streaming, List<ReplicaStatus> replicas, String activity,
            String lastError, String reportedAt) {
        this(node, sequence, pgState, postmasterPid, timeline, lsn, replayLsn, upstream, streaming, replicas, activity,
                lastError, reportedAt, false, 0, Map.of(), CommitGuardReport.UNKNOWN);
    }

    public boolean running() {
        return pgState == PgState.PRIMARY || pgState == PgState.STANDBY || pgState == PgState.UNRESPONSIVE;
    }

    public boolean hasData() {
        return pgState != PgState.NO_DATA;
    }
}
