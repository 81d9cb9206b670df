package io.pgpacer.core.decide;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.command.StoreCommand.RequestSwitchover;
import java.time.Instant;
import java.util.List;

/**
 * Node standby (Pacemaker's {@code pcs node standby}): a node in standby runs no resources. A standby node is
 * told to stop PostgreSQL cleanly and carries no VIP; it is never elected. A primary put in standby first hands
 * its role over through the zero-loss switchover, and is stopped once another node is primary.
 */
final class StandbyPlanner {

    /** How far behind the primary the switchover target may be when a standby drains the primary. */
    static final long DRAIN_MAX_LAG_BYTES = 16L << 20;

    private StandbyPlanner() {
    }

    /** The goal of a node in standby. */
    static NodeGoal stopped(String node) {
        return new NodeGoal(Role.STOPPED, null, "node standby: " + node + " runs no resources (pgpacer node"
                + " unstandby " + node + ")");
    }

    // when the lease holder is in standby: request a switchover to the best standby, or say why it cannot move
    static Plan drainPrimary(ClusterSnapshot snapshot) {
        Cib cib = snapshot.cib();
        String primary = cib.lease().holder();
        if (primary == null || !cib.inStandby(primary) || cib.switchover() != null) {
            return Plan.NOTHING;
        }
        SwitchoverCheck.Verdict verdict = SwitchoverCheck.check(cib, null, DRAIN_MAX_LAG_BYTES, snapshot::online);
        if (!verdict.allowed()) {
            return Plan.note("node standby: " + primary + " stays primary until another node can take over: "
                    + verdict.refusal());
        }
        String at = Instant.ofEpochMilli(snapshot.wallClock()).toString();
        return new Plan(List.of(new Plan.Step(new RequestSwitchover(primary, verdict.target(), 0, at,
                DRAIN_MAX_LAG_BYTES), "node standby: " + primary + " is in standby; its primary role moves to "
                + verdict.target() + " first (zero-loss switchover), then it stops")), List.of());
    }
}
