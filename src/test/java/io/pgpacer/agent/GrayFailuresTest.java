package io.pgpacer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.command.CibReducer;
import io.pgpacer.core.command.StoreCommand.InitializeCluster;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.probe.ProbeVerdict;
import io.pgpacer.postgres.PgObservation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The agent's bookkeeping of gray failures: each found once, counted by kind, current until the node runs healthy. */
class GrayFailuresTest {

    private static final List<NodeSpec> NODES = List.of(new NodeSpec("n1", "127.0.0.1", 8001, 9001, 5401, false),
            new NodeSpec("n2", "127.0.0.1", 8002, 9002, 5402, false));
    private static final String TIMED_OUT = "commit probe timed out after 5 s: the commit has not returned (5.1 s so far)";

    private final GrayFailures gray = new GrayFailures();
    private Cib cib = CibReducer.apply(Cib.EMPTY, new InitializeCluster("pgc", NODES,
            new ClusterSettings(1, 3000, 3000, 1000))).cib();

    private static final PgObservation PRIMARY = new PgObservation(true, 11, true, false, 1, Lsn.parse("0/3000000"),
            Lsn.ZERO, Lsn.ZERO, false, null, 0, List.of(), null);

    private static PgObservation standby(String received, boolean streaming) {
        return new PgObservation(true, 22, true, true, 1, Lsn.ZERO, Lsn.parse(received), Lsn.parse(received),
                streaming, "127.0.0.1", 5401, List.of(), null);
    }

    private void primaryAt(String lsn) {
        cib = cib.withReport(new NodeReport("n1", 1, PgState.PRIMARY, 11, 1, Lsn.parse(lsn), Lsn.ZERO, null, false,
                List.of(), null, null, null));
    }

    @Test
    void aPrimaryAttemptThatTimedOutIsFoundOnceAndStandsUntilAProbeCommits() {
        ProbeVerdict timedOut = new ProbeVerdict(ProbeVerdict.Kind.TIMED_OUT, 7, TIMED_OUT);
        assertEquals(new GrayFailures.Found("commit_timed_out", TIMED_OUT, true), gray.judge(cib, PRIMARY, timedOut, 0));
        assertNull(gray.judge(cib, PRIMARY, timedOut, 1_000), "the same attempt is one failure");
        assertEquals(TIMED_OUT, gray.current());
        assertNull(gray.judge(cib, PRIMARY, new ProbeVerdict(ProbeVerdict.Kind.PENDING, 8, "under way"), 2_000));
        assertEquals(TIMED_OUT, gray.current(), "a probe under way does not clear it");
        assertNull(gray.judge(cib, PRIMARY, new ProbeVerdict(ProbeVerdict.Kind.HEALTHY, 9, "committed in 2 ms"), 3_000));
        assertNull(gray.current());
        assertEquals(Map.of("commit_timed_out", 1L, "commit_failed", 0L, "replication_stalled", 0L), gray.counts());
    }

    @Test
    void aCommitTheGuardRefusedIsFencingAndNeverCounted() {
        assertNull(gray.judge(cib, PRIMARY, new ProbeVerdict(ProbeVerdict.Kind.FENCED, 3, "the commit guard refused"),
                0));
        assertEquals(0L, gray.counts().values().stream().mapToLong(Long::longValue).sum());
        assertNull(gray.current());
    }

    @Test
    void aStreamingStandbyWhoseReceiptStandsWhileItsUpstreamAdvancesFailsAfterTheTimeout() {
        primaryAt("0/3000000");
        assertNull(gray.judge(cib, standby("0/3000000", true), null, 0));
        primaryAt("0/3000400");
        assertNull(gray.judge(cib, standby("0/3000000", true), null, 1_000));
        assertNull(gray.judge(cib, standby("0/3000000", true), null, 6_000), "5 s behind is not yet more than 5 s");
        GrayFailures.Found found = gray.judge(cib, standby("0/3000000", true), null, 6_001);
        assertEquals(new GrayFailures.Found("replication_stalled", "replication stalled: received WAL at 0/3000000"
                + " for 6.0 s while n1 is at 0/3000400", false), found);
        assertEquals(1L, gray.counts().get("replication_stalled"));
        assertNull(gray.judge(cib, standby("0/3000400", true), null, 7_000), "caught up");
        assertNull(gray.current());
    }

    @Test
    void aStandbyThatDoesNotStreamIsNotAGrayFailure() {
        primaryAt("0/3000400");
        assertNull(gray.judge(cib, standby("0/3000000", false), null, 0));
        assertNull(gray.judge(cib, standby("0/3000000", false), null, 60_000));
        assertNull(gray.current());
    }
}
