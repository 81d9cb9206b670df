package io.pgpacer.core.cib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.CommitGuardReport.State;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What pgpacer_guard's state reads as in a node report, and how {@code status --full} words each state. */
class CommitGuardReportTest {

    private record Held(long epoch, OptionalLong remainingMillis, State state, long remainingReported) {
    }

    @Test
    void whatTheExtensionHoldsBecomesAState() {
        List<Held> table = List.of(
                // After a start, before any grant: pgpacer.state() gives epoch 0 and no time left.
                new Held(0, OptionalLong.empty(), State.NOT_GRANTED, 0),
                new Held(7, OptionalLong.of(2_350), State.GRANTED, 2_350),
                new Held(7, OptionalLong.of(1), State.GRANTED, 1),
                // The deadline is now (revoked by fencing) or passed.
                new Held(7, OptionalLong.of(0), State.EXPIRED, 0),
                new Held(7, OptionalLong.of(-120), State.EXPIRED, -120));
        for (Held row : table) {
            CommitGuardReport report = CommitGuardReport.held(row.epoch(), row.remainingMillis(), 0, 0);
            assertEquals(row.state(), report.state(), row.toString());
            assertEquals(row.epoch(), report.epoch(), row.toString());
            assertEquals(row.remainingReported(), report.remainingMillis(), row.toString());
        }
    }

    private record Worded(CommitGuardReport report, String text) {
    }

    @Test
    void eachStateIsWordedForTheOperator() {
        List<Worded> table = List.of(
                new Worded(CommitGuardReport.UNKNOWN, "unknown (from an agent of an earlier version)"),
                new Worded(CommitGuardReport.off("postgresql.commit-guard: off"),
                        "off (postgresql.commit-guard: off)"),
                new Worded(CommitGuardReport.unavailable("postgresql.commit-guard: auto, but the pgpacer_guard"
                        + " extension is not installed"), "unavailable (postgresql.commit-guard: auto, but the"
                        + " pgpacer_guard extension is not installed)"),
                new Worded(CommitGuardReport.inactive("PostgreSQL is not running or does not answer"),
                        "inactive (PostgreSQL is not running or does not answer)"),
                new Worded(CommitGuardReport.held(0, OptionalLong.empty(), 0, 0), "not granted"),
                new Worded(CommitGuardReport.held(7, OptionalLong.of(2_350), 0, 0),
                        "granted epoch 7 (2350 ms left at report time)"),
                new Worded(CommitGuardReport.held(7, OptionalLong.of(-120), 0, 0),
                        "expired epoch 7 (commits that write refused since 120 ms before the report)"),
                new Worded(CommitGuardReport.held(7, OptionalLong.of(-120), 1, 0), "expired epoch 7 (commits that"
                        + " write refused since 120 ms before the report); since PostgreSQL started: 1 commit refused,"
                        + " 0 acknowledgements withheld"),
                new Worded(CommitGuardReport.held(8, OptionalLong.of(900), 12, 1), "granted epoch 8 (900 ms left at"
                        + " report time); since PostgreSQL started: 12 commits refused, 1 acknowledgement withheld"));
        for (Worded row : table) {
            assertEquals(row.text(), row.report().describe(), row.report().toString());
        }
        Set<State> covered = table.stream().map(row -> row.report().state())
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(State.class)));
        assertEquals(EnumSet.allOf(State.class), covered, "a state without a row here: "
                + Arrays.toString(State.values()));
    }

    @Test
    void onlyAChangeOfStateEpochOrReasonIsAChangeWorthAReport() {
        CommitGuardReport granted = CommitGuardReport.held(7, OptionalLong.of(2_350), 0, 0);
        assertTrue(granted.sameStateAs(CommitGuardReport.held(7, OptionalLong.of(900), 3, 1)),
                "the time left and the counters change with every look");
        assertFalse(granted.sameStateAs(CommitGuardReport.held(8, OptionalLong.of(2_350), 0, 0)), "a new epoch");
        assertFalse(granted.sameStateAs(CommitGuardReport.held(7, OptionalLong.of(-1), 0, 0)), "expired");
        assertFalse(CommitGuardReport.inactive("PostgreSQL is not running or does not answer").sameStateAs(
                CommitGuardReport.inactive("PostgreSQL has not loaded pgpacer_guard")), "another reason");
    }

    @Test
    void aMissingStateReadsAsUnknown() {
        assertEquals(State.UNKNOWN, new CommitGuardReport(null, 0, 0, 0, 0, null).state());
    }
}
