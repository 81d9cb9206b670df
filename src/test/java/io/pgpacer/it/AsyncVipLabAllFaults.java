package io.pgpacer.it;

/**
 * {@link AsyncVipLabTest} with every fault of {@link VipLabEveryFault}: run by {@code bench/soak} (its name is not a
 * test class name of the default build).
 */
class AsyncVipLabAllFaults extends VipLabEveryFault {

    @Override
    boolean sync() {
        return false;
    }
}
