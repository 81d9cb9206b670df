package io.pgpacer.core.timeline;

import io.pgpacer.core.model.Lsn;

/**
 * One line of a PostgreSQL timeline history file: timeline {@code parent} ended at {@code switchpoint}, where its
 * child timeline begins.
 */
public record TimelineFork(long parent, Lsn switchpoint) {
}
