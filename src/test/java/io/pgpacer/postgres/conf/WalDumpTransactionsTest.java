package io.pgpacer.postgres.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.cib.DiscardedTransaction;
import io.pgpacer.core.cib.DiscardedTransaction.Outcome;
import io.pgpacer.core.cib.DiscardedTransaction.RelationChange;
import io.pgpacer.core.model.Lsn;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * pg_waldump's record lines and the transactions they show past a fork point. {@code pg15-after-fork.txt} is the
 * verbatim output of PostgreSQL 15.18's pg_waldump ({@code TZ=UTC}) over: a committed two-row insert into
 * {@code lost} (xid 752, before the fork at 0/19AB750), then a transaction with a released and a rolled-back
 * savepoint (753, 754, 755), a COPY of three rows (756), an UPDATE of a key (757), a HOT update (758), a DELETE
 * (759), a rolled-back insert (760) and a two-row insert in another database (761).
 */
class WalDumpTransactionsTest {

    private static final String FORK = "0/19AB750";

    @Test
    void readsEveryTransactionPastTheForkFromRealOutput() throws IOException {
        List<DiscardedTransaction> past = WalDumpTransactions.after(resource("/waldump/pg15-after-fork.txt"),
                Lsn.parse(FORK));

        assertEquals("""
                753 COMMITTED 2026-12-07T08:43:52.027094Z 0/19AB870 1663/5/16399 +2 ~0 -0
                755 ABORTED 2026-12-07T08:43:52.027089Z 0/19AB848 1663/5/16399 +1 ~0 -0
                756 COMMITTED 2026-12-07T08:43:52.042702Z 0/19AB900 1663/5/16399 +3 ~0 -0
                757 COMMITTED 2026-12-07T08:43:52.057347Z 0/19AB9B0 1663/5/16384 +0 ~1 -0
                758 COMMITTED 2026-12-07T08:43:52.071935Z 0/19ABA20 1663/5/16384 +0 ~1 -0
                759 COMMITTED 2026-12-07T08:43:52.086500Z 0/19ABA80 1663/5/16384 +0 ~0 -1
                760 ABORTED 2026-12-07T08:43:52.100608Z 0/19ABAE8 1663/5/16399 +1 ~0 -0
                761 COMMITTED 2026-12-07T08:43:52.114452Z 0/19ABBE8 1663/16394/16396 +2 ~0 -0
                """, render(past));
    }

    @Test
    void aTransactionThatCommittedBeforeTheForkIsNotDiscarded() throws IOException {
        String output = resource("/waldump/pg15-after-fork.txt");
        List<Long> fromItsFirstRecord = WalDumpTransactions.after(output, Lsn.parse("0/19AB190")).stream()
                .map(DiscardedTransaction::xid).toList();
        List<Long> fromItsCommit = WalDumpTransactions.after(output, Lsn.parse("0/19AB728")).stream()
                .map(DiscardedTransaction::xid).toList();
        List<Long> justAfterItsCommit = WalDumpTransactions.after(output, Lsn.parse(FORK)).stream()
                .map(DiscardedTransaction::xid).toList();

        assertEquals(752L, fromItsFirstRecord.get(0));
        assertEquals(752L, fromItsCommit.get(0), "its commit record is at the fork: the commit is discarded");
        assertEquals(753L, justAfterItsCommit.get(0));
    }

    @Test
    void aTransactionWhoseCommitTheWalNeverGotIsUnfinished() throws IOException {
        String cut = resource("/waldump/pg15-after-fork.txt").lines()
                .filter(line -> !line.contains("lsn: 0/019ABBE8")).collect(Collectors.joining("\n"));

        DiscardedTransaction last = WalDumpTransactions.after(cut, Lsn.parse(FORK)).get(7);

        assertEquals(new DiscardedTransaction(761, Outcome.UNFINISHED, null, Lsn.parse("0/19ABBA8"),
                List.of(new RelationChange("1663/16394/16396", null, null, 2, 0, 0))), last);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // PostgreSQL 15.18, captured
        "insert              | desc: INSERT off 2 flags 0x00, blkref #0: rel 1663/5/16384 blk 0 | 1663/5/16384 +1 ~0 -0",
        "first on a page     | desc: INSERT+INIT off 1 flags 0x00, blkref #0: rel 1663/5/16384 blk 0 | 1663/5/16384 +1 ~0 -0",
        "full-page image     | desc: INSERT off 19 flags 0x00, blkref #0: rel 1663/5/16384 blk 0 FPW | 1663/5/16384 +1 ~0 -0",
        "update              | desc: UPDATE off 3 xmax 736 flags 0x40 KEYS_UPDATED ; new off 12 xmax 0, blkref #0: rel 1663/5/16384 blk 0 FPW | 1663/5/16384 +0 ~1 -0",
        "a row lock only     | desc: LOCK off 11: xid 737: flags 0x00 LOCK_ONLY EXCL_LOCK , blkref #0: rel 1663/5/16384 blk 0 | ''",
        // PostgreSQL 16 and later print key: value pairs (heapdesc.c); not captured here, PostgreSQL 15 is installed
        "16: multi insert    | desc: MULTI_INSERT+INIT ntuples: 7, flags: 0x02, blkref #0: rel 1663/5/16399, blk 0 | 1663/5/16399 +7 ~0 -0",
        "16: delete          | desc: DELETE xmax: 759, off: 22, infobits: [KEYS_UPDATED], flags: 0x00, blkref #0: rel 1663/5/16384, blk 0 | 1663/5/16384 +0 ~0 -1",
    })
    void countsTheTuplesOfEachHeapRecord(String situation, String desc, String expected) {
        String rmgr = desc.contains("MULTI_INSERT") ? "Heap2      " : "Heap       ";
        String output = "rmgr: " + rmgr + " len (rec/tot):     61/    61, tx:        800, lsn: 0/019B0000, prev"
                + " 0/019AFF00, " + desc;

        List<DiscardedTransaction> past = WalDumpTransactions.after(output, Lsn.parse("0/19B0000"));

        assertEquals(expected, past.isEmpty() ? "" : past.get(0).changes().stream().map(WalDumpTransactionsTest::render)
                .collect(Collectors.joining(" ")), situation);
    }

    @Test
    void aReaderForgetsEveryTransactionThatEndedBeforeThePointAsItReads() {
        // Given pg_waldump's lines from a segment's start: 100,000 transactions that committed before the fork, one
        // that began before it and committed after it, and one after it that never finished
        WalDumpTransactions.Reader reader = new WalDumpTransactions.Reader(new Lsn(0x1_000_000L));
        long lsn = 0x100;
        for (long xid = 1000; xid < 101_000; xid++) {
            reader.accept(heapInsert(xid, lsn += 0x40));
            reader.accept(commit(xid, lsn += 0x40));
        }
        reader.accept(heapInsert(200_000, lsn + 0x40));
        reader.accept(commit(200_000, 0x1_000_100L));
        reader.accept(heapInsert(200_001, 0x1_000_200L));

        // Then it keeps only the two that reach past the fork, and reports them
        assertEquals(2, reader.kept());
        assertEquals(200_003, reader.records());
        List<DiscardedTransaction> past = reader.transactions();
        assertEquals(List.of(200_000L, 200_001L), past.stream().map(DiscardedTransaction::xid).toList());
        assertEquals(List.of(Outcome.COMMITTED, Outcome.UNFINISHED),
                past.stream().map(DiscardedTransaction::outcome).toList());
    }

    private static String heapInsert(long xid, long lsn) {
        return String.format("rmgr: Heap        len (rec/tot):     61/    61, tx: %10d, lsn: %s, prev 0/00000100, desc:"
                + " INSERT off 2 flags 0x00, blkref #0: rel 1663/5/16384 blk 0", xid, new Lsn(lsn));
    }

    private static String commit(long xid, long lsn) {
        return String.format("rmgr: Transaction len (rec/tot):     34/    34, tx: %10d, lsn: %s, prev 0/00000100, desc:"
                + " COMMIT 2026-12-07 10:00:00.000000 UTC", xid, new Lsn(lsn));
    }

    private static String render(List<DiscardedTransaction> transactions) {
        return transactions.stream().map(t -> t.xid() + " " + t.outcome() + " " + t.endedAt() + " " + t.lsn() + " "
                + t.changes().stream().map(WalDumpTransactionsTest::render).collect(Collectors.joining(" ")) + "\n")
                .collect(Collectors.joining());
    }

    private static String render(RelationChange c) {
        return c.fileNode() + " +" + c.inserted() + " ~" + c.updated() + " -" + c.deleted();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Objects.requireNonNull(WalDumpTransactionsTest.class.getResourceAsStream(name), name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
