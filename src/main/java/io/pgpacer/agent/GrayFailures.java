package io.pgpacer.agent;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.probe.ProbeVerdict;
import io.pgpacer.core.probe.ReceiptStall;
import io.pgpacer.postgres.PgObservation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gray failures of one node, on the agent's loop: a primary whose write probe timed out or failed, a standby whose
 * received WAL stands still while its upstream's advances. Each is found once (a probe attempt is judged a failure
 * once), counted by kind, and remembered as the node's current gray failure until it runs healthy again, for the
 * health checks and the metrics.
 */
final class GrayFailures {

    /** The kinds, as metric labels. */
    static final List<String> KINDS = List.of("commit_timed_out", "commit_failed", "replication_stalled");

    /** One gray failure found: its kind, the failed action's words, and whether it is a primary's commits hanging. */
    record Found(String kind, String reason, boolean commitsHang) {
    }

    private final Map<String, AtomicLong> counts = new LinkedHashMap<>();
    private volatile String current;
    private ReceiptStall stall;
    private long reportedAttempt;

    GrayFailures() {
        KINDS.forEach(kind -> counts.put(kind, new AtomicLong()));
    }

    /**
     * Judges one pass: {@code verdict} is the write probe's when this node runs as primary under its lease, else
     * null. Returns the gray failure to report now, or null.
     */
    Found judge(Cib cib, PgObservation observed, ProbeVerdict verdict, long nowMillis) {
        long timeout = cib.settings().writeProbeTimeoutMillis();
        if (verdict != null) {
            stall = null;
            if (!verdict.grayFailure()) {
                if (verdict.kind() == ProbeVerdict.Kind.HEALTHY) {
                    current = null;
                }
                return null;
            }
            if (verdict.attempt() == reportedAttempt) {
                return null;
            }
            reportedAttempt = verdict.attempt();
            return found(verdict.kind() == ProbeVerdict.Kind.TIMED_OUT ? "commit_timed_out" : "commit_failed",
                    verdict.reason(), true);
        }
        // why streaming only: a standby that lost its upstream is not streaming, and the executor handles that; a
        // stopped walreceiver or walsender still shows as streaming.
        if (!observed.running() || !observed.reachable() || !observed.inRecovery() || !observed.streaming()) {
            stall = null;
            return null;
        }
        String upstream = Agent.nodeAt(cib, observed.senderHost(), observed.senderPort());
        Optional<Lsn> upstreamAt = Optional.ofNullable(upstream).flatMap(cib::report)
                .filter(r -> r.pgState() == PgState.PRIMARY || r.pgState() == PgState.STANDBY).map(NodeReport::lsn);
        if (upstreamAt.isEmpty()) {
            stall = null;
            return null;
        }
        stall = stall == null ? ReceiptStall.start(observed.receiveLsn(), nowMillis)
                : stall.next(observed.receiveLsn(), upstreamAt.get(), nowMillis);
        Optional<String> failure = stall.failure(nowMillis, timeout, upstream, upstreamAt.get());
        if (failure.isEmpty()) {
            if (stall.behindSinceMillis() < 0) {
                current = null;
            }
            return null;
        }
        stall = null;
        return found("replication_stalled", failure.get(), false);
    }

    private Found found(String kind, String reason, boolean commitsHang) {
        counts.get(kind).incrementAndGet();
        current = reason;
        return new Found(kind, reason, commitsHang);
    }

    /** The latest gray failure while the node has not run healthy since; null when there is none. */
    String current() {
        return current;
    }

    /** The failures counted since the agent started, by kind. */
    Map<String, Long> counts() {
        Map<String, Long> copy = new LinkedHashMap<>();
        counts.forEach((kind, count) -> copy.put(kind, count.get()));
        return copy;
    }
}
