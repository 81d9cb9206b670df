package io.pgpacer.core.cib;

/** Failures of PostgreSQL on one node since the last cleanup (Pacemaker's fail-count). */
public record FailCount(int count, String lastFailureAt) {

    public static final FailCount NONE = new FailCount(0, null);
}
