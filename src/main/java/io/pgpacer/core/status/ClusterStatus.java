package io.pgpacer.core.status;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterProperty;
import io.pgpacer.core.cib.CommitGuardReport;
import io.pgpacer.core.cib.ControllerActivity;
import io.pgpacer.core.cib.FailCount;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.Maintenance;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.ReaderVip;
import io.pgpacer.core.cib.ReaderVipPolicy;
import io.pgpacer.core.cib.ReplicaStatus;
import io.pgpacer.core.cib.ReplicationMode;
import io.pgpacer.core.cib.SyncSet;
import io.pgpacer.core.model.Hint;
import io.pgpacer.core.resource.PostgresClone;
import io.pgpacer.core.resource.ResourceFailCount;
import io.pgpacer.core.resource.ResourceMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The cluster as {@code pgpacer status} shows it, derived purely from the CIB, the answering agent's view
 * of who is online, and who leads the store. Also the document of {@code pgpacer status --json} (described in the
 * README's "status --json" section): a field is only ever added within a {@link #SCHEMA_VERSION}; a field renamed,
 * removed or given another meaning raises it.
 *
 * @param schemaVersion the {@link #SCHEMA_VERSION} of the agent that answered
 * @param lastUpdated when the answering agent built this view (ISO-8601, UTC)
 * @param configEpoch the configuration's epoch, as {@code pgpacer cib query} shows it and {@code cib replace}
 *     compares it: grows with every change of the configuration, not with status reports
 * @param noPrimary why no node serves as primary under a valid lease, and the fix; null while one does
 * @param controllerActivity why the controller promotes nobody right now (a wait for reports, or no eligible node),
 *     or null
 * @param failureTimeout the cluster's failure-timeout ({@code 1m}; {@code 0}: fail-counts never expire)
 * @param quorum whether the answering agent could read the CIB through a majority just now
 * @param leaseHolder the node allowed to accept writes, or null
 * @param switchover the planned switchover in operator words, or null
 * @param readerVip where the reader VIP is assigned and why, in operator words; null when none is configured
 * @param maintenance what pgpacer leaves alone now
 * @param standby online nodes an operator put in standby (not in {@code online}, as crm_mon shows them)
 * @param diverged data nodes whose WAL diverged from the timeline history: not started until repaired
 * @param postgresMeta the PostgreSQL clone's meta attributes (disabled, unmanaged)
 * @param resources the primitive resources, grouped ones together
 * @param resourceFailCounts fail-counts of primitive resources, for the migration summary
 * @param writerVip where the writer VIP runs ({@code Started pg-151}, {@code Stopped}); null when none is configured
 */
public record ClusterStatus(
        int schemaVersion,
        String cluster,
        String controller,
        boolean quorum,
        String answeredBy,
        String lastUpdated,
        long configEpoch,
        NoPrimary noPrimary,
        ControllerActivity controllerActivity,
        int nodesConfigured,
        List<String> online,
        List<String> offline,
        List<String> masters,
        List<String> slaves,
        List<String> stopped,
        String leaseHolder,
        List<NodeStatus> nodes,
        List<FailedAction> failedActions,
        int migrationThreshold,
        String failureTimeout,
        PromotionRecord lastPromotion,
        String replication,
        String switchover,
        Maintenance maintenance,
        String readerVip,
        List<String> standby,
        List<String> diverged,
        ResourceMeta postgresMeta,
        List<ResourceStatus> resources,
        List<ResourceFailCount> resourceFailCounts,
        String writerVip) {

    /** The version of this document's shape, for scripts that read {@code status --json}. */
    public static final int SCHEMA_VERSION = 1;

    /**
     * Why no node serves as primary, said at the top of {@code pgpacer status}.
     *
     * @param fix the command that makes a promotion possible, or null when none is needed (a promotion is under way)
     *     or none would help (every data node is offline)
     */
    public record NoPrimary(String reason, String fix) {
    }

    /** The PostgreSQL promotable resource's name, as the reference's pcs configuration calls it. */
    public static final String POSTGRES_RESOURCE = "msPostgresql";

    /**
     * The operation of the failed action a store member records when its own Raft storage is damaged: it takes no
     * part in the store (its agent is cut off) until an operator runs the repair the record names.
     */
    public static final String STORE_MEMBER_DAMAGED = "store-member";

    /** Score the reference gives nodes that must never be promoted. */
    public static final String MINUS_INFINITY = "-INFINITY";

    public ClusterStatus {
        standby = standby == null ? List.of() : List.copyOf(standby);
        postgresMeta = postgresMeta == null ? ResourceMeta.DEFAULT : postgresMeta;
        resources = resources == null ? List.of() : List.copyOf(resources);
        resourceFailCounts = resourceFailCounts == null ? List.of() : List.copyOf(resourceFailCounts);
    }

    /** The recorded damage of store members, oldest first (kept, as every failed action, until a cleanup). */
    public List<FailedAction> storeMemberDamage() {
        return failedActions.stream().filter(a -> STORE_MEMBER_DAMAGED.equals(a.operation())).toList();
    }

    /**
     * The view of {@code cib} at {@code now} (an ISO-8601 instant: when a fail-count expires is counted from it; any
     * other text shows no countdown).
     */
    public static ClusterStatus of(Cib cib, Predicate<String> online, String controller, boolean quorum,
            String answeredBy, String now) {
        List<String> up = new ArrayList<>();
        List<String> down = new ArrayList<>();
        List<String> inStandby = new ArrayList<>();
        List<String> masters = new ArrayList<>();
        List<String> slaves = new ArrayList<>();
        List<String> stopped = new ArrayList<>();
        List<String> diverged = new ArrayList<>();
        List<NodeStatus> nodes = new ArrayList<>();
        Optional<NodeReport> primaryReport = cib.lease().isFree() ? Optional.empty() : cib.report(cib.lease().holder());
        for (NodeSpec spec : cib.nodes()) {
            boolean isOnline = online.test(spec.name());
            (isOnline ? cib.inStandby(spec.name()) ? inStandby : up : down).add(spec.name());
            NodeReport report = cib.reports().get(spec.name());
            if (!spec.witness()) {
                PgState state = report == null ? null : report.pgState();
                if (state == PgState.PRIMARY && isOnline) {
                    masters.add(spec.name());
                } else if (state == PgState.STANDBY && isOnline) {
                    slaves.add(spec.name());
                } else if (state == PgState.DIVERGED) {
                    diverged.add(spec.name());
                } else {
                    stopped.add(spec.name());
                }
            }
            nodes.add(nodeStatus(cib, spec, report, isOnline, primaryReport, now));
        }
        return new ClusterStatus(SCHEMA_VERSION, cib.clusterName(), controller, quorum, answeredBy, now,
                cib.configEpoch(), noPrimary(cib, online, masters), cib.controllerActivity(), cib.nodes().size(),
                up, down, masters, slaves, stopped, cib.lease().holder(), nodes, cib.failedActions(),
                cib.settings().migrationThreshold(), ClusterProperty.FAILURE_TIMEOUT.value(cib),
                cib.lastPromotion().orElse(null), replication(cib),
                cib.switchover() == null ? null : cib.switchover().describe(), cib.maintenance(), readerVip(cib),
                inStandby, diverged, cib.resources().postgres().meta(), ResourceStatus.of(cib, online),
                cib.resourceRuntime().failCounts(), writerVip(cib, online));
    }

    // The loudest line of status: nobody takes writes. The controller's own reason first (it ranked every node), else
    // what the CIB shows: the cluster or msPostgresql held back by the operator, or a promotion under way.
    private static NoPrimary noPrimary(Cib cib, Predicate<String> online, List<String> masters) {
        String holder = cib.lease().holder();
        if (!cib.initialized() || cib.dataNodes().isEmpty() || holder != null && masters.contains(holder)) {
            return null;
        }
        if (cib.maintenance().cluster()) {
            return new NoPrimary("the cluster is in maintenance: pgpacer promotes nobody", Hint.clusterResume());
        }
        ResourceMeta postgres = cib.resources().postgres().meta();
        if (!postgres.enabled()) {
            return new NoPrimary(PostgresClone.ID + " is disabled: PostgreSQL stays stopped on every node",
                    Hint.enable(PostgresClone.ID));
        }
        if (!postgres.managed()) {
            return new NoPrimary(PostgresClone.ID + " is unmanaged: pgpacer promotes nobody",
                    Hint.manage(PostgresClone.ID));
        }
        ControllerActivity activity = cib.controllerActivity();
        if (activity != null) {
            return new NoPrimary(activity.text(), activity.fix());
        }
        if (holder != null) {
            return new NoPrimary(holder + " holds the primary lease and is starting PostgreSQL as primary", null);
        }
        Optional<String> assigned = cib.goalPrimary();
        if (assigned.isPresent() && cib.maintenance().covers(assigned.get())) {
            return new NoPrimary("the assigned primary " + assigned.get() + " is in maintenance: pgpacer does not"
                    + " replace it", Hint.unmaintenance(assigned.get()));
        }
        if (assigned.isPresent()) {
            return new NoPrimary(assigned.get() + " is the assigned primary" + (online.test(assigned.get())
                    ? " and is taking the primary lease" : ", offline; another node is promoted once its lease"
                            + " expired"), null);
        }
        return new NoPrimary("no node is assigned the primary role yet", null);
    }

    // The writer VIP is on the lease holder once its PostgreSQL serves as primary (WriterVip claims it then).
    private static String writerVip(Cib cib, Predicate<String> online) {
        if (cib.settings().vipAddresses().writer() == null) {
            return null;
        }
        String holder = cib.lease().holder();
        boolean serving = holder != null && online.test(holder)
                && cib.report(holder).filter(r -> r.pgState() == PgState.PRIMARY).isPresent();
        return serving ? "Started " + holder : "Stopped";
    }

    private static String readerVip(Cib cib) {
        if (cib.settings().readerVip() == ReaderVipPolicy.NONE) {
            return null;
        }
        ReaderVip placed = cib.readerVip();
        return placed.assigned() ? "Started " + placed.node() + " (" + placed.reason() + ")"
                : "Stopped" + (placed.reason() == null ? "" : " (" + placed.reason() + ")");
    }

    // "sync: commits wait for node2", "quorum: commits wait for any 2 of [...]", or the fallback, in words.
    private static String replication(Cib cib) {
        ReplicationMode mode = cib.settings().sync().mode();
        String configured = mode.name().toLowerCase(Locale.ROOT);
        if (mode == ReplicationMode.ASYNC) {
            return "async";
        }
        SyncSet sync = cib.syncSet();
        if (sync.isEmpty()) {
            return configured + " configured, running ASYNC: no sync standby available";
        }
        return configured + ": every commit is on at least " + sync.minAcks() + " of " + sync.standbys();
    }

    private static NodeStatus nodeStatus(Cib cib, NodeSpec spec, NodeReport report, boolean online,
            Optional<NodeReport> primary, String now) {
        String goal = cib.goal(spec.name()).map(NodeGoal::describe).orElse(spec.witness() ? "witness" : "none");
        FailCount failCount = cib.failCount(spec.name());
        boolean healthy = online && cib.runsHealthy(spec.name());
        FailCountExpiry expiry = FailCountExpiry.of(failCount, cib.settings().failureTimeoutMillis(), healthy, now);
        if (report == null || spec.witness()) {
            return new NodeStatus(spec.name(), online, spec.witness(), goal, report == null ? "UNKNOWN" : "WITNESS",
                    spec.witness() ? "-" : "STOP", spec.witness() ? "-" : "DISCONNECT", spec.witness() ? "-" : MINUS_INFINITY,
                    null, 0, null, null, 0, failCount.count(), failCount.lastFailureAt(),
                    report == null ? null : report.activity(), report == null ? null : report.lastError(),
                    report == null ? CommitGuardReport.UNKNOWN : report.commitGuard(), healthy, expiry);
        }
        Optional<ReplicaStatus> asReplica = primary.flatMap(p -> p.replicas().stream()
                .filter(r -> r.name().equals(spec.name())).findFirst());
        String pgsqlStatus;
        String dataStatus;
        String baseline = null;
        switch (report.pgState()) {
            case PRIMARY -> {
                pgsqlStatus = "PRI";
                dataStatus = "LATEST";
                baseline = cib.lastPromotion().filter(p -> p.node().equals(spec.name()))
                        .map(p -> p.switchLsn().toBaseline()).orElse(null);
            }
            case STANDBY -> {
                String sync = asReplica.map(r -> r.syncState().toLowerCase(Locale.ROOT)).orElse(null);
                pgsqlStatus = sync == null || !report.streaming() ? "HS:alone" : "HS:" + sync;
                dataStatus = sync == null || !report.streaming() ? "DISCONNECT"
                        : "STREAMING|" + sync.toUpperCase(Locale.ROOT);
            }
            case UNRESPONSIVE -> {
                pgsqlStatus = "UNKNOWN";
                dataStatus = "DISCONNECT";
            }
            case DIVERGED -> {
                pgsqlStatus = "STOP";
                dataStatus = "DIVERGED";
            }
            default -> {
                pgsqlStatus = "STOP";
                dataStatus = "DISCONNECT";
            }
        }
        return new NodeStatus(spec.name(), online, false, goal, report.pgState().name(), pgsqlStatus, dataStatus,
                masterScore(cib, spec.name(), report, online), baseline, report.timeline(), report.lsn().toString(),
                report.upstream(), report.postmasterPid(), failCount.count(), failCount.lastFailureAt(),
                report.activity(), report.lastError(), report.commitGuard(), healthy, expiry);
    }

    // 1000 for the running primary, 100 for a streaming standby that may be promoted, else -INFINITY.
    private static String masterScore(Cib cib, String node, NodeReport report, boolean online) {
        if (!online || !cib.eligibleForPrimary(node)) {
            return MINUS_INFINITY;
        }
        if (report.pgState() == PgState.PRIMARY) {
            return "1000";
        }
        return report.pgState() == PgState.STANDBY && report.streaming() ? "100" : MINUS_INFINITY;
    }
}
