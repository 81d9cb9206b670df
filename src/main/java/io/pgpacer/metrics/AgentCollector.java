package io.pgpacer.metrics;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.postgres.PgObservation;
import io.pgpacer.postgres.ReplicaRow;
import io.pgpacer.store.ClusterStore.StoreInfo;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * This agent's metrics, computed from {@link AgentFacts} each time Prometheus scrapes: nothing is copied into
 * metric objects ahead of time, so a scrape shows exactly what the agent and its copy of the CIB hold then.
 * Series about this agent carry {@code node} = its name; series about other nodes (fail-counts) carry theirs.
 */
public final class AgentCollector implements MultiCollector {

    /** The roles {@code pgpacer_role} enumerates: PostgreSQL's observed states, a witness, and not yet observed. */
    static final List<String> ROLES = roles();
    /** Promotion reasons always exposed, at 0 until one happens, so that rate() and alerts work from the start. */
    static final List<String> PROMOTION_REASONS = List.of("initial start", FailoverTimer.FAILOVER, "forced",
            "switchover");

    private final Supplier<AgentFacts> facts;

    /** @param facts read once per scrape */
    public AgentCollector(Supplier<AgentFacts> facts) {
        this.facts = Objects.requireNonNull(facts, "facts");
    }

    @Override
    public MetricSnapshots collect() {
        return render(facts.get());
    }

    /** The metrics of one set of facts. */
    static MetricSnapshots render(AgentFacts facts) {
        List<MetricSnapshot> out = new ArrayList<>();
        Labels self = Labels.of("node", facts.node());
        role(out, facts, self);
        postgres(out, facts, self);
        replication(out, facts);
        lease(out, facts, self);
        commitGuard(out, facts, self);
        raft(out, facts.raft(), self);
        cluster(out, facts.cib());
        discards(out, facts.cib());
        lastFailover(out, facts);
        return new MetricSnapshots(out);
    }

    private static void role(List<MetricSnapshot> out, AgentFacts facts, Labels self) {
        String role = facts.witness() ? "witness"
                : facts.report() == null ? "unknown" : facts.report().pgState().name().toLowerCase(Locale.ROOT);
        out.add(gauge("pgpacer_role", "This node's PostgreSQL as its agent last observed it: 1 for the current role,"
                + " 0 for the others (witness: an agent without PostgreSQL; unknown: not observed yet).", null,
                ROLES.stream().map(r -> point(r.equals(role) ? 1 : 0, self.add("role", r))).toList()));
    }

    private static void postgres(List<MetricSnapshot> out, AgentFacts facts, Labels self) {
        if (facts.report() == null) {
            return;
        }
        if (facts.report().timeline() > 0) {
            out.add(gauge("pgpacer_postgres_timeline", "The timeline this node's PostgreSQL runs on (the last"
                    + " checkpoint's when it is stopped).", null, List.of(point(facts.report().timeline(), self))));
        }
        out.add(gauge("pgpacer_observation_age_seconds", "Seconds since the agent last looked at its PostgreSQL.",
                Unit.SECONDS, List.of(point(Unit.millisToSeconds(facts.observedAgeMillis()), self))));
        PgObservation pg = facts.observed();
        if (pg == null || !pg.reachable()) {
            return;
        }
        lsn(out, "pgpacer_wal_current_lsn_bytes", "The primary's current WAL write position (pg_current_wal_lsn),"
                + " in bytes since the start of WAL.", pg.currentLsn(), self);
        lsn(out, "pgpacer_wal_receive_lsn_bytes", "The standby's last WAL position received and flushed"
                + " (pg_last_wal_receive_lsn), in bytes.", pg.receiveLsn(), self);
        lsn(out, "pgpacer_wal_replay_lsn_bytes", "The standby's last WAL position replayed"
                + " (pg_last_wal_replay_lsn), in bytes.", pg.replayLsn(), self);
    }

    // Absent when the position does not apply to the server's role (PostgreSQL returned NULL).
    private static void lsn(List<MetricSnapshot> out, String name, String help, Lsn lsn, Labels self) {
        if (!lsn.equals(Lsn.ZERO)) {
            out.add(gauge(name, help, Unit.BYTES, List.of(point(lsn.value(), self))));
        }
    }

    // Lag as the primary sees it in pg_stat_replication; absent on standbys.
    private static void replication(List<MetricSnapshot> out, AgentFacts facts) {
        PgObservation pg = facts.observed();
        if (pg == null || !pg.reachable() || pg.inRecovery()) {
            return;
        }
        List<ReplicaRow> rows = pg.replicas().stream().filter(r -> !r.replayLsn().equals(Lsn.ZERO)).toList();
        Function<ReplicaRow, Labels> labels = r -> Labels.of("node", facts.node(), "standby", r.applicationName());
        out.add(gauge("pgpacer_replication_flush_lag_bytes", "WAL bytes the primary wrote that the standby has not"
                + " flushed yet (pg_current_wal_lsn - flush_lsn of pg_stat_replication).", Unit.BYTES,
                rows.stream().map(r -> point(bytesBehind(pg.currentLsn(), r.flushLsn()), labels.apply(r))).toList()));
        out.add(gauge("pgpacer_replication_replay_lag_bytes", "WAL bytes the primary wrote that the standby has not"
                + " replayed yet (pg_current_wal_lsn - replay_lsn of pg_stat_replication).", Unit.BYTES,
                rows.stream().map(r -> point(bytesBehind(pg.currentLsn(), r.replayLsn()), labels.apply(r))).toList()));
        out.add(gauge("pgpacer_replication_flush_lag_seconds", "flush_lag of pg_stat_replication: how long the"
                + " standby last took to flush recent WAL; 0 when PostgreSQL shows NULL and the standby has flushed"
                + " all WAL sent to it (caught up, no WAL flowing).", Unit.SECONDS,
                lagPoints(rows, r -> lagSeconds(r.flushLag(), r.flushLsn(), r.sentLsn()), labels)));
        out.add(gauge("pgpacer_replication_replay_lag_seconds", "replay_lag of pg_stat_replication: how long the"
                + " standby last took to replay recent WAL; 0 when PostgreSQL shows NULL and the standby has replayed"
                + " all WAL sent to it (caught up, no WAL flowing).", Unit.SECONDS,
                lagPoints(rows, r -> lagSeconds(r.replayLag(), r.replayLsn(), r.sentLsn()), labels)));
    }

    private static double bytesBehind(Lsn primary, Lsn standby) {
        return Math.max(0, primary.value() - standby.value());
    }

    private static List<GaugeDataPointSnapshot> lagPoints(List<ReplicaRow> rows,
            Function<ReplicaRow, OptionalDouble> seconds, Function<ReplicaRow, Labels> labels) {
        List<GaugeDataPointSnapshot> points = new ArrayList<>();
        for (ReplicaRow row : rows) {
            seconds.apply(row).ifPresent(s -> points.add(point(s, labels.apply(row))));
        }
        return points;
    }

    /**
     * A lag of {@code pg_stat_replication} in seconds. PostgreSQL shows NULL once a standby caught up and no WAL
     * flows, and also before its first measurement: only the first is a lag of 0, and it is the one where the
     * standby holds everything sent; the second is empty.
     */
    public static OptionalDouble lagSeconds(Duration lag, Lsn standby, Lsn sent) {
        if (lag != null) {
            return OptionalDouble.of(lag.toNanos() / 1e9);
        }
        return !sent.equals(Lsn.ZERO) && standby.compareTo(sent) >= 0 ? OptionalDouble.of(0) : OptionalDouble.empty();
    }

    private static void lease(List<MetricSnapshot> out, AgentFacts facts, Labels self) {
        out.add(gauge("pgpacer_lease_held", "1 while this agent holds the primary lease and may still act on it by"
                + " its own fencing clock, else 0.", null,
                List.of(point(facts.leaseRemainingMillis().isPresent() ? 1 : 0, self))));
        out.add(gauge("pgpacer_lease_remaining_seconds", "Seconds until this agent fences its PostgreSQL unless a"
                + " lease renewal lands, by its monotonic clock from when it sent the last successful renewal"
                + " (before the store would count the lease expired); 0 when it holds no lease.", Unit.SECONDS,
                List.of(point(Unit.millisToSeconds(facts.leaseRemainingMillis().orElse(0)), self))));
    }

    private static void commitGuard(List<MetricSnapshot> out, AgentFacts facts, Labels self) {
        if (facts.witness()) {
            return;
        }
        out.add(gauge("pgpacer_commit_guard_active", "1 while this node's PostgreSQL runs the pgpacer_guard extension,"
                + " which refuses commits once the primary lease granted to it has run out.", null,
                List.of(point(facts.commitGuard().isPresent() ? 1 : 0, self))));
        facts.commitGuard().ifPresent(guard -> {
            out.add(gauge("pgpacer_commit_guard_epoch", "The lease generation last granted to this node's commit"
                    + " guard (0: none since PostgreSQL started).", null, List.of(point(guard.epoch(), self))));
            out.add(gauge("pgpacer_commit_guard_remaining_seconds", "Seconds until this node's PostgreSQL refuses"
                    + " commits that write unless the agent grants more; 0 once passed or while none was granted.",
                    Unit.SECONDS, List.of(point(Unit.millisToSeconds(Math.max(0,
                            guard.remainingMillis().orElse(0))), self))));
            out.add(gauge("pgpacer_commit_guard_refused_commits", "Commits the guard refused before their commit"
                    + " record since PostgreSQL started.", null, List.of(point(guard.refusedCommits(), self))));
            out.add(gauge("pgpacer_commit_guard_withheld_acks", "Commits whose record was written as the lease ran"
                    + " out, whose client the guard disconnected unacknowledged, since PostgreSQL started.", null,
                    List.of(point(guard.withheldAcks(), self))));
        });
    }

    private static void raft(List<MetricSnapshot> out, StoreInfo raft, Labels self) {
        out.add(gauge("pgpacer_raft_term", "The current Raft term of this member of the cluster store.", null,
                List.of(point(raft.term(), self))));
        out.add(gauge("pgpacer_raft_is_leader", "1 when this member is the Raft leader (it runs the controller),"
                + " else 0.", null, List.of(point(raft.member().equals(raft.leader()) ? 1 : 0, self))));
        if (raft.leader() != null) {
            out.add(InfoSnapshot.builder().name("pgpacer_raft_leader").help("The Raft leader as this member knows"
                    + " it, in label leader; absent while it knows none.")
                    .dataPoint(InfoDataPointSnapshot.builder().labels(self.add("leader", raft.leader())).build())
                    .build());
        }
        out.add(gauge("pgpacer_raft_commit_index", "The last log index this member knows to be committed.", null,
                List.of(point(raft.commitIndex(), self))));
        out.add(gauge("pgpacer_raft_applied_index", "The last log index this member applied to its CIB.", null,
                List.of(point(raft.appliedIndex(), self))));
    }

    // From this member's copy of the CIB: the same on every agent, up to replication delay.
    private static void cluster(List<MetricSnapshot> out, Cib cib) {
        out.add(gauge("pgpacer_fail_count", "Failures of PostgreSQL on the node since the last cleanup, from the CIB"
                + " (reset by 'pgpacer resource cleanup'); at migration-threshold the node is no longer promoted.",
                null, cib.nodes().stream().filter(NodeSpec::holdsData)
                        .map(n -> point(cib.failCount(n.name()).count(), Labels.of("node", n.name()))).toList()));
        Map<String, Long> promotions = new LinkedHashMap<>();
        PROMOTION_REASONS.forEach(r -> promotions.put(r, 0L));
        cib.history().stream().filter(PromotionRecord::confirmed)
                .forEach(p -> promotions.merge(reasonLabel(p.reason()), 1L, Long::sum));
        CounterSnapshot.Builder counter = CounterSnapshot.builder().name("pgpacer_promotions").help("Confirmed"
                + " promotions in the CIB's timeline history, by the reason recorded without its detail in"
                + " parentheses: initial start, failover, forced, switchover.");
        promotions.forEach((reason, count) -> counter.dataPoint(CounterDataPointSnapshot.builder().value(count)
                .labels(Labels.of("reason", reason)).build()));
        out.add(counter.build());
    }

    // From the CIB's running totals, which never shrink (the list of reports is bounded): counters per data node.
    private static void discards(List<MetricSnapshot> out, Cib cib) {
        CounterSnapshot.Builder transactions = CounterSnapshot.builder().name("pgpacer_discarded_transactions")
                .help("Committed transactions that a pg_rewind or rebuild of the node discarded: its WAL had them"
                        + " past the point where the cluster's timeline forked (see 'pgpacer history --discarded').");
        CounterSnapshot.Builder reports = CounterSnapshot.builder().name("pgpacer_discard_reports_nonempty")
                .help("Lost-transaction reports of the node that discarded committed transactions or could not read"
                        + " the WAL past the fork; each is an event line starting 'discarded-transactions:'.");
        for (NodeSpec node : cib.dataNodes()) {
            io.pgpacer.core.cib.DiscardLog.Totals totals = cib.discards().totals()
                    .getOrDefault(node.name(), io.pgpacer.core.cib.DiscardLog.Totals.NONE);
            Labels labels = Labels.of("node", node.name());
            transactions.dataPoint(CounterDataPointSnapshot.builder().value(totals.transactions()).labels(labels)
                    .build());
            reports.dataPoint(CounterDataPointSnapshot.builder().value(totals.nonEmpty()).labels(labels).build());
        }
        out.add(transactions.build());
        out.add(reports.build());
    }

    // "initial start (initdb)" and "initial start (existing data)" are one reason: a label keeps few values.
    static String reasonLabel(String reason) {
        if (reason == null) {
            return "unknown";
        }
        int detail = reason.indexOf(" (");
        return detail < 0 ? reason : reason.substring(0, detail);
    }

    private static void lastFailover(List<MetricSnapshot> out, AgentFacts facts) {
        FailoverTimer.Failover failover = facts.lastFailover();
        if (failover == null) {
            return;
        }
        out.add(gauge("pgpacer_last_failover_duration_seconds", "The last failover this agent saw from end to end:"
                + " seconds from the last renewal of the old primary's lease it applied to its applying the"
                + " confirmation of the new primary's promotion (PostgreSQL reported the new timeline). At most one"
                + " renew interval (lease time / 4) longer than the time without a primary; client reconnection is"
                + " not in it. Absent until this agent has timed a failover.", Unit.SECONDS,
                List.of(point(Unit.millisToSeconds(failover.millis()), Labels.of("node", facts.node(),
                        "old_primary", failover.oldPrimary(), "new_primary", failover.newPrimary())))));
    }

    private static GaugeSnapshot gauge(String name, String help, Unit unit, List<GaugeDataPointSnapshot> points) {
        GaugeSnapshot.Builder builder = GaugeSnapshot.builder().name(name).help(help);
        if (unit != null) {
            builder.unit(unit);
        }
        points.forEach(builder::dataPoint);
        return builder.build();
    }

    private static GaugeDataPointSnapshot point(double value, Labels labels) {
        return GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
    }

    private static List<String> roles() {
        List<String> roles = new ArrayList<>();
        for (PgState state : PgState.values()) {
            roles.add(state.name().toLowerCase(Locale.ROOT));
        }
        roles.add("witness");
        roles.add("unknown");
        return List.copyOf(roles);
    }
}
