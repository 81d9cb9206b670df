package io.pgpacer.core.command;

import io.pgpacer.core.model.Hint;
import static io.pgpacer.core.command.Outcome.accept;
import static io.pgpacer.core.command.Outcome.refuse;

import io.pgpacer.core.cib.PromotionCause;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.FailCount;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.Repair;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.cib.SyncSet;
import io.pgpacer.core.command.StoreCommand.CompleteRepair;
import io.pgpacer.core.command.StoreCommand.RecoverMaster;
import io.pgpacer.core.command.StoreCommand.RequestRepair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator's ways back for a node whose data cannot simply stream (S3, S5): repair (pg_rewind), rebuild
 * (pg_basebackup) and recover-master. A repair is kept in the node's goal until its agent reports it done.
 */
final class RepairReducer {

    private RepairReducer() {
    }

    static Outcome request(Cib cib, RequestRepair c) {
        String node = c.node();
        String what = c.repair().kind() == Repair.Kind.REWIND ? "repair" : "rebuild";
        if (cib.node(node).filter(NodeSpec::holdsData).isEmpty()) {
            return refuse(cib, "unknown data node '" + node + "'; data nodes are "
                    + cib.dataNodes().stream().map(NodeSpec::name).toList());
        }
        String primary = cib.goalPrimary().orElse(null);
        if (cib.lease().heldBy(node) || node.equals(primary)) {
            return refuse(cib, node + " is the primary; " + what + " makes a standby follow the primary. To " + what
                    + " " + node + ", first make another node the primary: " + Hint.switchover());
        }
        if (primary == null) {
            return refuse(cib, "no primary is assigned, so there is nothing to " + (what.equals("repair")
                    ? "rewind " + node + " onto" : "copy " + node + " from") + "; see '" + Hint.status() + "'");
        }
        if (cib.maintenance().covers(node)) {
            return refuse(cib, node + " is in maintenance: its agent does not act (" + (cib.maintenance().cluster()
                    ? Hint.clusterResume() : Hint.unmaintenance(node)) + ")");
        }
        if (cib.inStandby(node)) {
            return refuse(cib, node + " is in standby and runs no PostgreSQL (" + Hint.unstandby(node) + ")");
        }
        NodeGoal goal = cib.goal(node).orElse(null);
        if (goal == null || goal.role() != Role.STANDBY) {
            return refuse(cib, node + " has no standby role now (its goal: " + (goal == null ? "none" : goal.describe())
                    + "); see 'pgpacer status'");
        }
        return accept(cib.withGoals(Map.of(node, goal.withRepair(c.repair()))), node + "'s agent will run "
                + c.repair().describe() + " from " + primary + " and rejoin it as a standby; see 'pgpacer status'");
    }

    static Outcome complete(Cib cib, CompleteRepair c) {
        NodeGoal goal = cib.goal(c.node()).orElse(null);
        if (goal == null || goal.repair() == null || !goal.repair().requestedAt().equals(c.requestedAt())) {
            return refuse(cib, "no repair of " + c.node() + " requested at " + c.requestedAt() + " is pending");
        }
        return accept(cib.withGoals(Map.of(c.node(), goal.withRepair(null))), c.node() + ": "
                + goal.repair().describe() + " done");
    }

    /** New goals keep a standby's pending repair while it stays a standby: the request is the operator's. */
    static Map<String, NodeGoal> keepingRepairs(Cib cib, Map<String, NodeGoal> goals) {
        Map<String, NodeGoal> kept = new LinkedHashMap<>(goals);
        goals.forEach((node, goal) -> cib.goal(node).map(NodeGoal::repair)
                .filter(pending -> goal.role() == Role.STANDBY && goal.repair() == null)
                .ifPresent(pending -> kept.put(node, goal.withRepair(pending))));
        return kept;
    }

    /** Whether {@code node} last reported that its WAL diverged from the timeline history (S3). */
    static boolean diverged(Cib cib, String node) {
        return cib.report(node).filter(r -> r.pgState() == PgState.DIVERGED).isPresent();
    }

    /**
     * An operator's choice of primary: everyone else its standby (pending repairs kept), the sync record cleared (no
     * recorded standby need hold its commits), its fail-count reset, any planned switchover dropped.
     */
    static Cib makePrimary(Cib cib, String node, String primaryReason, String standbyReason) {
        Map<String, NodeGoal> goals = RepairReducer.keepingRepairs(cib, cib.goalsWithPrimary(node, primaryReason,
                standbyReason));
        SyncSet cleared = new SyncSet(List.of(), 0, cib.syncSet().version() + 1);
        return cib.withGoals(goals).withSyncSet(cleared).withFailCount(node, FailCount.NONE).withSwitchover(null);
    }

    static Outcome recoverMaster(Cib cib, RecoverMaster c) {
        if (cib.node(c.node()).filter(NodeSpec::holdsData).isEmpty()) {
            return refuse(cib, "unknown data node '" + c.node() + "'");
        }
        if (cib.resources().postgres().promotionRefusal().isPresent()) {
            return refuse(cib, cib.resources().postgres().promotionRefusal().get());
        }
        if (!cib.lease().isFree()) {
            return refuse(cib, cib.lease().holder() + " holds the primary lease: a primary runs. recover-master is"
                    + " for a cluster where no node can become primary");
        }
        if (c.expectedGoalsVersion() != cib.goalsVersion()) {
            return refuse(cib, "goals changed meanwhile (version " + cib.goalsVersion() + ", expected "
                    + c.expectedGoalsVersion() + "); look at 'pgpacer status' and run recover-master again");
        }
        if (diverged(cib, c.node())) {
            return refuse(cib, c.node() + " diverged from the timeline history; repair or rebuild it first");
        }
        return accept(makePrimary(cib, c.node(), PromotionCause.RECOVER_MASTER.words() + ": " + c.reason(),
                "follow the recovered primary " + c.node()), "the recorded primary is cleared; " + c.node()
                        + " will be primary: " + c.reason());
    }
}
