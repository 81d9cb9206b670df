package io.pgpacer.core.cib;

import java.util.List;

/**
 * The standbys the primary's commits wait for, as recorded in the CIB: every commit acknowledged to a client
 * is on at least {@code minAcks} of {@code standbys}. Recorded before PostgreSQL waits for a new member, and
 * shrunk only after PostgreSQL stopped waiting for one; empty means asynchronous (no promotion guard).
 *
 * @param version grows with every change, for compare-and-set
 */
public record SyncSet(List<String> standbys, int minAcks, long version) {

    public static final SyncSet NONE = new SyncSet(List.of(), 0, 0);

    public SyncSet {
        standbys = List.copyOf(standbys);
    }

    public boolean isEmpty() {
        return standbys.isEmpty();
    }

    /**
     * How many members must answer before the most advanced of them is known to hold every acknowledged
     * commit: any {@code minAcks} members hold it, so any {@code n - minAcks + 1} answers include one of them.
     */
    public int answersNeeded() {
        return isEmpty() ? 0 : standbys.size() - Math.max(1, minAcks) + 1;
    }
}
