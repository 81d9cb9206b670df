package io.pgpacer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.config.CommitGuardMode;
import io.pgpacer.core.cib.CommitGuardReport;
import io.pgpacer.core.cib.CommitGuardReport.State;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Why a node's report says the commit guard is not used, from its mode and what is installed. */
class CommitGuardModeTest {

    private record Row(CommitGuardMode mode, boolean hasPostgres, boolean installed, Optional<State> state,
            String reason) {
    }

    @Test
    void theModeAndWhatIsInstalledDecideWhetherTheGuardIsUsed() {
        String install = "install it as root with bin/ensure-deps in the pgpacer source tree, or build it from"
                + " /usr/share/pgpacer/extension/pgpacer_guard as the README's 'Commit guard' says";
        List<Row> table = List.of(
                new Row(CommitGuardMode.AUTO, true, true, Optional.empty(), null),
                new Row(CommitGuardMode.ON, true, true, Optional.empty(), null),
                new Row(CommitGuardMode.OFF, true, true, Optional.of(State.OFF), "postgresql.commit-guard: off"),
                new Row(CommitGuardMode.OFF, true, false, Optional.of(State.OFF), "postgresql.commit-guard: off"),
                new Row(CommitGuardMode.AUTO, true, false, Optional.of(State.UNAVAILABLE), "postgresql.commit-guard:"
                        + " auto, but the pgpacer_guard extension is not installed for this PostgreSQL; " + install),
                new Row(CommitGuardMode.ON, true, false, Optional.of(State.UNAVAILABLE), "postgresql.commit-guard: on,"
                        + " but the pgpacer_guard extension is not installed for this PostgreSQL, so this node is"
                        + " never started as primary; " + install),
                new Row(CommitGuardMode.AUTO, false, false, Optional.of(State.OFF), "no PostgreSQL on a witness"),
                new Row(CommitGuardMode.OFF, false, false, Optional.of(State.OFF), "no PostgreSQL on a witness"));
        for (Row row : table) {
            Optional<CommitGuardReport> notUsed = CommitGuard.notUsed(row.mode(), row.hasPostgres(), row.installed());
            assertEquals(row.state(), notUsed.map(CommitGuardReport::state), row.toString());
            assertEquals(row.reason(), notUsed.map(CommitGuardReport::reason).orElse(null), row.toString());
        }
    }

    @Test
    void anUnusedGuardReportsWhyWithoutAskingPostgres() {
        assertEquals(CommitGuardReport.off("postgresql.commit-guard: off"), CommitGuard.NONE.report(true));
        assertEquals(CommitGuardReport.off("no PostgreSQL on a witness"), CommitGuard.of(CommitGuardMode.AUTO, null,
                () -> 0, java.time.Duration.ofSeconds(1), text -> { }).report(false));
    }
}
