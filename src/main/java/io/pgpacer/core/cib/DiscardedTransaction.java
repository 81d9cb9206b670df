package io.pgpacer.core.cib;

import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.probe.ProbeTable;
import java.util.List;

/**
 * One transaction of the WAL a node had past the point where the cluster's timeline forked from it: its XID, how it
 * ended in that WAL, and the rows it changed per relation (its subtransactions' rows included).
 *
 * @param endedAt the commit or abort time as PostgreSQL recorded it (ISO-8601), null when the WAL ends before it
 * @param lsn where its last record in that WAL is (the commit or abort record when there is one)
 */
public record DiscardedTransaction(long xid, Outcome outcome, String endedAt, Lsn lsn, List<RelationChange> changes) {

    /** How the transaction ended in the discarded WAL. */
    public enum Outcome {
        /** Committed on this node only: the data is lost from the cluster when the WAL is discarded. */
        COMMITTED,
        /** Rolled back: nothing of it was visible anywhere. */
        ABORTED,
        /** The WAL ends before its commit or abort (it was running when the node stopped): never committed. */
        UNFINISHED
    }

    public DiscardedTransaction {
        changes = List.copyOf(changes);
    }

    /** Rows it inserted, updated and deleted, over all relations. */
    public long rows() {
        return changes.stream().mapToLong(RelationChange::rows).sum();
    }

    /**
     * Whether it only wrote pgpacer's write-probe row ({@link ProbeTable#NAME}, as the catalog named it): no client
     * wrote it, and the probe commits one on the primary every monitor interval.
     */
    public boolean onlyWriteProbe() {
        return !changes.isEmpty() && changes.stream().allMatch(c -> ProbeTable.NAME.equals(c.relation()));
    }

    /** The same transaction with its relations named as the current primary's catalog names them. */
    public DiscardedTransaction withChanges(List<RelationChange> named) {
        return new DiscardedTransaction(xid, outcome, endedAt, lsn, named);
    }

    /**
     * The rows one transaction changed in one relation: heap tuples inserted (INSERT, MULTI_INSERT), updated (UPDATE,
     * HOT_UPDATE) and deleted.
     *
     * @param fileNode where the relation's file is, as the WAL names it: {@code tablespace/database/relfilenode}
     * @param database the database's name on the current primary, null when it has none by that OID
     * @param relation {@code schema.table} by the current primary's catalog, null when no relation there has that
     *     file (created after the fork, dropped or rewritten since)
     */
    public record RelationChange(String fileNode, String database, String relation, long inserted, long updated,
            long deleted) {

        public long rows() {
            return inserted + updated + deleted;
        }

        /** The relation as an operator reads it: {@code schema.table}, else the raw file node. */
        public String name() {
            return relation != null ? relation : fileNode;
        }

        public RelationChange named(String databaseName, String relationName) {
            return new RelationChange(fileNode, databaseName, relationName, inserted, updated, deleted);
        }
    }
}
