package io.pgpacer.core.command;

import static io.pgpacer.core.command.Outcome.accept;
import static io.pgpacer.core.command.Outcome.refuse;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.Switchover;
import io.pgpacer.core.cib.Switchover.Phase;
import io.pgpacer.core.command.StoreCommand.AbortSwitchover;
import io.pgpacer.core.command.StoreCommand.BeginSwitchover;
import io.pgpacer.core.command.StoreCommand.HandOver;
import io.pgpacer.core.command.StoreCommand.RequestSwitchover;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The switchover commands of {@link CibReducer}. A switchover moves through {@link Phase}s; each command
 * checks the phase, the lease and the goals it expects, so a switchover and a failover never both act.
 */
final class SwitchoverReducer {

    private SwitchoverReducer() {
    }

    static Outcome request(Cib cib, RequestSwitchover c) {
        if (cib.resources().postgres().promotionRefusal().isPresent()) {
            return refuse(cib, cib.resources().postgres().promotionRefusal().get());
        }
        if (cib.switchover() != null) {
            return refuse(cib, "a switchover is already planned: " + cib.switchover().describe()
                    + "; cancel it first with 'pgpacer switchover --cancel'");
        }
        if (!cib.lease().heldBy(c.from())) {
            return refuse(cib, c.from() + " is not the primary any more ("
                    + (cib.lease().isFree() ? "nobody" : cib.lease().holder()) + " holds the lease)");
        }
        if (c.to() != null && (c.to().equals(c.from()) || cib.node(c.to()).filter(NodeSpec::holdsData).isEmpty())) {
            return refuse(cib, "'" + c.to() + "' cannot take over from " + c.from());
        }
        if (c.maxLagBytes() < 0) {
            return refuse(cib, "the allowed lag must not be negative");
        }
        Switchover planned = new Switchover(c.from(), c.to(), c.notBefore(), c.requestedAt(), c.maxLagBytes(),
                Phase.SCHEDULED, null);
        return accept(cib.withSwitchover(planned), "switchover planned: " + planned.describe());
    }

    static Outcome cancel(Cib cib) {
        Switchover planned = cib.switchover();
        if (planned == null) {
            return refuse(cib, "no switchover is planned");
        }
        if (planned.phase() != Phase.SCHEDULED) {
            return refuse(cib, "the switchover is under way (" + planned.describe() + ") and can no longer be"
                    + " cancelled");
        }
        return accept(cib.withSwitchover(null), "switchover cancelled: " + planned.describe());
    }

    static Outcome begin(Cib cib, BeginSwitchover c) {
        Switchover planned = cib.switchover();
        if (planned == null || planned.phase() != Phase.SCHEDULED) {
            return refuse(cib, "no switchover is waiting to begin");
        }
        if (c.expectedGoalsVersion() != cib.goalsVersion()) {
            return refuse(cib, "goals changed meanwhile (version " + cib.goalsVersion() + ", expected "
                    + c.expectedGoalsVersion() + ")");
        }
        if (!cib.lease().heldBy(planned.from())) {
            return refuse(cib, planned.from() + " no longer holds the lease");
        }
        if (c.to().equals(planned.from()) || cib.node(c.to()).filter(NodeSpec::holdsData).isEmpty()) {
            return refuse(cib, "'" + c.to() + "' cannot take over from " + planned.from());
        }
        Map<String, NodeGoal> goals = Map.of(planned.from(),
                NodeGoal.standbyOf(c.to(), "switchover to " + c.to() + ": stop writes and hand over"));
        return accept(cib.withGoals(goals).withSwitchover(planned.began(c.to())),
                "switchover begins: " + planned.from() + " stops writes");
    }

    static Outcome handOver(Cib cib, HandOver c) {
        Switchover planned = cib.switchover();
        if (planned == null || planned.phase() != Phase.HANDING_OVER || !planned.from().equals(c.node())) {
            return refuse(cib, c.node() + " has no switchover to hand over");
        }
        if (!cib.lease().heldBy(c.node()) || cib.lease().generation() != c.leaseGeneration()) {
            return refuse(cib, c.node() + " no longer holds lease generation " + c.leaseGeneration());
        }
        Cib next = cib.withLease(new Lease(null, cib.lease().generation(), 0))
                .withSwitchover(planned.handedOver(c.endOfWal()));
        return Outcome.acceptReleasingLease(next, c.node() + " handed over at " + c.endOfWal() + "; lease released");
    }

    static Outcome abort(Cib cib, AbortSwitchover c) {
        Switchover planned = cib.switchover();
        if (planned == null) {
            return refuse(cib, "no switchover is planned");
        }
        if (c.expectedGoalsVersion() != cib.goalsVersion()) {
            return refuse(cib, "goals changed meanwhile (version " + cib.goalsVersion() + ", expected "
                    + c.expectedGoalsVersion() + ")");
        }
        if (planned.to() != null && cib.lease().heldBy(planned.to())) {
            return refuse(cib, planned.to() + " already holds the lease; the switchover completes");
        }
        List<FailedAction> actions = new ArrayList<>(cib.failedActions());
        actions.add(new FailedAction(planned.from(), "switchover", 1, c.reason(), c.at()));
        Cib next = cib.withSwitchover(null).withFailedActions(actions);
        // why: after a clean hand-over the old primary holds every commit; giving the role back to it loses none,
        // where electing among the standbys could pick one that missed the end of its WAL.
        if (planned.phase() == Phase.CATCHING_UP && cib.lease().isFree()) {
            next = next.withGoals(cib.goalsWithPrimary(planned.from(), "switchover aborted: " + c.reason(),
                    "switchover aborted: follow " + planned.from() + " again"));
            return accept(next, "switchover aborted; " + planned.from() + " resumes as primary: " + c.reason());
        }
        return accept(next, "switchover aborted: " + c.reason());
    }

    /** Whether {@code node} is the target of a handed-over switchover and has received all of the old WAL. */
    static boolean caughtUp(Cib cib, String node) {
        Switchover planned = cib.switchover();
        if (planned == null || planned.phase() != Phase.CATCHING_UP || !node.equals(planned.to())) {
            return false;
        }
        NodeReport report = cib.reports().get(node);
        return report != null && planned.receivedAll(report);
    }
}
