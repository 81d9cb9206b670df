package io.pgpacer.postgres;

import io.pgpacer.core.model.Lsn;
import java.util.List;

/**
 * One look at a PostgreSQL server. {@code running} and {@code pid} come from the process this adapter
 * started; everything else from one SQL round trip, which may fail ({@code reachable} false,
 * {@code error} holds the driver's message). LSNs that do not apply to the server's role are ZERO.
 */
public record PgObservation(boolean running, long pid, boolean reachable, boolean inRecovery, long timeline,
                            Lsn currentLsn, Lsn receiveLsn, Lsn replayLsn, boolean streaming,
                            String senderHost, int senderPort, List<ReplicaRow> replicas, String error) {

    public PgObservation {
        replicas = List.copyOf(replicas);
    }

    /** An observation where SQL did not answer; {@code error} says why (null when nothing was tried). */
    public static PgObservation unreachable(boolean running, long pid, String error) {
        return new PgObservation(running, pid, false, false, 0, Lsn.ZERO, Lsn.ZERO, Lsn.ZERO, false, null, 0,
                List.of(), error);
    }

    /** The same observation on another timeline. */
    public PgObservation withTimeline(long newTimeline) {
        return new PgObservation(running, pid, reachable, inRecovery, newTimeline, currentLsn, receiveLsn, replayLsn,
                streaming, senderHost, senderPort, replicas, error);
    }
}
