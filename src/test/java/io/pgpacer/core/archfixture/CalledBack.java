package io.pgpacer.core.archfixture;

/** A planted violation for ArchitectureViolationsTest: calls back {@link CallsBack}, which calls it. */
public final class CalledBack {

    private CalledBack() {
    }

    static int twice(int value) {
        return 2 * value * CallsBack.one();
    }
}
