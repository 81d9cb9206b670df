package io.pgpacer.postgres.conf;

import io.pgpacer.core.cib.DiscardedTransaction;
import io.pgpacer.core.cib.DiscardedTransaction.Outcome;
import io.pgpacer.core.cib.DiscardedTransaction.RelationChange;
import io.pgpacer.core.model.Lsn;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The transactions in {@code pg_waldump}'s text output whose WAL reaches past a point (the fork point of a diverged
 * node): per top-level XID, how it ended and the heap tuples it inserted, updated and deleted per relation file.
 * Reads the record lines of PostgreSQL 12 to 17 ({@code rmgr: Heap len (rec/tot): 61/61, tx: 725, lsn: 0/015396B8,
 * prev 0/01539678, desc: INSERT off 2 flags 0x00, blkref #0: rel 1663/5/16384 blk 0}); other lines are ignored.
 */
public final class WalDumpTransactions {

    private static final Pattern RECORD = Pattern.compile("^rmgr: (\\w+)\\s+len \\(rec/tot\\):\\s*\\d+/\\s*\\d+,"
            + " tx:\\s*(\\d+), lsn: ([0-9A-Fa-f]+/[0-9A-Fa-f]+), prev [0-9A-Fa-f]+/[0-9A-Fa-f]+, desc: (.*)$");
    private static final Pattern BLOCK_REF = Pattern.compile("blkref #0: rel (\\d+/\\d+/\\d+)");
    // PostgreSQL 12-15: "MULTI_INSERT 3 tuples flags 0x02"; 16 on: "MULTI_INSERT ntuples: 3, flags: 0x02"
    private static final Pattern TUPLES = Pattern.compile("(?:(\\d+) tuples|ntuples: (\\d+))");
    private static final Pattern END_TIME = Pattern.compile("^\\S+ (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?)"
            + " ([A-Za-z][\\w/+-]*)");
    private static final Pattern SUBXACTS = Pattern.compile("subxacts: ([\\d ]+)");
    private static final Pattern ASSIGNED_TOP = Pattern.compile("^ASSIGNMENT xtop (\\d+)");
    private static final DateTimeFormatter WAL_DUMP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSS]");

    private WalDumpTransactions() {
    }

    /**
     * The transactions with a record at or after {@code from}, in the order of their first record; those that
     * committed or aborted before it are complete and left out, as are those that only wrote before it and never
     * finished. A transaction's rows include those of the subtransactions its commit record lists.
     *
     * @param output pg_waldump's output from a point before {@code from}, so that a transaction that began before
     *     the fork and committed after it has its rows counted (those before the start of the output are not)
     */
    public static List<DiscardedTransaction> after(String output, Lsn from) {
        Reader reader = new Reader(from);
        output.lines().forEach(reader);
        return reader.transactions();
    }

    /**
     * {@link #after} a line at a time, as pg_waldump prints them: its output from a segment's start runs to tens of
     * megabytes, more than an agent's heap. A transaction that ended before {@code from} is forgotten at its end.
     */
    public static final class Reader implements Consumer<String> {
        private final Lsn from;
        private final Map<Long, Accumulated> byXid = new LinkedHashMap<>();
        private final Map<Long, Long> topOf = new HashMap<>();
        private long records;

        public Reader(Lsn from) {
            this.from = from;
        }

        @Override
        public void accept(String line) {
            Matcher record = RECORD.matcher(line);
            if (!record.find()) {
                return;
            }
            records++;
            long xid = Long.parseLong(record.group(2));
            if (xid == 0) {
                return;
            }
            String rmgr = record.group(1);
            Lsn lsn = Lsn.parse(record.group(3));
            String desc = record.group(4);
            String type = desc.split("[ ,;:]", 2)[0];
            Accumulated tx = byXid.computeIfAbsent(xid, Accumulated::new);
            tx.last = lsn;
            if (rmgr.equals("Transaction")) {
                readTransactionRecord(tx, type, desc, topOf);
                if (tx.outcome != Outcome.UNFINISHED && from.isAfter(lsn)) {
                    forget(tx.xid, desc);
                }
            } else if (rmgr.equals("Heap") || rmgr.equals("Heap2")) {
                readHeapRecord(tx, type.replace("+INIT", ""), desc);
            }
        }

        // Ended before the fork: neither it nor the subtransactions its end record lists can have a record past it.
        private void forget(long xid, String desc) {
            byXid.remove(xid);
            Matcher subxacts = SUBXACTS.matcher(desc);
            if (subxacts.find()) {
                for (String sub : subxacts.group(1).trim().split(" +")) {
                    byXid.remove(Long.parseLong(sub));
                    topOf.remove(Long.parseLong(sub));
                }
            }
        }

        /** How many transactions it keeps now: those that did not end before the point. */
        int kept() {
            return byXid.size();
        }

        /** How many record lines were read. */
        public long records() {
            return records;
        }

        /** The transactions with a record at or after the point, as {@link #after} gives them. */
        public List<DiscardedTransaction> transactions() {
            Map<Long, Accumulated> folded = new LinkedHashMap<>(byXid);
            // Fold subtransactions into the transaction that committed them.
            for (Map.Entry<Long, Long> sub : topOf.entrySet()) {
                Accumulated child = folded.remove(sub.getKey());
                Accumulated top = folded.get(sub.getValue());
                if (child != null && top != null) {
                    top.absorb(child);
                } else if (child != null) {
                    folded.put(sub.getKey(), child);
                }
            }
            List<DiscardedTransaction> past = new ArrayList<>();
            for (Accumulated tx : folded.values()) {
                // why the last record: a transaction with any record at or after the fork did not end before it
                if (!from.isAfter(tx.last)) {
                    past.add(tx.toTransaction());
                }
            }
            return past;
        }
    }

    private static void readTransactionRecord(Accumulated tx, String type, String desc, Map<Long, Long> topOf) {
        Matcher assigned = ASSIGNED_TOP.matcher(desc);
        if (assigned.find()) {
            subtransactionsOf(Long.parseLong(assigned.group(1)), desc, topOf);
            return;
        }
        boolean commit = type.equals("COMMIT") || type.equals("COMMIT_PREPARED");
        boolean abort = type.equals("ABORT") || type.equals("ABORT_PREPARED");
        if (!commit && !abort) {
            return;
        }
        tx.outcome = commit ? Outcome.COMMITTED : Outcome.ABORTED;
        tx.endLsn = tx.last;
        Matcher time = END_TIME.matcher(desc);
        tx.endedAt = time.find() ? isoTime(time.group(1), time.group(2)) : null;
        if (commit) {
            subtransactionsOf(tx.xid, desc, topOf);
        }
    }

    private static void subtransactionsOf(long top, String desc, Map<Long, Long> topOf) {
        Matcher subxacts = SUBXACTS.matcher(desc);
        if (subxacts.find()) {
            for (String sub : subxacts.group(1).trim().split(" +")) {
                topOf.put(Long.parseLong(sub), top);
            }
        }
    }

    private static void readHeapRecord(Accumulated tx, String type, String desc) {
        int inserted = 0;
        int updated = 0;
        int deleted = 0;
        switch (type) {
            case "INSERT" -> inserted = 1;
            case "MULTI_INSERT" -> {
                Matcher tuples = TUPLES.matcher(desc);
                inserted = tuples.find() ? Integer.parseInt(tuples.group(1) != null ? tuples.group(1)
                        : tuples.group(2)) : 1;
            }
            case "UPDATE", "HOT_UPDATE" -> updated = 1;
            case "DELETE" -> deleted = 1;
            default -> {
                return;
            }
        }
        Matcher block = BLOCK_REF.matcher(desc);
        String fileNode = block.find() ? block.group(1) : "unknown";
        tx.count(fileNode, inserted, updated, deleted);
    }

    // pg_waldump prints times in its own time zone (the agent runs it with TZ=UTC); anything else is kept as printed.
    private static String isoTime(String local, String zone) {
        try {
            return LocalDateTime.parse(local, WAL_DUMP_TIME).atZone(ZoneId.of(zone)).toInstant().toString();
        } catch (java.time.DateTimeException e) {
            return local + " " + zone;
        }
    }

    /** One transaction as the lines so far describe it. */
    private static final class Accumulated {
        final long xid;
        final Map<String, long[]> rows = new LinkedHashMap<>();
        Lsn last;
        Lsn endLsn;
        String endedAt;
        Outcome outcome = Outcome.UNFINISHED;

        Accumulated(long xid) {
            this.xid = xid;
        }

        void count(String fileNode, long inserted, long updated, long deleted) {
            long[] counts = rows.computeIfAbsent(fileNode, f -> new long[3]);
            counts[0] += inserted;
            counts[1] += updated;
            counts[2] += deleted;
        }

        void absorb(Accumulated child) {
            child.rows.forEach((fileNode, counts) -> count(fileNode, counts[0], counts[1], counts[2]));
            if (child.last.isAfter(last)) {
                last = child.last;
            }
        }

        DiscardedTransaction toTransaction() {
            List<RelationChange> changes = new ArrayList<>();
            rows.forEach((fileNode, counts) -> changes.add(new RelationChange(fileNode, null, null, counts[0],
                    counts[1], counts[2])));
            return new DiscardedTransaction(xid, outcome, endedAt, endLsn != null ? endLsn : last, changes);
        }
    }
}
