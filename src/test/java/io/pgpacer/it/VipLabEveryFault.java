package io.pgpacer.it;

import io.pgpacer.testkit.lab.LabFault;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * {@link VipLabTest} with every fault of the primary's host: its agent killed, the host frozen, and the host cut off
 * by dropped or by rejected packets. The synchronous suite runs them (it also checks that no acknowledged write is
 * lost); with asynchronous replication the failover takes the same path, so {@link AsyncVipLabAllFaults} runs them in
 * {@code bench/soak}, outside the default build, which keeps within its time.
 */
abstract class VipLabEveryFault extends VipLabTest {

    @Test
    @Order(4)
    void aKilledAgentLeavesItsVipUntilItRestartsButNoWritesThere() throws Exception {
        killedAgentLeavesItsVipButNoWritesThere();
    }

    @Test
    @Order(5)
    void aFrozenPrimaryLosesItsVipAndFencesOnThawThenRejoins() throws Exception {
        frozenPrimaryLosesItsVipAndFencesOnThaw();
    }

    @Test
    @Order(6)
    void aPrimaryCutOffByDroppedPacketsFencesItselfAndRejoinsAfterTheHeal() throws Exception {
        isolatedPrimary(LabFault.ISOLATE_DROP, "vip_isolate_drop");
    }

    @Test
    @Order(7)
    void aPrimaryCutOffByRejectedPacketsFencesItselfAndRejoinsAfterTheHeal() throws Exception {
        isolatedPrimary(LabFault.ISOLATE_REJECT, "vip_isolate_reject");
    }
}
