package io.pgpacer.agent;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.timeline.LocalWal;
import io.pgpacer.core.timeline.TimelineCheck;
import io.pgpacer.postgres.DataDirState;
import io.pgpacer.postgres.PostgresInstance;
import java.util.List;

/**
 * The start-time check (S3): before PostgreSQL starts as a standby, or as a standby to be promoted, this node's WAL
 * (pg_controldata, pg_waldump, its timeline history files) is compared with the cluster's timeline history. The
 * verdict is kept until the data directory or the history changes, so a diverged node is read once, not every pass.
 */
final class DivergenceCheck {

    private final String self;
    private final PostgresInstance pg;
    private List<Object> checkedFor;
    private TimelineCheck.Verdict verdict;

    DivergenceCheck(String self, PostgresInstance pg) {
        this.self = self;
        this.pg = pg;
    }

    /** The verdict on this node's WAL (PostgreSQL stopped) against the CIB's history. */
    TimelineCheck.Verdict check(Cib cib, DataDirState data) {
        List<Object> key = List.of(String.valueOf(data.systemIdentifier()), String.valueOf(data.clusterState()),
                data.timeline(), data.checkpointLsn(), cib.history());
        if (!key.equals(checkedFor)) {
            LocalWal wal = pg.localWal();
            verdict = TimelineCheck.check(cib.history(), wal);
            checkedFor = key;
        }
        return verdict;
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
