package io.pgpacer.core.archfixture;

/** A planted violation for ArchitectureViolationsTest: with {@link CalledBack}, two core classes in a cycle. */
public final class CallsBack {

    private CallsBack() {
    }

    public static int apply(int value) {
        return CalledBack.twice(value) + 1;
    }

    static int one() {
        return 1;
    }
}
