package io.pgpacer.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.Repair;
import io.pgpacer.core.cib.Role;
import org.junit.jupiter.api.Test;

/** When a node's goal still wants the clone or rewind under way, and in which words it does not (the cancel event). */
class LongStepPurposeTest {
    private static final Repair REBUILD = new Repair(Repair.Kind.REBUILD, false, "2026-12-07T12:00:00Z");

    private final LongStepPurpose clone = LongStepPurpose.of(NodeGoal.standbyOf("node1", "standby of the primary"));
    private final LongStepPurpose rebuild = LongStepPurpose.of(NodeGoal.standbyOf("node1", "standby of the primary")
            .withRepair(REBUILD));

    @Test
    void theSameStandbyGoalWantsItWhateverItsReason() {
        assertEquals(null, clone.unwantedBecause(NodeGoal.standbyOf("node1", "another reason")));
        assertEquals(null, rebuild.unwantedBecause(NodeGoal.standbyOf("node1", "x").withRepair(REBUILD)));
    }

    @Test
    void aClonePassesWhenTheOperatorAsksForARebuildMeanwhile() {
        assertEquals(null, clone.unwantedBecause(NodeGoal.standbyOf("node1", "x").withRepair(REBUILD)));
    }

    @Test
    void anotherRoleUpstreamOrRequestDoesNot() {
        assertEquals("this node has no goal any more", clone.unwantedBecause(null));
        assertEquals("this node's goal is now stopped (node stopped by the operator)",
                clone.unwantedBecause(new NodeGoal(Role.STOPPED, null, "node stopped by the operator")));
        assertEquals("this node's goal is now primary (failover)", clone.unwantedBecause(NodeGoal.primary("failover")));
        assertEquals("this node's upstream is now node3", clone.unwantedBecause(NodeGoal.standbyOf("node3", "x")));
        assertEquals("the operator's request it served was withdrawn or replaced",
                rebuild.unwantedBecause(NodeGoal.standbyOf("node1", "x")));
        assertEquals("the operator's request it served was withdrawn or replaced", rebuild.unwantedBecause(
                NodeGoal.standbyOf("node1", "x").withRepair(new Repair(Repair.Kind.REBUILD, true,
                        "2026-12-07T12:05:00Z"))));
    }
}
