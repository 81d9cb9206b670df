package io.pgpacer.it;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** {@link VipLabTest} with synchronous replication: every scenario also loses no acknowledged write. */
class SyncVipLabTest extends VipLabEveryFault {

    @Override
    boolean sync() {
        return true;
    }

    @Test
    @Order(9)
    void aCutReplicationLinkKeepsThePrimaryAndItsWritesAndTheStandbysCatchUpAfterTheHeal() throws Exception {
        replicationCutKeepsThePrimary();
    }

    @Test
    @Order(10)
    void aRollingRestartOfEveryAgentLosesNothingAndKeepsTheWritesFlowing() throws Exception {
        rollingAgentRestartKeepsTheWritesFlowing();
    }
}
