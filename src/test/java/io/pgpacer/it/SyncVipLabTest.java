package io.pgpacer.it;

/** {@link VipLabTest} with synchronous replication: every scenario also loses no acknowledged write. */
class SyncVipLabTest extends VipLabTest {

    @Override
    boolean sync() {
        return true;
    }
}
