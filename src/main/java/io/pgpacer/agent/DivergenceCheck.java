package io.pgpacer.agent;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.timeline.LocalWal;
import io.pgpacer.core.timeline.TimelineCheck;
import io.pgpacer.postgres.DataDirState;
import io.pgpacer.postgres.PgObservation;
import io.pgpacer.postgres.PostgresInstance;
import io.pgpacer.store.ClusterStore;
import io.pgpacer.store.StoreUnavailableException;
import java.time.Duration;
import java.util.List;

/**
 * The start-time check (S3): before PostgreSQL starts as a standby, or as a standby to be promoted, this node's WAL
 * (pg_controldata, pg_waldump, its timeline history files) is compared with the cluster's timeline history. The
 * verdict is kept until the data directory or the history changes, so a diverged node is read once, not every pass.
 * The history is read through the store's majority (linearizable), never from this member's own copy: right after
 * an agent restart that copy may lag behind a promotion this very node made, and a verdict read from it would call
 * the node diverged (issue 12).
 */
final class DivergenceCheck {

    private final String self;
    private final PostgresInstance pg;
    private final ClusterStore store;
    private final Duration readTimeout;
    private List<Object> checkedFor;
    private TimelineCheck.Verdict verdict;

    DivergenceCheck(String self, PostgresInstance pg, ClusterStore store, Duration readTimeout) {
        this.self = self;
        this.pg = pg;
        this.store = store;
        this.readTimeout = readTimeout;
    }

    /**
     * The verdict on this node's WAL (PostgreSQL stopped) against the cluster's history as the majority holds it now.
     *
     * @throws StoreUnavailableException when no majority answers: then there is no verdict, and the caller waits
     */
    TimelineCheck.Verdict check(DataDirState data) {
        Cib cib = store.read(readTimeout);
        List<Object> key = List.of(String.valueOf(data.systemIdentifier()), String.valueOf(data.clusterState()),
                data.timeline(), data.checkpointLsn(), cib.history());
        if (!key.equals(checkedFor)) {
            LocalWal wal = pg.localWal();
            verdict = TimelineCheck.check(cib.history(), wal);
            checkedFor = key;
        }
        return verdict;
    }

    /**
     * The same check for a running standby about to follow a new upstream, on the WAL it replayed as it observes it
     * now (its own timeline history files say where its timeline forked). Not remembered: the standby's WAL moves on;
     * a diverged one is stopped, and the start-time check reads its data directory.
     *
     * @throws StoreUnavailableException when no majority answers
     */
    TimelineCheck.Verdict checkRunning(PgObservation observed) {
        Cib cib = store.read(readTimeout);
        // why replayed, not received: the received position may end inside a record that never arrived whole, which
        // is no divergence; a standby that received more than it replayed is caught by unstick, as before
        return TimelineCheck.check(cib.history(), new LocalWal(observed.timeline(), observed.replayLsn(),
                pg.timelineHistory(observed.timeline())));
    }

    /** Whether the last check found this node diverged and nothing rewound or replaced its data since. */
    boolean diverged() {
        return verdict != null && verdict.diverged();
    }

    /** Forgets the verdict: the data directory was rewound, replaced or started. */
    void forget() {
        verdict = null;
        checkedFor = null;
    }

    /** What a diverged node says in its report: the finding and the command that fixes it. */
    String divergedText(boolean autoRewind, String upstream) {
        String fix = "run 'pgpacer repair " + self + "' (pg_rewind against the primary"
                + (upstream == null ? "" : " " + upstream) + ") or 'pgpacer rebuild " + self + "' (a new copy)";
        return "DIVERGED: " + verdict.reason() + "; not started as a standby and never promoted"
                + (autoRewind ? "" : " (auto-rewind is off)") + ": " + fix;
    }
}
