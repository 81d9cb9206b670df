package io.pgpacer.core.cib;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.cib.CommitGuardReport.State;
import io.pgpacer.core.model.Lsn;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a lease counts as guarded, and how much sooner a guarded lease expires; one row per situation. */
class LeaseGuardTest {

    private static final long GENERATION = 7;

    private record Row(String situation, Lease lease, String reporter, CommitGuardReport guard, boolean guarded) {
    }

    private static CommitGuardReport guard(State state, long epoch) {
        return new CommitGuardReport(state, epoch, 0, 0, 0, null);
    }

    private static final List<Row> ROWS = List.of(
            new Row("granted under this generation", new Lease("n1", GENERATION, 3), "n1",
                    guard(State.GRANTED, GENERATION), true),
            new Row("expired under this generation: PostgreSQL refuses every commit", new Lease("n1", GENERATION, 3),
                    "n1", guard(State.EXPIRED, GENERATION), true),
            new Row("granted under an earlier generation: the grant of this one has not landed",
                    new Lease("n1", GENERATION, 3), "n1", guard(State.GRANTED, GENERATION - 1), false),
            new Row("loaded, nothing granted since PostgreSQL started", new Lease("n1", GENERATION, 0), "n1",
                    guard(State.NOT_GRANTED, 0), false),
            new Row("commit-guard: off", new Lease("n1", GENERATION, 3), "n1", CommitGuardReport.off("off"), false),
            new Row("a report of an agent that predates the guard's report", new Lease("n1", GENERATION, 3), "n1",
                    CommitGuardReport.UNKNOWN, false),
            new Row("another node's guard says nothing of the holder's", new Lease("n1", GENERATION, 3), "n2",
                    guard(State.GRANTED, GENERATION), false),
            new Row("a free lease", new Lease(null, GENERATION, 0), "n1", guard(State.GRANTED, GENERATION), false));

    @Test
    void aLeaseIsGuardedWhenItsHoldersReportShowsTheGuardUnderItsGeneration() {
        for (Row row : ROWS) {
            Cib cib = Cib.EMPTY.withLease(row.lease()).withReport(new NodeReport(row.reporter(), 1, PgState.PRIMARY,
                    0, 1, Lsn.ZERO, Lsn.ZERO, null, false, List.of(), null, null, null, false, 0, Map.of(),
                    row.guard()));
            assertEquals(row.guarded(), cib.leaseGuarded(), row.situation());
        }
    }

    @Test
    void aGuardedLeaseExpiresAFenceMarginSoonerAndTheMarginIsAQuarterOfTheLeaseTimeAtLeast300Ms() {
        assertEquals(750, Lease.fenceMarginMillis(3_000));
        assertEquals(300, Lease.fenceMarginMillis(1_000));
        assertEquals(2_250, Lease.expiresAfterMillis(3_000, true));
        assertEquals(3_000, Lease.expiresAfterMillis(3_000, false));
        assertEquals(700, Lease.expiresAfterMillis(1_000, true));
    }
}
