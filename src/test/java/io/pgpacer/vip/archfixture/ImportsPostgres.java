package io.pgpacer.vip.archfixture;

import io.pgpacer.postgres.PostgresInstance;

/** A planted violation for ArchitectureViolationsTest: the vip adapter importing the postgres adapter. */
public final class ImportsPostgres {

    private ImportsPostgres() {
    }

    public static boolean running(PostgresInstance pg) {
        return pg.isRunning();
    }
}
