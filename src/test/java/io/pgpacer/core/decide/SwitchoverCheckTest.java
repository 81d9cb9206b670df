package io.pgpacer.core.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.replay.DecisionFile;
import org.junit.jupiter.api.Test;

/**
 * The check of an operator's switchover request, which the API answers before anything is stored: not a scheduling
 * decision (no plan is made), so it has no golden scenario; the cluster is written in the scenarios' words.
 */
class SwitchoverCheckTest {

    private static final Cib N2_IN_STANDBY = DecisionFile.read("""
            format: 1
            description: n1 primary with the lease, n2 and n3 streaming from it, n2 in standby
            nodes: [n1, n2, n3]
            primary: {node: n1, timeline: 1}
            lease: {holder: n1, seen: 500ms}
            standby: [n2]
            reports:
              n1: {pg: primary, lsn: 0/5000}
              n2: {pg: standby, lsn: 0/5000, upstream: n1}
              n3: {pg: standby, lsn: 0/4000, upstream: n1}
            """).snapshot().cib();

    @Test
    void aSwitchoverToANodeInStandbyIsRefusedWithTheCommandThatAllowsIt() {
        assertEquals("n2 is in standby (pgpacer node unstandby n2)",
                SwitchoverCheck.check(N2_IN_STANDBY, "n2", 1 << 20, n -> true).refusal());
    }

    @Test
    void withoutANamedTargetANodeInStandbyIsPassedOver() {
        assertEquals("n3", SwitchoverCheck.check(N2_IN_STANDBY, null, 1 << 20, n -> true).target());
    }
}
