/**
 * Timelines as PostgreSQL forks them, and the pure check of a node's WAL against the cluster's timeline history:
 * whether it may stream from the primary as it is, or went past the point where its timeline was forked; and where
 * the time of each change of primary went, phase by phase, from the instants its new primary observed.
 */
package io.pgpacer.core.timeline;
