package io.pgpacer.core.cib;

import io.pgpacer.core.model.Lsn;
import java.util.List;

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
        long readerVipSeen) {

    public NodeReport {
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
        lsn = lsn == null ? Lsn.ZERO : lsn;
        replayLsn = replayLsn == null ? Lsn.ZERO : replayLsn;
    }

    /** A report of a node that carries no reader VIP. */
    public NodeReport(String node, long sequence, PgState pgState, long postmasterPid, long timeline, Lsn lsn,
            Lsn replayLsn, String upstream, boolean streaming, List<ReplicaStatus> replicas, String activity,
            String lastError, String reportedAt) {
        this(node, sequence, pgState, postmasterPid, timeline, lsn, replayLsn, upstream, streaming, replicas, activity,
                lastError, reportedAt, false, 0);
    }

    public boolean running() {
        return pgState == PgState.PRIMARY || pgState == PgState.STANDBY || pgState == PgState.UNRESPONSIVE;
    }

    public boolean hasData() {
        return pgState != PgState.NO_DATA;
    }
}
