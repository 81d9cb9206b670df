package io.pgpacer.core.decide;

import io.pgpacer.core.model.Hint;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.command.StoreCommand.RequestSwitchover;
import io.pgpacer.core.resource.Constraint;
import io.pgpacer.core.resource.PostgresClone;
import java.time.Instant;
import java.util.List;

/**
 * Nodes that run no PostgreSQL: a node in standby (Pacemaker's {@code pcs node standby}), which runs no resources
 * at all, and a node {@code msPostgresql} is banned from (a location constraint of -INFINITY, {@code pgpacer
 * resource ban msPostgresql NODE}). Such a node is told to stop PostgreSQL cleanly and is never elected. A primary
 * there first hands its role over through the zero-loss switchover, and is stopped once another node is primary.
 */
final class StandbyPlanner {

    /** How far behind the primary the switchover target may be when a standby drains the primary. */
    static final long DRAIN_MAX_LAG_BYTES = 16L << 20;

    private StandbyPlanner() {
    }

    /** The goal of a node in standby. */
    static NodeGoal stopped(String node) {
        return new NodeGoal(Role.STOPPED, null, "node standby: " + node + " runs no resources (" + Hint.unstandby(node)
                + ")");
    }

    /** The goal of a node that runs no PostgreSQL: stopped, with the reason and the command that undoes it. */
    static NodeGoal stopped(Cib cib, String node) {
        if (cib.inStandby(node)) {
            return stopped(node);
        }
        String constraint = cib.postgresBan(node).map(Constraint.Location::id).orElse("?");
        return new NodeGoal(Role.STOPPED, null, PostgresClone.ID + " is banned from " + node + " (constraint "
                + constraint + "; " + Hint.clear(PostgresClone.ID, node) + ")");
    }

    // when the lease holder is in standby or banned: request a switchover to the best standby, or say why it cannot
    // move
    static Plan drainPrimary(ClusterSnapshot snapshot) {
        Cib cib = snapshot.cib();
        String primary = cib.lease().holder();
        if (primary == null || !cib.runsNoPostgres(primary) || cib.switchover() != null) {
            return Plan.NOTHING;
        }
        // e.g. "node standby: n1 is in standby", "n1 is banned from msPostgresql (constraint ban-1)"
        String cause = (cib.inStandby(primary) ? "node standby: " : "") + primary + " "
                + cib.whyNoPostgres(primary).orElseThrow();
        SwitchoverCheck.Verdict verdict = SwitchoverCheck.check(cib, null, DRAIN_MAX_LAG_BYTES, snapshot::online);
        if (!verdict.allowed()) {
            String stays = cib.inStandby(primary) ? "node standby: " + primary + " stays primary"
                    : cause + "; it stays primary";
            return Plan.note(stays + " until another node can take over: " + verdict.refusal());
        }
        String at = Instant.ofEpochMilli(snapshot.wallClock()).toString();
        return new Plan(List.of(new Plan.Step(new RequestSwitchover(primary, verdict.target(), 0, at,
                DRAIN_MAX_LAG_BYTES), cause + "; its primary role moves to " + verdict.target()
                        + " first (zero-loss switchover), then it stops")),
                List.of());
    }
}
