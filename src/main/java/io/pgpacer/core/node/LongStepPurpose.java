package io.pgpacer.core.node;

import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.Role;
import java.util.Locale;

/**
 * The goal a long step (a clone, a rewind) serves: this node a standby of {@code upstream}, for the operator's repair
 * requested at {@code repairRequestedAt} (null: none). A clone the goal no longer wants is cancelled.
 */
public record LongStepPurpose(String upstream, String repairRequestedAt) {

    public static LongStepPurpose of(NodeGoal goal) {
        return new LongStepPurpose(goal.upstream(), goal.repair() == null ? null : goal.repair().requestedAt());
    }

    /** Why {@code goal} no longer wants the step, or null while it does. */
    public String unwantedBecause(NodeGoal goal) {
        if (goal == null) {
            return "this node has no goal any more";
        }
        if (goal.role() != Role.STANDBY) {
            return "this node's goal is now " + goal.role().name().toLowerCase(Locale.ROOT)
                    + (goal.reason() == null ? "" : " (" + goal.reason() + ")");
        }
        if (!goal.upstream().equals(upstream)) {
            return "this node's upstream is now " + goal.upstream();
        }
        if (repairRequestedAt != null
                && (goal.repair() == null || !repairRequestedAt.equals(goal.repair().requestedAt()))) {
            return "the operator's request it served was withdrawn or replaced";
        }
        return null;
    }
}
