package io.pgpacer.core.command;

import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.ControllerActivity;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.Repair;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.resource.Resources;
import java.util.List;
import java.util.Map;

/**
 * A change to the CIB, replicated through Raft and applied by {@link CibReducer} on every member. Each
 * command that decides something names what it expects to find (compare-and-set), so two decisions made
 * on stale views can never both take effect.
 */
public sealed interface StoreCommand {

    /**
     * Sets the cluster's name, members, settings and initial resources once; later calls with the same name change
     * nothing.
     */
    record InitializeCluster(String clusterName, List<NodeSpec> nodes, ClusterSettings settings, Resources resources)
            implements StoreCommand {

        /** A cluster with no resources besides PostgreSQL and the configured VIPs. */
        public InitializeCluster(String clusterName, List<NodeSpec> nodes, ClusterSettings settings) {
            this(clusterName, nodes, settings, Resources.EMPTY);
        }
    }

    /** A node's agent publishes what it observed. */
    record ReportStatus(NodeReport report) implements StoreCommand {
    }

    /** The controller (or an operator) changes goals, if nobody else changed them since it looked. */
    record AssignGoals(long expectedGoalsVersion, Map<String, NodeGoal> goals) implements StoreCommand {
    }

    /** The controller saw the lease unchanged for the lease time; frees it if it is still exactly so. */
    record ExpireLease(String holder, long generation, long renewals) implements StoreCommand {
    }

    /** A node whose goal is primary takes the free lease, before it lets PostgreSQL accept writes. */
    record AcquireLease(String node) implements StoreCommand {
    }

    /** The holder extends its lease. */
    record RenewLease(String node, long generation) implements StoreCommand {
    }

    /** The holder gives the lease up (it stopped PostgreSQL or lost its primary goal). */
    record ReleaseLease(String node, long generation) implements StoreCommand {
    }

    /**
     * A resource operation failed on a node. Its fail-count grows; if that makes the node ineligible for
     * the primary role while it holds the lease, the lease is released in the same step so that failover
     * need not wait for it to expire.
     */
    record ReportFailure(String node, String operation, int rc, String exitReason, String at)
            implements StoreCommand {
    }

    /**
     * A node's write probe found that its PostgreSQL answers as primary but cannot make a write durable (a commit
     * hung past write-probe-timeout, or failed): a monitor failure (rc 1) with the probe's words. When the node holds
     * the lease and another data node is eligible and streams, it counts up to migration-threshold at once and the
     * lease is released in the same step: a primary whose commits hang fails over instead of being restarted in
     * place. Otherwise it counts once, as {@link ReportFailure}.
     */
    record ReportCommitsHang(String node, String exitReason, String at) implements StoreCommand {
    }

    /**
     * A node's agent records what its WAL held past the cluster's fork point, read before a pg_rewind or a rebuild
     * discards it; the CIB keeps the latest reports (bounded) and the node's totals.
     */
    record RecordDiscardReport(io.pgpacer.core.cib.DiscardReport report) implements StoreCommand {
    }

    /** The lease holder records its promotion in the timeline history before it accepts writes. */
    record RecordPromotion(long leaseGeneration, PromotionRecord entry) implements StoreCommand {
    }

    /**
     * The new primary confirms its history entry with the timeline PostgreSQL chose and where the old timeline
     * ended by PostgreSQL's timeline history file ({@code switchLsn}; null keeps the recorded position).
     */
    record ConfirmPromotion(String node, long leaseGeneration, long newTimeline, Lsn switchLsn)
            implements StoreCommand {

        public ConfirmPromotion(String node, long leaseGeneration, long newTimeline) {
            this(node, leaseGeneration, newTimeline, null);
        }
    }

    /**
     * The new primary records where the time of its promotion went, once, after its first write: the last entry of
     * the timeline history must be its confirmed promotion to {@code newTimeline}, without phases yet. An observation
     * only: it changes no decision.
     */
    record RecordPromotionPhases(String node, long newTimeline, io.pgpacer.core.cib.PromotionPhases phases)
            implements StoreCommand {
    }

    /**
     * The primary changes the recorded sync set, if it still holds lease generation {@code leaseGeneration}
     * and nobody changed the set since version {@code expectedVersion}. Falling back to asynchronous
     * replication (an empty set) and promoting a standby both depend on these records, so at most one wins.
     */
    record SetSyncStandbys(String primary, long leaseGeneration, long expectedVersion, List<String> standbys,
            int minAcks) implements StoreCommand {
    }

    /**
     * An operator makes {@code node} the primary although it may lack acknowledged commits (no recorded sync
     * standby could be promoted). Only while nobody holds the lease; clears the sync record and the node's
     * fail-count, and names everyone else its standby.
     */
    record ForcePromotion(String node, String operatorNote) implements StoreCommand {
    }

    /** The controller records why it could not act (shown with the failed actions); changes no fail-count. */
    record RecordFailedAction(FailedAction action) implements StoreCommand {
    }

    /**
     * An agent withdraws a failed action it recorded itself that turned out to be wrong (a DIVERGED verdict read
     * from a history that had not caught up, while the same data later checks out); removes that exact action,
     * keeps every other failure and every fail-count.
     */
    record WithdrawFailedAction(FailedAction action) implements StoreCommand {
    }

    /**
     * The controller says why it promotes nobody now (null: it has no such reason any more), for status on every
     * node; a wait for reports is shown this way and never recorded as a failed action.
     */
    record SetControllerActivity(ControllerActivity activity) implements StoreCommand {
    }

    /** Resets fail-counts and failed actions of one node, or of all nodes when {@code node} is null. */
    record CleanupFailures(String node) implements StoreCommand {
    }

    /**
     * An operator asks to move the primary role from {@code from} (the lease holder as the operator saw it) to
     * {@code to} (null: the best standby when it begins), at once ({@code notBefore} 0) or at a wall-clock time.
     */
    record RequestSwitchover(String from, String to, long notBefore, String requestedAt, long maxLagBytes)
            implements StoreCommand {
    }

    /** An operator withdraws a switchover that has not begun. */
    record CancelSwitchover() implements StoreCommand {
    }

    /**
     * The controller begins the switchover to {@code to}: the primary is told to stop writes and hand over,
     * if nobody changed the goals since version {@code expectedGoalsVersion}.
     */
    record BeginSwitchover(long expectedGoalsVersion, String to) implements StoreCommand {
    }

    /**
     * The old primary stopped PostgreSQL cleanly and gives the lease up, naming where its WAL ended: the
     * target is promoted only once it received past that point, so no acknowledged commit stays behind.
     */
    record HandOver(String node, long leaseGeneration, Lsn endOfWal) implements StoreCommand {
    }

    /**
     * The controller gives a switchover up (the target did not catch up in time, or the primary changed).
     * If the old primary already handed over, it gets the primary role back: it holds every commit.
     */
    record AbortSwitchover(long expectedGoalsVersion, String reason, String at) implements StoreCommand {
    }

    /**
     * An operator asks {@code node}'s agent to rewind its data onto the primary, or to replace it with a new copy,
     * and to rejoin as a standby. Refused for the primary, a node in maintenance, or when no primary is assigned.
     */
    record RequestRepair(String node, Repair repair) implements StoreCommand {
    }

    /** {@code node}'s agent carried out the repair requested at {@code requestedAt}; the request is cleared. */
    record CompleteRepair(String node, String requestedAt) implements StoreCommand {
    }

    /**
     * The reference's emergency {@code cls_reset_master}: an operator clears the recorded primary and makes
     * {@code node} (elected by the most advanced WAL when the request was made) the primary, if nobody holds the
     * lease and nobody changed the goals since version {@code expectedGoalsVersion}.
     */
    record RecoverMaster(String node, long expectedGoalsVersion, String reason) implements StoreCommand {
    }

    /**
     * An operator puts the whole cluster ({@code node} null) or one node into maintenance, or takes it out:
     * pgpacer observes and reports there but does not act.
     */
    record SetMaintenance(String node, boolean on) implements StoreCommand {
    }

    /**
     * The controller assigns the reader VIP to {@code node} (null: to nobody) if the assignment is still at
     * {@code expectedVersion}.
     */
    record MoveReaderVip(long expectedVersion, String node, String reason) implements StoreCommand {
    }

    /**
     * An operator sets cluster properties ({@code pgpacer property set}), all or none: each name must be a
     * {@link io.pgpacer.core.cib.ClusterProperty} and each value one it accepts. A null value returns the
     * property to its default ({@code pgpacer property unset}).
     */
    record SetProperties(Map<String, String> values) implements StoreCommand {
        public SetProperties {
            // why not Map.copyOf: a null value means "back to the default"
            values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
        }
    }

    /**
     * An operator puts a data node in standby, where it runs no resources, or takes it out
     * ({@code pgpacer node standby|unstandby}).
     */
    record SetStandby(String node, boolean on) implements StoreCommand {
    }

    /**
     * An operator replaces the configuration part of the CIB as a whole ({@code pgpacer cib replace}): every
     * property (a missing one takes its default), the nodes in maintenance and the nodes in standby, and the
     * resources and constraints; only if the configuration is still at {@code expectedConfigEpoch}, the one the
     * operator's copy was queried at.
     */
    record ReplaceConfiguration(long expectedConfigEpoch, Map<String, String> properties,
            List<String> maintenanceNodes, List<String> standbyNodes, Resources resources) implements StoreCommand {
    }

    /**
     * An operator's change of resources or constraints ({@code pgpacer resource create|delete|enable|...},
     * {@code constraint add|remove}): the whole new {@link Resources}, validated as a whole, applied only if the
     * configuration is still at {@code expectedConfigEpoch}, the one the change was computed from.
     *
     * @param change what the operator did, for the result message and the event feed
     */
    record ReplaceResources(long expectedConfigEpoch, Resources resources, String change) implements StoreCommand {
    }

    /**
     * The controller places primitive resources: each id to the node that should run it, or to null (nowhere), if
     * the placement is still at {@code expectedVersion}.
     */
    record PlaceResources(long expectedVersion, Map<String, String> placement) implements StoreCommand {
        public PlaceResources {
            // why not Map.copyOf: a null node means "runs nowhere"
            placement = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(placement));
        }
    }

    /** An operation of a primitive resource failed on {@code node}: its fail-count there grows. */
    record ReportResourceFailure(String node, String resource, String operation, int rc, String exitReason,
            String at) implements StoreCommand {
    }

    /**
     * Resets the fail-counts and failed actions of {@code resource} (null: every resource, PostgreSQL included) on
     * {@code node} (null: every node), Pacemaker's {@code crm_resource --cleanup}.
     */
    record CleanupResource(String resource, String node) implements StoreCommand {
    }

    /**
     * The controller found the resource's fail-count on {@code node} older than the failure-timeout; cleared only if
     * it is still exactly this count.
     */
    record ExpireResourceFailCount(String resource, String node, int count, String lastFailureAt)
            implements StoreCommand {
    }

    /**
     * An operator asks for {@code resource} to be stopped and started again, on {@code node} or (null) wherever it
     * runs ({@code pgpacer resource restart}).
     */
    record RestartResource(String resource, String node) implements StoreCommand {
    }

    /**
     * The controller found {@code node}'s fail-count older than the failure-timeout; cleared only if it is still
     * exactly this count from this failure (a new failure meanwhile keeps it).
     */
    record ExpireFailCount(String node, int count, String lastFailureAt) implements StoreCommand {
    }
}
