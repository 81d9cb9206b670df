package io.pgpacer.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgpacer.core.decide.ClusterSnapshot;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The what-if grammar's events, and its refusals, on a cluster written in the scenarios' words. */
class WhatIfTest {

    private static final ClusterSnapshot N2_FAILED = DecisionFile.read("""
            format: 1
            description: n1 primary, n2 failed (fail-count 1), n3 streaming, a witness w
            nodes: [n1, n2, n3, {name: w, witness: true}]
            primary: {node: n1, timeline: 1}
            lease: {holder: n1, seen: 500ms}
            fail-counts: {n2: {count: 1}}
            reports:
              n1: {pg: primary, lsn: 0/5000}
              n2: {pg: failed, lsn: 0/5000, heard: 20s}
              n3: {pg: standby, lsn: 0/5000, upstream: n1}
            """).snapshot();

    private static List<String> explained(ClusterSnapshot snapshot) {
        return WhatIf.passes(snapshot).stream().map(p -> p.plan().explain()).toList();
    }

    @Test
    void aRecoveredStandbyStreamsAgainAndNeedsNoDecision() {
        ClusterSnapshot recovered = WhatIf.apply(N2_FAILED, "node n2 recovers");
        assertEquals("STANDBY", recovered.cib().reports().get("n2").pgState().name());
        assertEquals(true, recovered.online("n2"), "heard now");
        assertEquals(List.of("note: no action: n1 holds a valid lease"), explained(recovered));
    }

    @Test
    void eventsOutsideTheClusterOrThatTheStoreRefusesAreRefusedInOneSentence() {
        assertEquals("'node w fails' names w, a witness, which runs no PostgreSQL; name a data node of [n1, n2, n3]",
                assertThrows(WhatIf.BadHypothesisException.class, () -> WhatIf.apply(N2_FAILED, "node w fails"))
                        .getMessage());
        assertEquals("'switchover to n1' cannot happen here: the store would refuse it ('n1' cannot take over from"
                + " n1)", assertThrows(WhatIf.BadHypothesisException.class,
                        () -> WhatIf.apply(N2_FAILED, "switchover to n1")).getMessage());
    }

    @Test
    void nothingIsChangedInTheSnapshotGiven() {
        ClusterSnapshot before = N2_FAILED;
        WhatIf.passes(WhatIf.apply(before, "node n1 goes offline"));
        assertEquals(N2_FAILED, before);
        assertEquals("n1", before.cib().lease().holder());
    }
}
