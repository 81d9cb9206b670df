package io.pgpacer.sim;

import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.timeline.LocalWal;
import io.pgpacer.core.timeline.TimelineFork;
import java.util.ArrayList;
import java.util.List;

/**
 * A simulated PostgreSQL: running or not, in recovery or not, its WAL as a list of segments (one per timeline it went
 * through), the upstream it streams from, what its commits wait for, and the commit guard's grant. The WAL's content
 * is named by a branch: each initdb and each promotion starts a branch of its own, so that two nodes that reached the
 * same timeline number on different histories are told apart, as PostgreSQL's own check (system id, history files)
 * tells them apart when they stream.
 */
final class SimPostgres {

    /** One timeline's part of a node's WAL: {@code branch} names its content, from {@code start} to {@code end}. */
    record Segment(int branch, long timeline, long start, long end) {

        Segment extendedTo(long newEnd) {
            return new Segment(branch, timeline, start, newEnd);
        }
    }

    /** A commit: where its record ends, on which branch. */
    record Commit(int branch, long lsn, long ackedAt, String on) {
    }

    boolean initialized;
    boolean running;
    boolean inRecovery;
    boolean standbySignal;
    /** The node this standby streams from (primary_conninfo), or null. */
    String upstream;
    boolean streaming;
    List<Segment> wal = List.of();
    long pid;
    /** Where the last checkpoint record starts (pg_controldata's "Latest checkpoint location"). */
    long checkpointLsn;
    /** ANY k (names), as synchronous_standby_names says. */
    List<String> waitingFor = List.of();
    int waitingK;
    /** The commit guard's grant: generation and deadline on the host's clock; 0 while none since the start. */
    long grantGeneration;
    long grantDeadline;
    /** Commits written but waiting for their sync standbys' acknowledgement. */
    final List<Commit> pending = new ArrayList<>();

    long end() {
        return wal.isEmpty() ? 0 : wal.get(wal.size() - 1).end();
    }

    long timeline() {
        return wal.isEmpty() ? 0 : wal.get(wal.size() - 1).timeline();
    }

    Segment last() {
        return wal.get(wal.size() - 1);
    }

    /** The WAL as the start-time check reads it from the data directory. */
    LocalWal localWal() {
        List<TimelineFork> forks = new ArrayList<>();
        for (int i = 0; i + 1 < wal.size(); i++) {
            forks.add(new TimelineFork(wal.get(i).timeline(), new Lsn(wal.get(i + 1).start())));
        }
        return new LocalWal(timeline(), new Lsn(end()), forks);
    }

    /** Whether this WAL holds the commit: its branch was passed through up to at least the commit's position. */
    boolean holds(Commit commit) {
        for (Segment s : wal) {
            if (s.branch() == commit.branch() && s.start() < commit.lsn() && commit.lsn() <= s.end()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code standby}'s WAL is a prefix of {@code upstream}'s: the only case in which PostgreSQL streams the
     * rest (else: "requested timeline is not a child of this server's history", "forked off before current recovery
     * point").
     */
    static boolean prefixOf(List<Segment> standby, List<Segment> upstream) {
        if (standby.size() > upstream.size() || standby.isEmpty()) {
            return false;
        }
        for (int i = 0; i < standby.size(); i++) {
            Segment mine = standby.get(i);
            Segment theirs = upstream.get(i);
            boolean lastOfMine = i == standby.size() - 1;
            if (mine.branch() != theirs.branch() || mine.start() != theirs.start()) {
                return false;
            }
            if (lastOfMine ? mine.end() > theirs.end() : mine.end() != theirs.end()) {
                return false;
            }
        }
        return true;
    }

    void stop() {
        running = false;
        streaming = false;
        inRecovery = false;
        grantGeneration = 0;
        grantDeadline = 0;
        waitingFor = List.of();
        waitingK = 0;
        pending.clear();
    }

    void start(long newPid) {
        running = true;
        inRecovery = standbySignal;
        streaming = false;
        pid = newPid;
        grantGeneration = 0;
        grantDeadline = 0;
        waitingFor = List.of();
        waitingK = 0;
    }

    /** A write of one record: the new end of the WAL. */
    long write(long bytes) {
        List<Segment> next = new ArrayList<>(wal);
        next.set(next.size() - 1, last().extendedTo(end() + bytes));
        wal = List.copyOf(next);
        return end();
    }
}
