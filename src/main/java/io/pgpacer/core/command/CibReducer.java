package io.pgpacer.core.command;

import static io.pgpacer.core.command.Outcome.accept;
import static io.pgpacer.core.command.Outcome.refuse;

import io.pgpacer.core.model.Hint;
import io.pgpacer.core.cib.PromotionCause;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.CommitsHangPolicy;
import io.pgpacer.core.cib.FailCount;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.command.StoreCommand.AcquireLease;
import io.pgpacer.core.command.StoreCommand.AbortSwitchover;
import io.pgpacer.core.command.StoreCommand.AssignGoals;
import io.pgpacer.core.command.StoreCommand.BeginSwitchover;
import io.pgpacer.core.command.StoreCommand.CancelSwitchover;
import io.pgpacer.core.command.StoreCommand.HandOver;
import io.pgpacer.core.command.StoreCommand.RequestSwitchover;
import io.pgpacer.core.command.StoreCommand.CleanupFailures;
import io.pgpacer.core.command.StoreCommand.ConfirmPromotion;
import io.pgpacer.core.command.StoreCommand.ExpireLease;
import io.pgpacer.core.command.StoreCommand.ForcePromotion;
import io.pgpacer.core.command.StoreCommand.RecordFailedAction;
import io.pgpacer.core.command.StoreCommand.InitializeCluster;
import io.pgpacer.core.command.StoreCommand.RecordPromotion;
import io.pgpacer.core.command.StoreCommand.ReleaseLease;
import io.pgpacer.core.command.StoreCommand.RenewLease;
import io.pgpacer.core.command.StoreCommand.ReportFailure;
import io.pgpacer.core.command.StoreCommand.ReportStatus;
import io.pgpacer.core.command.StoreCommand.MoveReaderVip;
import io.pgpacer.core.command.StoreCommand.SetMaintenance;
import io.pgpacer.core.command.StoreCommand.SetSyncStandbys;
import io.pgpacer.core.command.StoreCommand.CompleteRepair;
import io.pgpacer.core.command.StoreCommand.RecoverMaster;
import io.pgpacer.core.command.StoreCommand.RequestRepair;
import io.pgpacer.core.cib.SyncSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Applies a {@link StoreCommand} to a {@link Cib}. Deterministic: no clock, no I/O, no randomness, so
 * every Raft member that applies the same log reaches the same CIB. A refused command leaves the CIB as
 * it was and says why.
 */
public final class CibReducer {

    private CibReducer() {
    }

    public static Outcome apply(Cib cib, StoreCommand command) {
        Outcome outcome = applyCommand(cib, command);
        // why here: whatever command changed the configuration part, 'cib replace' must see that it changed.
        if (outcome.result().applied() && !outcome.cib().sameConfiguration(cib)) {
            return new Outcome(outcome.cib().withConfigEpoch(cib.configEpoch() + 1), outcome.result());
        }
        return outcome;
    }

    private static Outcome applyCommand(Cib cib, StoreCommand command) {
        if (!cib.initialized() && !(command instanceof InitializeCluster)) {
            return refuse(cib, "the cluster is not initialised yet");
        }
        // Java 17 has no pattern switch; the sealed interface keeps this list complete by review and test.
        if (command instanceof InitializeCluster c) {
            return initialize(cib, c);
        } else if (command instanceof ReportStatus c) {
            return reportStatus(cib, c);
        } else if (command instanceof AssignGoals c) {
            return assignGoals(cib, c);
        } else if (command instanceof ExpireLease c) {
            return expireLease(cib, c);
        } else if (command instanceof AcquireLease c) {
            return acquireLease(cib, c);
        } else if (command instanceof RenewLease c) {
            return renewLease(cib, c);
        } else if (command instanceof ReleaseLease c) {
            return releaseLease(cib, c);
        } else if (command instanceof ReportFailure c) {
            return reportFailure(cib, c);
        } else if (command instanceof StoreCommand.ReportCommitsHang c) {
            return reportCommitsHang(cib, c);
        } else if (command instanceof RecordPromotion c) {
            return recordPromotion(cib, c);
        } else if (command instanceof ConfirmPromotion c) {
            return confirmPromotion(cib, c);
        } else if (command instanceof StoreCommand.RecordPromotionPhases c) {
            return recordPromotionPhases(cib, c);
        } else if (command instanceof SetSyncStandbys c) {
            return setSyncStandbys(cib, c);
        } else if (command instanceof ForcePromotion c) {
            return forcePromotion(cib, c);
        } else if (command instanceof RecordFailedAction c) {
            return recordFailedAction(cib, c);
        } else if (command instanceof StoreCommand.WithdrawFailedAction c) {
            return withdrawFailedAction(cib, c);
        } else if (command instanceof StoreCommand.SetControllerActivity c) {
            return accept(cib.withControllerActivity(c.activity()), c.activity() == null ? "activity cleared"
                    : "activity: " + c.activity().kind());
        } else if (command instanceof CleanupFailures c) {
            return cleanupFailures(cib, c);
        } else if (command instanceof RequestSwitchover c) {
            return SwitchoverReducer.request(cib, c);
        } else if (command instanceof CancelSwitchover c) {
            return SwitchoverReducer.cancel(cib);
        } else if (command instanceof BeginSwitchover c) {
            return SwitchoverReducer.begin(cib, c);
        } else if (command instanceof HandOver c) {
            return SwitchoverReducer.handOver(cib, c);
        } else if (command instanceof AbortSwitchover c) {
            return SwitchoverReducer.abort(cib, c);
        } else if (command instanceof SetMaintenance c) {
            return setMaintenance(cib, c);
        } else if (command instanceof MoveReaderVip c) {
            return moveReaderVip(cib, c);
        } else if (command instanceof StoreCommand.SetProperties c) {
            return ConfigurationReducer.setProperties(cib, c);
        } else if (command instanceof StoreCommand.SetStandby c) {
            return ConfigurationReducer.setStandby(cib, c);
        } else if (command instanceof StoreCommand.ReplaceConfiguration c) {
            return ConfigurationReducer.replace(cib, c);
        } else if (command instanceof StoreCommand.ExpireFailCount c) {
            return ConfigurationReducer.expireFailCount(cib, c);
        } else if (command instanceof StoreCommand.ReplaceResources c) {
            return ResourceReducer.replace(cib, c);
        } else if (command instanceof StoreCommand.PlaceResources c) {
            return ResourceReducer.place(cib, c);
        } else if (command instanceof StoreCommand.ReportResourceFailure c) {
            return ResourceReducer.reportFailure(cib, c);
        } else if (command instanceof StoreCommand.CleanupResource c) {
            return ResourceReducer.cleanup(cib, c);
        } else if (command instanceof StoreCommand.ExpireResourceFailCount c) {
            return ResourceReducer.expireFailCount(cib, c);
        } else if (command instanceof StoreCommand.RestartResource c) {
            return ResourceReducer.restart(cib, c);
        } else if (command instanceof RequestRepair c) {
            return RepairReducer.request(cib, c);
        } else if (command instanceof CompleteRepair c) {
            return RepairReducer.complete(cib, c);
        } else if (command instanceof RecoverMaster c) {
            return RepairReducer.recoverMaster(cib, c);
        } else if (command instanceof StoreCommand.RecordDiscardReport c) {
            return recordDiscardReport(cib, c);
        }
        throw new IllegalArgumentException("unknown command " + command.getClass().getName());
    }

    private static Outcome recordDiscardReport(Cib cib, StoreCommand.RecordDiscardReport c) {
        String node = c.report().node();
        if (cib.node(node).filter(io.pgpacer.core.cib.NodeSpec::holdsData).isEmpty()) {
            return refuse(cib, "unknown data node '" + node + "' in a lost-transaction report");
        }
        return accept(cib.withDiscards(cib.discards().with(c.report())), "recorded");
    }

    private static Outcome initialize(Cib cib, InitializeCluster c) {
        if (cib.initialized()) {
            if (cib.clusterName().equals(c.clusterName())) {
                return new Outcome(cib, CommandResult.rejected(cib.epoch(), "already initialised"));
            }
            return refuse(cib, "this store belongs to cluster '" + cib.clusterName() + "', not '"
                    + c.clusterName() + "'");
        }
        Cib initialized = cib.initializedAs(c.clusterName(), c.nodes(), c.settings());
        if (c.resources() == null) {
            return accept(initialized, "cluster initialised");
        }
        // why validated again: the configuration file was checked by the agent that sent it, but every member must
        // reach the same CIB from the log whatever the sender's version.
        List<String> problems = ResourceReducer.problems(initialized, c.resources());
        if (!problems.isEmpty()) {
            return refuse(cib, "the configured resources are not valid: " + String.join("; ", problems));
        }
        return accept(initialized.withResources(c.resources()), "cluster initialised");
    }

    private static Outcome reportStatus(Cib cib, ReportStatus c) {
        String node = c.report().node();
        if (cib.node(node).isEmpty()) {
            return refuse(cib, "unknown node '" + node + "'");
        }
        return accept(cib.withReport(c.report()), "reported");
    }

    private static Outcome assignGoals(Cib cib, AssignGoals c) {
        if (c.expectedGoalsVersion() != cib.goalsVersion()) {
            return refuse(cib, "goals changed meanwhile (version " + cib.goalsVersion() + ", expected "
                    + c.expectedGoalsVersion() + ")");
        }
        for (String node : c.goals().keySet()) {
            if (cib.node(node).filter(n -> n.holdsData()).isEmpty()) {
                return refuse(cib, "unknown data node '" + node + "'");
            }
        }
        Map<String, NodeGoal> merged = new HashMap<>(cib.goals());
        merged.putAll(c.goals());
        List<String> primaries = merged.entrySet().stream().filter(e -> e.getValue().role() == Role.PRIMARY)
                .map(Map.Entry::getKey).sorted().toList();
        if (primaries.size() > 1) {
            return refuse(cib, "goals would name two primaries: " + primaries);
        }
        // why: the lease holder may still be writable; nobody else may be told to become primary until
        // the lease is released or has expired.
        if (!primaries.isEmpty() && !cib.lease().isFree() && !cib.lease().heldBy(primaries.get(0))) {
            return refuse(cib, "cannot make " + primaries.get(0) + " primary: " + cib.lease().holder()
                    + " holds the primary lease");
        }
        return accept(cib.withGoals(RepairReducer.keepingRepairs(cib, c.goals())), "goals assigned");
    }

    private static Outcome expireLease(Cib cib, ExpireLease c) {
        Lease lease = cib.lease();
        if (!lease.heldBy(c.holder()) || lease.generation() != c.generation() || lease.renewals() != c.renewals()) {
            return refuse(cib, "the lease changed since it was judged expired");
        }
        return accept(cib.withLease(new Lease(null, lease.generation(), 0)), "lease of " + c.holder() + " expired");
    }

    private static Outcome acquireLease(Cib cib, AcquireLease c) {
        Lease lease = cib.lease();
        if (lease.heldBy(c.node())) {
            return new Outcome(cib, new CommandResult(false, "already held", cib.epoch(), lease.generation(),
                    CommandResult.LeaseEffect.ALREADY_HELD));
        }
        if (!lease.isFree()) {
            return refuse(cib, "the lease is held by " + lease.holder());
        }
        if (cib.goal(c.node()).map(NodeGoal::role).orElse(null) != Role.PRIMARY) {
            return refuse(cib, c.node() + " is not the assigned primary");
        }
        if (RepairReducer.diverged(cib, c.node())) {
            return refuse(cib, c.node() + " diverged from the timeline history; it may not become primary: run"
                    + " '" + Hint.repair(c.node()) + "' or '" + Hint.rebuild(c.node()) + "'");
        }
        if (!cib.eligibleForPrimary(c.node())) {
            return refuse(cib, c.node() + " has fail-count " + cib.failCount(c.node()).count()
                    + " >= migration-threshold " + cib.settings().migrationThreshold() + "; run '"
                    + Hint.cleanupNode(c.node()) + "' first");
        }
        // why (S2): while commits waited for recorded standbys, only one of them holds every acknowledged commit
        // (unless the old primary handed over and this node received all of its WAL).
        SyncSet sync = cib.syncSet();
        if (!sync.isEmpty() && !sync.standbys().contains(c.node()) && !cib.lastPromotion()
                .map(p -> p.node().equals(c.node())).orElse(false) && !SwitchoverReducer.caughtUp(cib, c.node())) {
            return refuse(cib, c.node() + " is not a recorded sync standby " + sync.standbys()
                    + "; promoting it could lose acknowledged commits");
        }
        long generation = lease.generation() + 1;
        Cib next = cib.withLease(new Lease(c.node(), generation, 0)).withEpoch(cib.epoch() + 1);
        return new Outcome(next, new CommandResult(true, "lease acquired", next.epoch(), generation));
    }

    private static Outcome renewLease(Cib cib, RenewLease c) {
        Lease lease = cib.lease();
        if (!lease.heldBy(c.node()) || lease.generation() != c.generation()) {
            return refuse(cib, c.node() + " no longer holds lease generation " + c.generation());
        }
        return accept(cib.withLease(new Lease(c.node(), c.generation(), lease.renewals() + 1)), "renewed");
    }

    private static Outcome releaseLease(Cib cib, ReleaseLease c) {
        Lease lease = cib.lease();
        if (!lease.heldBy(c.node()) || lease.generation() != c.generation()) {
            return refuse(cib, c.node() + " does not hold lease generation " + c.generation());
        }
        return Outcome.acceptReleasingLease(cib.withLease(new Lease(null, lease.generation(), 0)), "lease released");
    }

    private static Outcome reportFailure(Cib cib, ReportFailure c) {
        if (cib.node(c.node()).isEmpty()) {
            return refuse(cib, "unknown node '" + c.node() + "'");
        }
        FailCount count = new FailCount(cib.failCount(c.node()).count() + 1, c.at());
        List<FailedAction> actions = new ArrayList<>(cib.failedActions());
        actions.add(new FailedAction(c.node(), c.operation(), c.rc(), c.exitReason(), c.at()));
        Cib next = cib.withFailCount(c.node(), count).withFailedActions(actions);
        if (next.lease().heldBy(c.node()) && !next.eligibleForPrimary(c.node())) {
            next = next.withLease(new Lease(null, next.lease().generation(), 0));
            return Outcome.acceptReleasingLease(next, "fail-count " + count.count()
                    + " reached migration-threshold; lease released");
        }
        return accept(next, "fail-count " + count.count());
    }

    // why not restart in place: a primary whose commits hang would be restarted, answer, and hang again, while a
    // standby that streams could take the writes now. Under write-probe-failure restart it is restarted once first.
    private static Outcome reportCommitsHang(Cib cib, StoreCommand.ReportCommitsHang c) {
        ReportFailure failure = new ReportFailure(c.node(), "monitor", 1, c.exitReason(), c.at());
        boolean restartFirst = cib.settings().recovery().commitsHang() == CommitsHangPolicy.RESTART
                && cib.failCount(c.node()).count() == 0;
        Optional<String> takeover = restartFirst || !cib.lease().heldBy(c.node()) ? Optional.empty() : cib.dataNodes().stream()
                .map(NodeSpec::name).filter(n -> !n.equals(c.node()) && cib.eligibleForPrimary(n)
                        && !cib.standby().contains(n))
                .filter(n -> cib.report(n).filter(r -> r.pgState() == PgState.STANDBY && r.streaming()).isPresent())
                .findFirst();
        if (takeover.isEmpty()) {
            return reportFailure(cib, failure);
        }
        int threshold = cib.settings().migrationThreshold();
        FailCount count = new FailCount(Math.max(cib.failCount(c.node()).count() + 1, threshold), c.at());
        List<FailedAction> actions = new ArrayList<>(cib.failedActions());
        actions.add(new FailedAction(c.node(), failure.operation(), failure.rc(), c.exitReason(), c.at()));
        Cib next = cib.withFailCount(c.node(), count).withFailedActions(actions)
                .withLease(new Lease(null, cib.lease().generation(), 0));
        return Outcome.acceptReleasingLease(next, "commits hang and " + takeover.get() + " streams: fail-count "
                + count.count()
                + " (migration-threshold " + threshold + "); lease released");
    }

    private static Outcome recordPromotion(Cib cib, RecordPromotion c) {
        PromotionRecord entry = c.entry();
        if (!cib.lease().heldBy(entry.node()) || cib.lease().generation() != c.leaseGeneration()) {
            return refuse(cib, entry.node() + " must hold the lease to record its promotion");
        }
        return accept(cib.withHistoryEntry(entry), "promotion recorded");
    }

    private static Outcome confirmPromotion(Cib cib, ConfirmPromotion c) {
        if (!cib.lease().heldBy(c.node()) || cib.lease().generation() != c.leaseGeneration()) {
            return refuse(cib, c.node() + " must hold the lease to confirm its promotion");
        }
        PromotionRecord last = cib.lastPromotion().orElse(null);
        if (last == null || !Objects.equals(last.node(), c.node())) {
            return refuse(cib, "the last promotion is not " + c.node() + "'s");
        }
        List<PromotionRecord> copy = new ArrayList<>(cib.history());
        copy.set(copy.size() - 1, last.confirm(c.newTimeline(), c.switchLsn()));
        Cib next = cib.withHistory(copy);
        if (next.switchover() != null && c.node().equals(next.switchover().to())) {
            return accept(next.withSwitchover(null), "promotion confirmed; switchover complete");
        }
        return accept(next, "promotion confirmed");
    }

    // why no lease check: the phases describe a promotion that happened; the entry is named by node and timeline, and
    // a later promotion makes the entry no longer the last, which is refused.
    private static Outcome recordPromotionPhases(Cib cib, StoreCommand.RecordPromotionPhases c) {
        PromotionRecord last = cib.lastPromotion().orElse(null);
        if (last == null || !last.node().equals(c.node()) || last.newTimeline() != c.newTimeline()
                || !last.confirmed()) {
            return refuse(cib, "the last promotion is not " + c.node() + "'s confirmed promotion to timeline "
                    + c.newTimeline());
        }
        if (last.phases() != null) {
            return refuse(cib, "the phases of " + c.node() + "'s promotion to timeline " + c.newTimeline()
                    + " are recorded already");
        }
        if (c.phases() == null || c.phases().times().isEmpty()) {
            return refuse(cib, "no phases to record for " + c.node() + "'s promotion to timeline " + c.newTimeline());
        }
        if (c.phases().totalMillis() < 0 || c.phases().times().stream().anyMatch(t -> t.phase() == null
                || t.millis() < 0)) {
            return refuse(cib, "promotion phases must each name a phase and last 0 ms or more: " + c.phases());
        }
        List<PromotionRecord> copy = new ArrayList<>(cib.history());
        copy.set(copy.size() - 1, last.withPhases(c.phases()));
        return accept(cib.withHistory(copy), "promotion phases recorded: " + c.phases().render());
    }

    private static Outcome setSyncStandbys(Cib cib, SetSyncStandbys c) {
        if (!cib.lease().heldBy(c.primary()) || cib.lease().generation() != c.leaseGeneration()) {
            return refuse(cib, c.primary() + " no longer holds lease generation " + c.leaseGeneration()
                    + "; the sync set stays " + cib.syncSet().standbys());
        }
        if (c.expectedVersion() != cib.syncSet().version()) {
            return refuse(cib, "the sync set changed meanwhile (version " + cib.syncSet().version() + ", expected "
                    + c.expectedVersion() + ")");
        }
        for (String standby : c.standbys()) {
            if (standby.equals(c.primary()) || cib.node(standby).filter(n -> n.holdsData()).isEmpty()) {
                return refuse(cib, "'" + standby + "' cannot be a sync standby of " + c.primary());
            }
        }
        if (c.minAcks() < (c.standbys().isEmpty() ? 0 : 1) || c.minAcks() > c.standbys().size()) {
            return refuse(cib, "minAcks " + c.minAcks() + " must be between 1 and " + c.standbys().size());
        }
        SyncSet next = new SyncSet(c.standbys(), c.minAcks(), cib.syncSet().version() + 1);
        return accept(cib.withSyncSet(next), c.standbys().isEmpty() ? "sync set cleared: asynchronous replication"
                : "sync set " + c.standbys() + " (" + c.minAcks() + " acknowledge each commit)");
    }

    private static Outcome forcePromotion(Cib cib, ForcePromotion c) {
        if (cib.node(c.node()).filter(n -> n.holdsData()).isEmpty()) {
            return refuse(cib, "unknown data node '" + c.node() + "'");
        }
        Optional<String> postgresRefusal = cib.resources().postgres().promotionRefusal();
        if (postgresRefusal.isPresent()) {
            return refuse(cib, postgresRefusal.get());
        }
        if (!cib.lease().isFree()) {
            return refuse(cib, cib.lease().holder() + " holds the primary lease; a forced promotion is only for when"
                    + " no primary runs");
        }
        if (RepairReducer.diverged(cib, c.node())) {
            return refuse(cib, c.node() + " diverged from the timeline history: promoting it would lose the"
                    + " timeline's later commits; run '" + Hint.repair(c.node()) + "' first");
        }
        Cib next = RepairReducer.makePrimary(cib, c.node(),
                PromotionCause.FORCED.words() + " by the operator: " + c.operatorNote(),
                "follow the forced primary " + c.node());
        return accept(next, c.node() + " will be promoted; acknowledged commits it lacks are lost");
    }

    private static Outcome recordFailedAction(Cib cib, RecordFailedAction c) {
        List<FailedAction> actions = new ArrayList<>(cib.failedActions());
        actions.add(c.action());
        return accept(cib.withFailedActions(actions), "recorded");
    }

    private static Outcome withdrawFailedAction(Cib cib, StoreCommand.WithdrawFailedAction c) {
        List<FailedAction> actions = new ArrayList<>(cib.failedActions());
        if (!actions.remove(c.action())) {
            return refuse(cib, "no such failed action of " + c.action().node() + " is recorded");
        }
        return accept(cib.withFailedActions(actions), "withdrawn");
    }

    private static Outcome cleanupFailures(Cib cib, CleanupFailures c) {
        if (c.node() != null && cib.node(c.node()).isEmpty()) {
            return refuse(cib, "unknown node '" + c.node() + "'");
        }
        Cib next = cib;
        for (var node : cib.nodes()) {
            if (c.node() == null || c.node().equals(node.name())) {
                next = next.withFailCount(node.name(), FailCount.NONE);
            }
        }
        List<FailedAction> kept = next.failedActions().stream()
                .filter(a -> c.node() != null && !c.node().equals(a.node())).toList();
        return accept(next.withFailedActions(kept), "cleaned up");
    }

    private static Outcome setMaintenance(Cib cib, SetMaintenance c) {
        if (c.node() == null) {
            return accept(cib.withMaintenance(cib.maintenance().withCluster(c.on())), c.on()
                    ? "cluster paused: pgpacer observes and does not act" : "cluster resumed: pgpacer manages it again");
        }
        if (cib.node(c.node()).isEmpty()) {
            return refuse(cib, "unknown node '" + c.node() + "'; configured nodes are "
                    + cib.nodes().stream().map(n -> n.name()).toList());
        }
        return accept(cib.withMaintenance(cib.maintenance().withNode(c.node(), c.on())), c.on()
                ? c.node() + " is in maintenance: pgpacer observes it and does not act on it"
                : c.node() + " left maintenance: pgpacer manages it again");
    }

    private static Outcome moveReaderVip(Cib cib, MoveReaderVip c) {
        if (c.expectedVersion() != cib.readerVip().version()) {
            return refuse(cib, "reader VIP assignment changed meanwhile (version " + cib.readerVip().version()
                    + ", expected " + c.expectedVersion() + ")");
        }
        if (c.node() != null && cib.node(c.node()).filter(n -> n.holdsData()).isEmpty()) {
            return refuse(cib, "unknown data node '" + c.node() + "'");
        }
        return accept(cib.withReaderVip(cib.readerVip().movedTo(c.node(), c.reason())),
                c.node() == null ? "reader VIP unassigned" : "reader VIP assigned to " + c.node());
    }
}
