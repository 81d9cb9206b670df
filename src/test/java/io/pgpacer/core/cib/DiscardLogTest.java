package io.pgpacer.core.cib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.DiscardedTransaction.Outcome;
import io.pgpacer.core.cib.DiscardedTransaction.RelationChange;
import io.pgpacer.core.command.CibReducer;
import io.pgpacer.core.command.StoreCommand.InitializeCluster;
import io.pgpacer.core.command.StoreCommand.RecordDiscardReport;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.probe.ProbeTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The lost-transaction report: its one-line summary, its bounds in the CIB, and the totals that never shrink. */
class DiscardLogTest {

    private static final String VERDICT = "diverged from timeline 1 at 0/3031CF8: its WAL ends at 0/3031EC0 on"
            + " timeline 1, past the point where timeline 2 forked from it";

    private static DiscardedTransaction committed(long xid, RelationChange... changes) {
        return new DiscardedTransaction(xid, Outcome.COMMITTED, "2026-12-07T09:01:39Z", Lsn.parse("0/3031D78"),
                List.of(changes));
    }

    private static RelationChange lost(long inserted) {
        return new RelationChange("1663/5/16384", "postgres", "public.lost", inserted, 0, 0);
    }

    private static DiscardReport report(String node, List<DiscardedTransaction> transactions) {
        return DiscardReport.read(node, "2026-12-07T09:01:40Z", "pg_rewind", 2, VERDICT, 1, Lsn.parse("0/3031CF8"),
                Lsn.parse("0/3031EC0"), transactions);
    }

    @Test
    void theSummaryIsOneLineWithTheTotalsUnderTheAlertPrefix() {
        DiscardReport report = report("node1", List.of(committed(730, lost(2)), committed(731, lost(2)),
                committed(732, new RelationChange("1663/5/16390", "postgres", "public.kept", 0, 1, 0)),
                new DiscardedTransaction(733, Outcome.ABORTED, "2026-12-07T09:01:39Z", Lsn.parse("0/3031EA0"),
                        List.of(lost(1))),
                new DiscardedTransaction(734, Outcome.UNFINISHED, null, Lsn.parse("0/3031EB0"),
                        List.of(new RelationChange("1663/5/16999", null, null, 1, 0, 0)))));

        assertEquals("discarded-transactions: node1 (pg_rewind) discards 3 committed transactions (5 rows:"
                + " public.lost 4, public.kept 1) written past 0/3031CF8 on timeline 1 (to 0/3031EC0); 2 more aborted"
                + " or unfinished", report.summary());
        assertFalse(report.empty());
        assertEquals(Map.of("public.lost", 4L, "public.kept", 1L), report.committedRowsByRelation());
    }

    @Test
    void aNodeWhoseWalEndsAtTheForkDiscardsNothingAndSaysSo() {
        DiscardReport report = DiscardReport.nothingPastFork("node1", "2026-12-07T09:01:40Z", "repair", 2,
                "its WAL ends at 0/3015EC0 on timeline 2, the cluster's current timeline");

        assertTrue(report.empty());
        assertEquals("nothing discarded: node1 (repair): its WAL ends at 0/3015EC0 on timeline 2, the cluster's"
                + " current timeline", report.summary());
        assertEquals("nothing discarded: node1 (pg_rewind): no committed transaction past 0/3031CF8 on timeline 1"
                + " (to 0/3031EC0); 1 aborted or unfinished, never visible", report("node1", List.of(
                        new DiscardedTransaction(733, Outcome.ABORTED, null, Lsn.parse("0/3031EA0"), List.of())))
                .summary());
    }

    @Test
    void theWriteProbesOwnHeartbeatsAreLeftOutOfTheListAndTheTotalsAndCounted() {
        RelationChange heartbeat = new RelationChange("1663/5/16500", "postgres", ProbeTable.NAME, 0, 1, 0);
        DiscardReport onlyHeartbeats = report("node1", List.of(committed(740, heartbeat), committed(741, heartbeat)));
        assertTrue(onlyHeartbeats.empty(), onlyHeartbeats.summary());
        assertEquals("nothing discarded: node1 (pg_rewind): no committed transaction past 0/3031CF8 on timeline 1"
                + " (to 0/3031EC0); 2 write-probe heartbeats of pgpacer's own left out", onlyHeartbeats.summary());

        DiscardReport mixed = report("node1", List.of(committed(740, heartbeat), committed(741, lost(1), heartbeat)));
        assertEquals(1, mixed.committed(), "a client's transaction that also wrote the probe's row is the client's");
        assertEquals(List.of(741L), mixed.transactions().stream().map(DiscardedTransaction::xid).toList());
        assertEquals(1, mixed.probeHeartbeats());
        assertTrue(mixed.summary().endsWith("; 1 write-probe heartbeat of pgpacer's own left out"), mixed.summary());
    }

    @Test
    void aWalThatCannotBeReadIsReportedUnderTheAlertPrefix() {
        DiscardReport report = DiscardReport.unreadable("node1", "t", "rebuild", 2, VERDICT,
                "pg_wal has no segment file from 000000010000000000000003 on");

        assertFalse(report.empty(), "an unknown loss is not an empty report");
        assertTrue(report.summary().startsWith("discarded-transactions: unknown for node1 (rebuild): the WAL past"
                + " the fork could not be read (pg_wal has no segment file"), report.summary());
    }

    @Test
    void theCibKeepsTheLatestReportsWithTheirFirstTransactionsAndTotalsThatNeverShrink() {
        List<DiscardedTransaction> many = new ArrayList<>();
        IntStream.range(0, 30).forEach(i -> many.add(committed(1000 + i, lost(1))));
        DiscardLog log = DiscardLog.EMPTY;
        for (int i = 0; i < DiscardLog.REPORTS_KEPT + 5; i++) {
            log = log.with(report(i % 2 == 0 ? "node1" : "node2", many));
        }

        assertEquals(DiscardLog.REPORTS_KEPT, log.reports().size());
        DiscardReport kept = log.reports().get(0);
        assertEquals(DiscardReport.TRANSACTIONS_KEPT, kept.transactions().size());
        assertEquals(10, kept.omitted());
        assertEquals(30, kept.committed(), "the totals are those of all transactions");
        assertEquals(new DiscardLog.Totals(13, 13, 390), log.totals().get("node1"));
        assertEquals(new DiscardLog.Totals(12, 12, 360), log.totals().get("node2"));
    }

    @Test
    void theStoreRecordsAReportOfADataNodeOnly() {
        Cib cib = CibReducer.apply(Cib.EMPTY, new InitializeCluster("pgc", List.of(
                new NodeSpec("node1", "10.0.0.1", 8008, 7400, 5432, false),
                new NodeSpec("arbiter", "10.0.0.9", 8008, 7400, 5432, true)), ClusterSettings.DEFAULTS)).cib();

        io.pgpacer.core.command.Outcome recorded = CibReducer.apply(cib, new RecordDiscardReport(report("node1", List.of())));
        io.pgpacer.core.command.Outcome witness = CibReducer.apply(cib, new RecordDiscardReport(report("arbiter", List.of())));
        io.pgpacer.core.command.Outcome unknown = CibReducer.apply(cib, new RecordDiscardReport(report("node7", List.of())));

        assertTrue(recorded.result().applied());
        assertEquals(1, recorded.cib().discards().reports().size());
        assertFalse(witness.result().applied());
        assertEquals("unknown data node 'node7' in a lost-transaction report", unknown.result().message());
        assertEquals(cib.discards(), unknown.cib().discards());
    }
}
