package io.pgpacer.core.timeline;

import io.pgpacer.core.model.Lsn;
import java.util.List;

/**
 * Where a stopped node's WAL ends, read from its data directory: the timeline of its last valid record, the
 * position just past that record, and the forks that led to that timeline (its history file, oldest first;
 * empty on timeline 1).
 */
public record LocalWal(long timeline, Lsn end, List<TimelineFork> forks) {

    public LocalWal {
        forks = List.copyOf(forks);
    }
}
