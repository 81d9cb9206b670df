package io.pgpacer.it;

/** {@link VipLabTest} with asynchronous replication. */
class AsyncVipLabTest extends VipLabTest {

    @Override
    boolean sync() {
        return false;
    }
}
