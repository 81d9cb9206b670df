package io.pgpacer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.DiscardReport;
import io.pgpacer.core.cib.PromotionPhases;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.core.status.NodeStatus;
import java.util.List;
import java.util.Optional;

/**
 * The cluster as Patroni's {@code GET /cluster} shows it (members with role, state, timeline, lag and API
 * address), built from pgpacer's own status view; and the timeline history as {@code GET /history} shows it.
 * Lags are in bytes of WAL behind the primary, from the positions both last reported through the store.
 *
 * @param scope the cluster name
 * @param quorum whether the answering agent read the CIB through a majority just now
 * @param leader the lease holder, absent when the lease is free
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClusterView(String scope, boolean quorum, String leader, List<Member> members) {

    /** What {@code lag} says when it cannot be computed, as Patroni says it. */
    public static final String UNKNOWN_LAG = "unknown";

    /**
     * One configured node.
     *
     * @param role {@code leader} (lease holder), {@code sync_standby}, {@code replica},
     *     {@code primary_without_lease} (writable but not the lease holder: being fenced) or {@code witness}
     * @param state PostgreSQL's state in {@link #stateOf} words, or {@code offline} when its agent stopped reporting
     * @param lag bytes behind the primary, or {@value #UNKNOWN_LAG}; absent for a witness
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Member(String name, String role, String state, String host, Integer port, String apiUrl,
            Long timeline, Lsn lsn, Object lag, String upstream) {
    }

    /**
     * One promotion of the timeline history, with Patroni's names.
     *
     * @param timeline the timeline that ended
     * @param lsn where it ended
     * @param confirmed false while PostgreSQL has not yet confirmed the new timeline
     * @param discarded the lost-transaction reports of the rewinds and rebuilds made while this promotion's timeline
     *     was the cluster's (the CIB keeps the latest ones), oldest first; absent when there are none, so that the
     *     entry keeps Patroni's shape
     * @param phases where the time of this change of primary went, as the new primary measured it; absent until it
     *     made its first write, for an initial start, and for promotions recorded before phases were measured
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record HistoryEntry(long timeline, Lsn lsn, long newTimeline, String reason, String timestamp,
            String newLeader, boolean confirmed,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<DiscardReport> discarded,
            @JsonInclude(JsonInclude.Include.NON_NULL) PromotionPhases phases) {

        public HistoryEntry {
            discarded = discarded == null ? List.of() : List.copyOf(discarded);
        }

        public HistoryEntry(long timeline, Lsn lsn, long newTimeline, String reason, String timestamp,
                String newLeader, boolean confirmed) {
            this(timeline, lsn, newTimeline, reason, timestamp, newLeader, confirmed, List.of(), null);
        }
    }

    public static ClusterView of(Cib cib, ClusterStatus status) {
        Optional<Lsn> primary = primaryLsn(cib);
        List<Member> members = status.nodes().stream()
                .map(node -> member(cib, node, cib.node(node.name()).orElseThrow(), primary)).toList();
        return new ClusterView(cib.clusterName(), status.quorum(), status.leaseHolder(), members);
    }

    public static List<HistoryEntry> history(Cib cib) {
        List<PromotionRecord> history = cib.history();
        List<List<DiscardReport>> reports = new java.util.ArrayList<>();
        history.forEach(p -> reports.add(new java.util.ArrayList<>()));
        for (DiscardReport report : cib.discards().reports()) {
            int entry = entryOf(history, report.clusterTimeline());
            if (entry >= 0) {
                reports.get(entry).add(report);
            }
        }
        List<HistoryEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            PromotionRecord p = history.get(i);
            entries.add(new HistoryEntry(p.oldTimeline(), p.switchLsn(), p.newTimeline(), p.reason(), p.at(),
                    p.node(), p.confirmed(), reports.get(i), p.phases()));
        }
        return entries;
    }

    // The promotion whose timeline the cluster ran on when the report was made: the last confirmed one up to that
    // timeline, else the last entry (a report is never left out).
    private static int entryOf(List<PromotionRecord> history, long clusterTimeline) {
        for (int i = history.size() - 1; i >= 0; i--) {
            if (history.get(i).confirmed() && history.get(i).newTimeline() <= clusterTimeline) {
                return i;
            }
        }
        return history.size() - 1;
    }

    private static Member member(Cib cib, NodeStatus node, NodeSpec spec, Optional<Lsn> primary) {
        String apiUrl = "http://" + hostForUrl(spec.address()) + ":" + spec.apiPort() + HealthEndpoint.HEALTH.path();
        if (spec.witness()) {
            return new Member(node.name(), "witness", node.online() ? "witness" : "offline", spec.address(), null,
                    apiUrl, null, null, null, null);
        }
        Optional<NodeReport> report = cib.report(node.name());
        boolean leader = cib.lease().heldBy(node.name());
        String role;
        if (leader) {
            role = "leader";
        } else if (report.filter(r -> r.pgState() == PgState.PRIMARY).isPresent()) {
            role = "primary_without_lease";
        } else if (node.dataStatus().equals("STREAMING|SYNC")) {
            role = "sync_standby";
        } else {
            role = "replica";
        }
        String state = !node.online() ? "offline" : report.map(ClusterView::stateOf).orElse("unknown");
        Object lag = leader ? (Object) 0L
                : report.filter(r -> r.pgState() == PgState.STANDBY).flatMap(r -> lagBytes(primary, r.lsn()))
                        .<Object>map(bytes -> bytes).orElse(UNKNOWN_LAG);
        return new Member(node.name(), role, state, spec.address(), spec.pgPort(), apiUrl,
                node.timeline() == 0 ? null : node.timeline(), report.map(NodeReport::lsn).orElse(null), lag,
                node.upstream());
    }

    /**
     * PostgreSQL's state in the words of the health documents: {@code running} (a primary), {@code streaming}
     * or {@code disconnected} (a standby), {@code unresponsive} (the postmaster runs but SQL does not answer),
     * {@code stopped}, {@code failed}, {@code no data}, {@code diverged} (needs pg_rewind or a rebuild).
     */
    static String stateOf(NodeReport report) {
        return switch (report.pgState()) {
            case PRIMARY -> "running";
            case STANDBY -> report.streaming() ? "streaming" : "disconnected";
            case UNRESPONSIVE -> "unresponsive";
            case STOPPED -> "stopped";
            case FAILED -> "failed";
            case NO_DATA -> "no data";
            case DIVERGED -> "diverged";
        };
    }

    /**
     * The primary's WAL position as it last reported it through the store: the lease holder's, while it reports
     * running as primary. Reports are sent on every change of state and at least twice per node timeout, so the
     * position is at most half a node timeout old (1.5 s with the default lease-time of 3 s).
     */
    static Optional<Lsn> primaryLsn(Cib cib) {
        return cib.lease().isFree() ? Optional.empty()
                : cib.report(cib.lease().holder()).filter(r -> r.pgState() == PgState.PRIMARY).map(NodeReport::lsn);
    }

    /** Bytes of WAL between the primary's position and a standby's; 0 when the standby reported a later one. */
    static Optional<Long> lagBytes(Optional<Lsn> primary, Lsn standby) {
        return primary.map(p -> p.isAfter(standby) ? p.value() - standby.value() : 0L);
    }

    private static String hostForUrl(String address) {
        return address.contains(":") ? "[" + address + "]" : address;
    }
}
