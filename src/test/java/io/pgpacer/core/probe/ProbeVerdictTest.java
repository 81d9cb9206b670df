package io.pgpacer.core.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.probe.ProbeProgress.Outcome;
import io.pgpacer.core.probe.ProbeProgress.Result;
import io.pgpacer.core.probe.ProbeVerdict.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The write probe's verdict as the agent's loop reads it, one row per situation. */
class ProbeVerdictTest {

    private static final long PID = 4242;
    private static final long TIMEOUT = 5_000;
    private static final long STARTED = 10_000;

    /** A situation: the latest attempt, the postmaster asked about, when; the verdict and its words. */
    private record Row(String situation, ProbeProgress latest, long pid, long now, Kind kind, boolean gray,
            String reason) {
    }

    private static ProbeProgress inFlight(String stage) {
        return ProbeProgress.started(7, PID, STARTED).at(stage);
    }

    private static ProbeProgress ended(Outcome outcome, long latencyMillis, String error) {
        return inFlight("the commit has not returned").ended(new Result(outcome, latencyMillis * 1_000_000, error),
                STARTED + latencyMillis + 2);
    }

    private static final List<Row> ROWS = List.of(
            new Row("no attempt yet", null, PID, STARTED, Kind.PENDING, false,
                    "no commit probe of this postmaster yet"),
            new Row("an attempt against an earlier postmaster says nothing about this one",
                    ended(Outcome.FAILED, 0, "FATAL: the database system is shutting down"), PID + 1, STARTED + 100,
                    Kind.PENDING, false, "no commit probe of this postmaster yet"),
            new Row("in flight within the timeout", inFlight("the commit has not returned"), PID, STARTED + TIMEOUT,
                    Kind.PENDING, false, "commit probe under way: the commit has not returned"),
            new Row("a commit in flight past the timeout", inFlight("the commit has not returned"), PID,
                    STARTED + TIMEOUT + 1, Kind.TIMED_OUT, true,
                    "commit probe timed out after 5 s: the commit has not returned (5.0 s so far)"),
            new Row("a new connection unanswered past the timeout (a stopped postmaster)",
                    inFlight("no answer to a new connection"), PID, STARTED + 7_000, Kind.TIMED_OUT, true,
                    "commit probe timed out after 5 s: no answer to a new connection (7 s so far)"),
            new Row("committed quickly", ended(Outcome.COMMITTED, 3, null), PID, STARTED + 50, Kind.HEALTHY, false,
                    "committed in 3 ms"),
            new Row("committed, but only after the timeout", ended(Outcome.COMMITTED, 6_200, null), PID,
                    STARTED + 6_300, Kind.TIMED_OUT, true, "commit probe timed out after 5 s: the commit took 6.2 s"),
            new Row("the commit guard refused: the lease lapsed, fencing's business",
                    ended(Outcome.REFUSED_BY_GUARD, 0, "ERROR: pgpacer: this node's primary lease expired"), PID,
                    STARTED + 10, Kind.FENCED, false,
                    "the commit guard refused the probe's commit: ERROR: pgpacer: this node's primary lease expired"),
            new Row("PostgreSQL refused the commit (a full WAL disk)",
                    ended(Outcome.FAILED, 0, "ERROR: could not extend file: No space left on device"), PID,
                    STARTED + 10, Kind.FAILED, true,
                    "commit probe failed: ERROR: could not extend file: No space left on device"),
            new Row("the driver gave up on a new connection only after the timeout, and the loop looked late",
                    inFlight("no answer to a new connection").ended(new Result(Outcome.FAILED, 0,
                            "Connection attempt timed out."), STARTED + 6_004), PID, STARTED + 6_500,
                    Kind.TIMED_OUT, true, "commit probe timed out after 5 s: no answer to a new connection (gave up"
                            + " after 6.0 s: Connection attempt timed out.)"),
            new Row("refused within the timeout, seen late: still a refusal",
                    inFlight("no answer to a new connection").ended(new Result(Outcome.FAILED, 0,
                            "FATAL: sorry, too many clients already"), STARTED + 40), PID, STARTED + 9_000,
                    Kind.FAILED, true, "commit probe failed: FATAL: sorry, too many clients already"));

    @Test
    void everySituationHasItsVerdict() {
        for (Row row : ROWS) {
            ProbeVerdict verdict = ProbeVerdict.judge(row.latest(), row.pid(), row.now(), TIMEOUT);
            assertEquals(row.kind(), verdict.kind(), row.situation());
            assertEquals(row.gray(), verdict.grayFailure(), row.situation());
            assertEquals(row.reason(), verdict.reason(), row.situation());
        }
    }
}
