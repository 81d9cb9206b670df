package io.pgpacer.core.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.command.StoreCommand.InitializeCluster;
import io.pgpacer.core.command.StoreCommand.RecordFailedAction;
import io.pgpacer.core.command.StoreCommand.ReportFailure;
import io.pgpacer.core.command.StoreCommand.WithdrawFailedAction;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An agent takes back exactly the failed action it recorded in error; real failures and fail-counts stay. */
class WithdrawFailedActionTest {

    private static final List<NodeSpec> NODES = List.of(
            new NodeSpec("n1", "127.0.0.1", 8001, 9001, 5401, false),
            new NodeSpec("n2", "127.0.0.1", 8002, 9002, 5402, false));
    private static final FailedAction DIVERGED = new FailedAction("n2", "start", 1,
            "DIVERGED: its WAL ends at 0/5000148 on timeline 5, a timeline the history does not know", "t2");

    private Cib cib = CibReducer.apply(Cib.EMPTY,
            new InitializeCluster("pgc", NODES, new ClusterSettings(2, 3000, 3000, 1000))).cib();

    private CommandResult run(StoreCommand command) {
        Outcome outcome = CibReducer.apply(cib, command);
        if (!outcome.result().applied()) {
            assertSame(cib, outcome.cib(), "a refused command must leave the CIB unchanged");
        }
        cib = outcome.cib();
        return outcome.result();
    }

    @Test
    void removesThatOneActionAndKeepsRealFailures() {
        run(new ReportFailure("n2", "monitor", 7, "not running", "t1"));
        run(new RecordFailedAction(DIVERGED));
        FailedAction other = new FailedAction("n1", "start", 1, DIVERGED.exitReason(), "t2");
        run(new RecordFailedAction(other));

        assertTrue(run(new WithdrawFailedAction(DIVERGED)).applied());

        assertEquals(List.of(new FailedAction("n2", "monitor", 7, "not running", "t1"), other), cib.failedActions());
        assertEquals(1, cib.failCount("n2").count(), "the real failure still counts");
        CommandResult again = run(new WithdrawFailedAction(DIVERGED));
        assertFalse(again.applied());
        assertEquals("no such failed action of n2 is recorded", again.message());
    }
}
