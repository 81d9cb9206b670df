package io.pgpacer.it;

/**
 * {@link VipLabTest} with asynchronous replication: bootstrap, switchover, a killed postmaster and a flapping partition.
 * The other faults of the primary's host run with synchronous replication in the default build and asynchronously in
 * {@code bench/soak} ({@link AsyncVipLabAllFaults}).
 */
class AsyncVipLabTest extends VipLabTest {

    @Override
    boolean sync() {
        return false;
    }
}
