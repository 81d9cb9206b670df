package io.pgpacer.core.cib;

import io.pgpacer.core.resource.Constraint;
import io.pgpacer.core.resource.PostgresClone;
import io.pgpacer.core.resource.ResourceRuntime;
import io.pgpacer.core.resource.Resources;
import io.pgpacer.core.resource.Score;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster information base: configuration, observed status, goals, the primary lease, fail-counts
 * and the timeline history. Immutable; the store replaces it with the result of applying each command.
 *
 * @param epoch grows with every applied command
 * @param goalsVersion grows with every change of goals; the controller's decisions compare-and-set it
 * @param switchover the planned switchover under way or scheduled, or null
 * @param maintenance the cluster or the nodes pgpacer must leave alone
 * @param readerVip the node assigned the reader VIP
 * @param standby data nodes an operator put in standby ({@code pgpacer node standby}): no resources run there
 * @param configEpoch grows with every change of the configuration part (settings, maintenance, standby nodes,
 *     members), not with status reports; {@code cib replace} compares it (Pacemaker's {@code epoch}, where
 *     {@link #epoch} is closer to {@code num_updates})
 * @param resources the PostgreSQL clone's operations and meta attributes, the operator's primitives and groups, and
 *     the constraints (configuration)
 * @param resourceRuntime where the controller placed each primitive, their fail-counts and restart requests
 * @param controllerActivity why the controller promotes nobody right now, or null while it has no such reason
 * @param discards the lost-transaction reports of rewinds and rebuilds (bounded), and per node their totals
 */
public record Cib(
        long epoch,
        String clusterName,
        List<NodeSpec> nodes,
        ClusterSettings settings,
        Map<String, NodeReport> reports,
        Map<String, NodeGoal> goals,
        long goalsVersion,
        Lease lease,
        Map<String, FailCount> failCounts,
        List<FailedAction> failedActions,
        List<PromotionRecord> history,
        SyncSet syncSet,
        Switchover switchover,
        Maintenance maintenance,
        ReaderVip readerVip,
        List<String> standby,
        long configEpoch,
        Resources resources,
        ResourceRuntime resourceRuntime,
        ControllerActivity controllerActivity,
        DiscardLog discards) {

    /** How many failed actions are kept; older ones are dropped first. */
    public static final int FAILED_ACTIONS_KEPT = 50;

    public static final Cib EMPTY = new Cib(0, null, List.of(), ClusterSettings.DEFAULTS, Map.of(), Map.of(), 0,
            Lease.FREE, Map.of(), List.of(), List.of(), SyncSet.NONE, null, Maintenance.NONE, ReaderVip.NONE,
            List.of(), 0, Resources.EMPTY, ResourceRuntime.EMPTY, null, DiscardLog.EMPTY);

    public Cib {
        nodes = List.copyOf(nodes);
        reports = Collections.unmodifiableMap(new LinkedHashMap<>(reports));
        goals = Collections.unmodifiableMap(new LinkedHashMap<>(goals));
        failCounts = Collections.unmodifiableMap(new LinkedHashMap<>(failCounts));
        failedActions = List.copyOf(failedActions);
        history = List.copyOf(history);
        lease = lease == null ? Lease.FREE : lease;
        syncSet = syncSet == null ? SyncSet.NONE : syncSet;
        maintenance = maintenance == null ? Maintenance.NONE : maintenance;
        readerVip = readerVip == null ? ReaderVip.NONE : readerVip;
        standby = standby == null ? List.of() : List.copyOf(new java.util.TreeSet<>(standby));
        resources = resources == null ? Resources.EMPTY : resources;
        resourceRuntime = resourceRuntime == null ? ResourceRuntime.EMPTY : resourceRuntime;
        discards = discards == null ? DiscardLog.EMPTY : discards;
    }

    public boolean initialized() {
        return clusterName != null;
    }

    public Optional<NodeSpec> node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    public List<NodeSpec> dataNodes() {
        return nodes.stream().filter(NodeSpec::holdsData).toList();
    }

    /**
     * Whether the lease holder's latest report shows its PostgreSQL's commit guard under this lease's generation:
     * granted, or expired and refusing every commit. Its commits then end before its own fencing deadline, whatever
     * happens to its agent, and the lease may expire a fence margin sooner ({@link Lease}). Read from the report and
     * not from a field of the renewals: reports are read tolerantly by members one version behind or ahead, so a
     * rolling upgrade never sees the same renewal applied by some members and refused by others.
     */
    public boolean leaseGuarded() {
        return !lease.isFree() && report(lease.holder()).map(NodeReport::commitGuard)
                .filter(guard -> guard.epoch() == lease.generation()
                        && (guard.state() == CommitGuardReport.State.GRANTED
                        || guard.state() == CommitGuardReport.State.EXPIRED)).isPresent();
    }

    public Optional<NodeReport> report(String node) {
        return Optional.ofNullable(reports.get(node));
    }

    public Optional<NodeGoal> goal(String node) {
        return Optional.ofNullable(goals.get(node));
    }

    public FailCount failCount(String node) {
        return failCounts.getOrDefault(node, FailCount.NONE);
    }

    /** The node whose goal is primary, if any. */
    public Optional<String> goalPrimary() {
        return goals.entrySet().stream().filter(e -> e.getValue().role() == Role.PRIMARY).map(Map.Entry::getKey)
                .findFirst();
    }

    public Optional<PromotionRecord> lastPromotion() {
        return history.isEmpty() ? Optional.empty() : Optional.of(history.get(history.size() - 1));
    }

    /** The timeline of the last promotion PostgreSQL confirmed, 0 when none was. */
    public long currentTimeline() {
        for (int i = history.size() - 1; i >= 0; i--) {
            if (history.get(i).confirmed()) {
                return history.get(i).newTimeline();
            }
        }
        return 0;
    }

    /** Goals that make {@code primary} the primary and every other data node its standby, in node order. */
    public Map<String, NodeGoal> goalsWithPrimary(String primary, String primaryReason, String standbyReason) {
        Map<String, NodeGoal> goals = new LinkedHashMap<>();
        for (NodeSpec node : dataNodes()) {
            goals.put(node.name(), node.name().equals(primary) ? NodeGoal.primary(primaryReason)
                    : NodeGoal.standbyOf(primary, standbyReason));
        }
        return goals;
    }

    /**
     * Whether {@code node}'s last report shows PostgreSQL running as the primary or streaming as a standby: with the
     * node online, the condition for its fail-count to expire.
     */
    public boolean runsHealthy(String node) {
        return report(node).filter(r -> r.pgState() == PgState.PRIMARY
                || r.pgState() == PgState.STANDBY && r.streaming()).isPresent();
    }

    public boolean eligibleForPrimary(String node) {
        return failCount(node).count() < settings.migrationThreshold();
    }

    // The withers below keep CibReducer readable; each returns a copy with one part replaced.

    public Cib withEpoch(long newEpoch) {
        return new Cib(newEpoch, clusterName, nodes, settings, reports, goals, goalsVersion, lease, failCounts,
                failedActions, history, syncSet, switchover, maintenance, readerVip, standby, configEpoch, resources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withReport(NodeReport report) {
        Map<String, NodeReport> copy = new LinkedHashMap<>(reports);
        copy.put(report.node(), report);
        return new Cib(epoch, clusterName, nodes, settings, copy, goals, goalsVersion, lease, failCounts,
                failedActions, history, syncSet, switchover, maintenance, readerVip, standby, configEpoch, resources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withGoals(Map<String, NodeGoal> changes) {
        Map<String, NodeGoal> copy = new LinkedHashMap<>(goals);
        copy.putAll(changes);
        return new Cib(epoch, clusterName, nodes, settings, reports, copy, goalsVersion + 1, lease, failCounts,
                failedActions, history, syncSet, switchover, maintenance, readerVip, standby, configEpoch, resources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withLease(Lease newLease) {
        return new Cib(epoch, clusterName, nodes, settings, reports, goals, goalsVersion, newLease, failCounts,
                failedActions, history, syncSet, switchover, maintenance, readerVip, standby, configEpoch, resources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withFailCount(String node, FailCount count) {
        Map<String, FailCount> copy = new LinkedHashMap<>(failCounts);
        if (count.count() == 0) {
            copy.remove(node);
        } else {
            copy.put(node, count);
        }
        return new Cib(epoch, clusterName, nodes, settings, reports, goals, goalsVersion, lease, copy,
                failedActions, history, syncSet, switchover, maintenance, readerVip, standby, configEpoch, resources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withFailedActions(List<FailedAction> actions) {
        List<FailedAction> kept = actions.size() <= FAILED_ACTIONS_KEPT ? actions
                : actions.subList(actions.size() - FAILED_ACTIONS_KEPT, actions.size());
        return new Cib(epoch, clusterName, nodes, settings, reports, goals, goalsVersion, lease, failCounts,
                kept, history, syncSet, switchover, maintenance, readerVip, standby, configEpoch, resources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withHistory(List<PromotionRecord> newHistory) {
        return new Cib(epoch, clusterName, nodes, settings, reports, goals, goalsVersion, lease, failCounts,
                failedActions, newHistory, syncSet, switchover, maintenance, readerVip, standby, configEpoch, resources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withHistoryEntry(PromotionRecord entry) {
        List<PromotionRecord> copy = new ArrayList<>(history);
        copy.add(entry);
        return withHistory(copy);
    }

    public Cib withSyncSet(SyncSet newSyncSet) {
        return new Cib(epoch, clusterName, nodes, settings, reports, goals, goalsVersion, lease, failCounts,
                failedActions, history, newSyncSet, switchover, maintenance, readerVip, standby, configEpoch, resources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withSwitchover(Switchover newSwitchover) {
        return new Cib(epoch, clusterName, nodes, settings, reports, goals, goalsVersion, lease, failCounts,
                failedActions, history, syncSet, newSwitchover, maintenance, readerVip, standby, configEpoch, resources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withMaintenance(Maintenance newMaintenance) {
        return new Cib(epoch, clusterName, nodes, settings, reports, goals, goalsVersion, lease, failCounts,
                failedActions, history, syncSet, switchover, newMaintenance, readerVip, standby, configEpoch, resources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withReaderVip(ReaderVip newReaderVip) {
        return new Cib(epoch, clusterName, nodes, settings, reports, goals, goalsVersion, lease, failCounts,
                failedActions, history, syncSet, switchover, maintenance, newReaderVip, standby, configEpoch, resources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withStandby(List<String> nodes) {
        return new Cib(epoch, clusterName, this.nodes, settings, reports, goals, goalsVersion, lease, failCounts,
                failedActions, history, syncSet, switchover, maintenance, readerVip, nodes, configEpoch, resources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withSettings(ClusterSettings newSettings) {
        return new Cib(epoch, clusterName, nodes, newSettings, reports, goals, goalsVersion, lease, failCounts,
                failedActions, history, syncSet, switchover, maintenance, readerVip, standby, configEpoch, resources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withConfigEpoch(long newConfigEpoch) {
        return new Cib(epoch, clusterName, nodes, settings, reports, goals, goalsVersion, lease, failCounts,
                failedActions, history, syncSet, switchover, maintenance, readerVip, standby, newConfigEpoch, resources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withResources(Resources newResources) {
        return new Cib(epoch, clusterName, nodes, settings, reports, goals, goalsVersion, lease, failCounts,
                failedActions, history, syncSet, switchover, maintenance, readerVip, standby, configEpoch,
                newResources, resourceRuntime, controllerActivity, discards);
    }

    public Cib withControllerActivity(ControllerActivity activity) {
        return new Cib(epoch, clusterName, nodes, settings, reports, goals, goalsVersion, lease, failCounts,
                failedActions, history, syncSet, switchover, maintenance, readerVip, standby, configEpoch,
                resources, resourceRuntime, activity, discards);
    }

    public Cib withResourceRuntime(ResourceRuntime newRuntime) {
        return new Cib(epoch, clusterName, nodes, settings, reports, goals, goalsVersion, lease, failCounts,
                failedActions, history, syncSet, switchover, maintenance, readerVip, standby, configEpoch,
                resources, newRuntime, controllerActivity, discards);
    }

    public Cib withDiscards(DiscardLog newDiscards) {
        return new Cib(epoch, clusterName, nodes, settings, reports, goals, goalsVersion, lease, failCounts,
                failedActions, history, syncSet, switchover, maintenance, readerVip, standby, configEpoch,
                resources, resourceRuntime, controllerActivity, newDiscards);
    }

    /**
     * Whether {@code node} runs no PostgreSQL: an operator put it in standby, or banned {@code msPostgresql} from it
     * (a location constraint of -INFINITY).
     */
    public boolean runsNoPostgres(String node) {
        return inStandby(node) || postgresBan(node).isPresent();
    }

    /**
     * Why {@code node} runs no PostgreSQL, in words that fit after its name ({@code is in standby}, {@code is banned
     * from msPostgresql (constraint ...)}), or empty when it may run it; the one place that says so, so that every
     * rule names standby and bans alike.
     */
    public Optional<String> whyNoPostgres(String node) {
        if (inStandby(node)) {
            return Optional.of("is in standby");
        }
        return postgresBan(node).map(ban -> "is banned from " + PostgresClone.ID + " (constraint " + ban.id() + ")");
    }

    /** The location constraint of -INFINITY that bans {@code msPostgresql} from {@code node}, if any. */
    public Optional<Constraint.Location> postgresBan(String node) {
        return resources.constraints().stream()
                .filter(c -> c instanceof Constraint.Location l && l.resource().equals(PostgresClone.ID)
                        && l.node().equals(node) && l.score() == Score.MINUS_INFINITY)
                .map(Constraint.Location.class::cast).findFirst();
    }

    /** Whether an operator put {@code node} in standby: it runs no resources. */
    public boolean inStandby(String node) {
        return standby.contains(node);
    }

    /**
     * Whether {@code other} has the same configuration part: members, settings, maintenance, standby nodes, resources
     * and constraints.
     */
    public boolean sameConfiguration(Cib other) {
        return java.util.Objects.equals(clusterName, other.clusterName) && nodes.equals(other.nodes)
                && settings.equals(other.settings) && maintenance.equals(other.maintenance)
                && standby.equals(other.standby) && resources.equals(other.resources);
    }

    public Cib initializedAs(String name, List<NodeSpec> members, ClusterSettings clusterSettings) {
        return new Cib(epoch, name, members, clusterSettings, reports, goals, goalsVersion, lease, failCounts,
                failedActions, history, syncSet, switchover, maintenance, readerVip, standby, configEpoch, resources, resourceRuntime, controllerActivity, discards);
    }
}
