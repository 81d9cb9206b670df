package io.pgpacer.core.resource;

/** Failures of one primitive resource on one node since the last cleanup (Pacemaker's fail-count). */
public record ResourceFailCount(String resource, String node, int count, String lastFailureAt) {
}
