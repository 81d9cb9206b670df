package io.pgpacer.core.cib;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cause each primary goal's reason names, as the scheduler and the reducers word those reasons. */
class PromotionCauseTest {

    @Test
    void eachReasonNamesItsCause() {
        Map<String, PromotionCause> reasons = Map.of(
                "initial start: no node has data; n1 is first in the configured order and runs initdb",
                PromotionCause.INITIAL_START,
                "failover: n1 is offline; n3 is the most advanced standby (0/4800)", PromotionCause.FAILOVER,
                "switchover from n1: n2 received all WAL up to 0/5000028", PromotionCause.SWITCHOVER,
                "switchover aborted: n2 did not take the lease", PromotionCause.SWITCHOVER,
                "forced by the operator: the DBA knows", PromotionCause.FORCED,
                "recover-master: n1's data is the newest", PromotionCause.RECOVER_MASTER,
                "n1 resumes as the recorded primary (timeline 3)", PromotionCause.FAILOVER);
        reasons.forEach((reason, cause) -> assertEquals(cause, PromotionCause.of(NodeGoal.primary(reason)), reason));
        assertEquals(PromotionCause.FAILOVER, PromotionCause.of(new NodeGoal(Role.PRIMARY, null, null)));
    }
}
