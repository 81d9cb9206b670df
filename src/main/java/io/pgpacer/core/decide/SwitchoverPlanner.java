package io.pgpacer.core.decide;

import io.pgpacer.core.cib.PromotionCause;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.cib.Switchover;
import io.pgpacer.core.command.StoreCommand.AbortSwitchover;
import io.pgpacer.core.command.StoreCommand.AssignGoals;
import io.pgpacer.core.command.StoreCommand.BeginSwitchover;
import io.pgpacer.core.model.Durations;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The scheduler's part of a planned switchover. The old primary stops PostgreSQL cleanly while it still
 * holds the lease, so nothing is written after its shutdown checkpoint; the target is promoted only once
 * its report shows it received that checkpoint, so it has every acknowledged commit and the old primary can
 * follow it without a rewind. Empty when the normal scheduling applies.
 */
final class SwitchoverPlanner {

    /** How long the target may take to receive the old primary's last WAL before the old primary resumes. */
    static final long CATCH_UP_MILLIS = 10_000;

    private SwitchoverPlanner() {
    }

    static Optional<Plan> plan(ClusterSnapshot snapshot) {
        Cib cib = snapshot.cib();
        Switchover planned = cib.switchover();
        if (planned == null) {
            return Optional.empty();
        }
        if (planned.to() != null && cib.lease().heldBy(planned.to())) {
            // the target is promoting; the normal scheduling makes the others follow it
            return Optional.empty();
        }
        return switch (planned.phase()) {
            case SCHEDULED -> whenScheduled(snapshot, planned);
            case HANDING_OVER -> whileHandingOver(snapshot, planned);
            case CATCHING_UP -> whileCatchingUp(snapshot, planned);
        };
    }

    private static Optional<Plan> whenScheduled(ClusterSnapshot snapshot, Switchover planned) {
        Cib cib = snapshot.cib();
        if (!cib.lease().heldBy(planned.from())) {
            return abort(snapshot, "the primary changed before the switchover began (" + planned.from()
                    + " no longer holds the lease)");
        }
        if (snapshot.wallClock() < planned.notBefore()) {
            return Optional.empty();
        }
        SwitchoverCheck.Verdict verdict = SwitchoverCheck.check(cib, planned.to(), planned.maxLagBytes(),
                snapshot::online);
        if (!verdict.allowed()) {
            return abort(snapshot, "the switchover could not begin: " + verdict.refusal());
        }
        return step(new BeginSwitchover(cib.goalsVersion(), verdict.target()),
                "switchover " + planned.from() + " -> " + verdict.target() + ": " + planned.from()
                        + " stops writes and hands over");
    }

    private static Optional<Plan> whileHandingOver(ClusterSnapshot snapshot, Switchover planned) {
        if (snapshot.cib().lease().heldBy(planned.from())) {
            return Optional.of(Plan.note("switchover: waiting for " + planned.from() + " to stop writes and hand over"));
        }
        return abort(snapshot, planned.from() + " lost its lease before it handed over");
    }

    private static Optional<Plan> whileCatchingUp(ClusterSnapshot snapshot, Switchover planned) {
        Cib cib = snapshot.cib();
        String target = planned.to();
        NodeReport report = cib.reports().get(target);
        boolean promoting = cib.goal(target).map(NodeGoal::role).orElse(null) == Role.PRIMARY;
        if (snapshot.switchoverAge() >= CATCH_UP_MILLIS) {
            String state = report == null ? "no report" : "it has " + report.lsn();
            return abort(snapshot, target + (promoting ? " did not take the lease" : " did not receive WAL up to "
                    + planned.handoverLsn() + " (" + state + ")") + " within " + Durations.seconds(CATCH_UP_MILLIS));
        }
        if (promoting) {
            return Optional.of(Plan.note("switchover: waiting for " + target + " to take the lease"));
        }
        if (report == null || !snapshot.online(target) || !planned.receivedAll(report)) {
            return Optional.of(Plan.note("switchover: waiting for " + target + " to receive WAL up to "
                    + planned.handoverLsn() + (report == null ? "" : " (it has " + report.lsn() + ")")));
        }
        Map<String, NodeGoal> goals = cib.goalsWithPrimary(target, PromotionCause.SWITCHOVER.words() + " from "
                + planned.from() + ": " + target + " received all WAL up to " + planned.handoverLsn(),
                "follow the new primary " + target);
        return step(new AssignGoals(cib.goalsVersion(), goals), "switchover " + planned.from() + " -> " + target
                + ": " + target + " received " + report.lsn() + ", past the hand-over at " + planned.handoverLsn());
    }

    /** A step that gives the planned switchover up, saying why. */
    static Optional<Plan> abort(ClusterSnapshot snapshot, String reason) {
        String at = Instant.ofEpochMilli(snapshot.wallClock()).toString();
        return step(new AbortSwitchover(snapshot.cib().goalsVersion(), reason, at), "switchover aborted: " + reason);
    }

    private static Optional<Plan> step(io.pgpacer.core.command.StoreCommand command, String reason) {
        return Optional.of(new Plan(List.of(new Plan.Step(command, reason)), List.of()));
    }
}
