package io.pgpacer.core.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.cib.ReplicaStatus;
import io.pgpacer.core.cib.ReplicationMode;
import io.pgpacer.core.cib.SyncPolicy;
import io.pgpacer.core.cib.SyncSet;
import io.pgpacer.core.decide.SyncPlanner.Waiting;
import io.pgpacer.core.model.Lsn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The primary's sync steps, one at a time, in the order S2 demands. */
class SyncPlannerTest {

    private static final SyncPolicy SYNC = new SyncPolicy(ReplicationMode.SYNC, 0, 5_000, false);
    private static final SyncPolicy QUORUM_2 = new SyncPolicy(ReplicationMode.QUORUM, 2, 5_000, false);
    private static final long NOW = 100_000;

    private SyncPolicy policy = SYNC;
    private SyncSet recorded = SyncSet.NONE;
    private Waiting waiting = Waiting.NONE;
    private long appliedAt = 0;
    private final List<ReplicaStatus> replicas = new ArrayList<>();
    private final Map<String, Long> notStreamingSince = new HashMap<>();

    private void streams(String name, String flush) {
        replicas.add(new ReplicaStatus(name, "streaming", "async", Lsn.parse(flush), Lsn.parse(flush)));
    }

    private String next() {
        SyncPlanner.Step step = SyncPlanner.next(new SyncPlanner.Input(policy, recorded, waiting, replicas,
                notStreamingSince, List.of("n2", "n3", "n4"), NOW, appliedAt));
        if (step.record() != null) {
            recorded = new SyncSet(step.record().standbys(), step.record().minAcks(), recorded.version() + 1);
            return "record " + step.record().standbys() + " k=" + step.record().minAcks();
        }
        if (step.apply() != null) {
            waiting = step.apply();
            appliedAt = NOW;
            return "postgres ANY " + waiting.k() + " " + waiting.names();
        }
        return "none: " + step.reason();
    }

    @Test
    void aNewPrimaryWaitsForAnyOtherNodeFromItsFirstCommitRecordedFirst() {
        // the predecessor recorded this node (n1) as its sync standby
        SyncPlanner.AtPromotion first = SyncPlanner.atPromotion(SYNC, new SyncSet(List.of("n1"), 1, 7),
                List.of("n2", "n3", "n4"));
        assertEquals(new SyncSet(List.of("n2", "n3", "n4"), 1, 7), first.record(), "recorded before it waits");
        assertEquals(new Waiting(List.of("n2", "n3", "n4"), 1), first.waiting());
        assertEquals(new Waiting(List.of("n2", "n3", "n4"), 2),
                SyncPlanner.atPromotion(QUORUM_2, SyncSet.NONE, List.of("n2", "n3", "n4")).waiting());
        SyncPlanner.AtPromotion recordedAlready = SyncPlanner.atPromotion(SYNC,
                new SyncSet(List.of("n2", "n3", "n4"), 1, 8), List.of("n2", "n3", "n4"));
        assertEquals(null, recordedAlready.record());
        assertEquals(new SyncPlanner.AtPromotion(null, Waiting.NONE), SyncPlanner.atPromotion(
                new SyncPolicy(ReplicationMode.ASYNC, 0, 5_000, false), new SyncSet(List.of("n1"), 1, 7),
                List.of("n2", "n3", "n4")));
    }

    @Test
    void afterThePromotionTheWaitNarrowsToTheBestThatStreamsOrFallsBackOnlyAfterSyncTimeout() {
        recorded = new SyncSet(List.of("n2", "n3", "n4"), 1, 8);
        waiting = new Waiting(List.of("n2", "n3", "n4"), 1);
        appliedAt = NOW - 500;
        List.of("n2", "n3", "n4").forEach(n -> notStreamingSince.put(n, NOW - 500));
        assertEquals("none: sync standbys [n2, n3, n4]", next(), "nobody streams yet: commits wait for any of them");
        streams("n3", "0/600");
        assertEquals("postgres ANY 1 [n3]", next());
        assertEquals("none: sync standbys [n3]", next(), "the new setting reaches every backend first");
        appliedAt = NOW - SyncPlanner.SETTLE_MILLIS;
        assertEquals("record [n3] k=1", next(), "the others leave the record once PostgreSQL no longer waits for them");

        replicas.clear();
        recorded = new SyncSet(List.of("n2", "n3", "n4"), 1, 8);
        waiting = new Waiting(List.of("n2", "n3", "n4"), 1);
        List.of("n2", "n3", "n4").forEach(n -> notStreamingSince.put(n, NOW - 5_000));
        assertEquals("record [] k=0", next(), "none streamed for sync-timeout: asynchronous, the record cleared first");
        assertEquals("postgres ANY 0 []", next());
    }

    @Test
    void aNewSyncStandbyIsRecordedBeforePostgresWaitsForIt() {
        streams("n2", "0/500");
        streams("n3", "0/600");
        assertEquals("record [n3] k=1", next());
        assertEquals("postgres ANY 1 [n3]", next());
        assertEquals("none: sync standbys [n3]", next());
    }

    @Test
    void replacingTheSyncStandbyKeepsBothRecordedUntilPostgresStoppedWaitingForTheOld() {
        recorded = new SyncSet(List.of("n2"), 1, 4);
        waiting = new Waiting(List.of("n2"), 1);
        streams("n3", "0/600");
        notStreamingSince.put("n2", NOW - 6_000);
        assertEquals("record [n2, n3] k=1", next());
        assertEquals("postgres ANY 1 [n3]", next());
        assertEquals("none: sync standbys [n3]", next(), "the old standby stays recorded until the change settled");
        appliedAt = NOW - SyncPlanner.SETTLE_MILLIS;
        assertEquals("record [n3] k=1", next());
    }

    @Test
    void aBrieflyInterruptedSyncStandbyIsKeptWithinTheSyncTimeout() {
        recorded = new SyncSet(List.of("n2"), 1, 4);
        waiting = new Waiting(List.of("n2"), 1);
        streams("n3", "0/600");
        notStreamingSince.put("n2", NOW - 4_000);
        assertEquals("none: sync standbys [n2]", next());
    }

    @Test
    void withNoStandbyLeftTheRecordIsClearedBeforePostgresStopsWaiting() {
        recorded = new SyncSet(List.of("n2"), 1, 4);
        waiting = new Waiting(List.of("n2"), 1);
        notStreamingSince.put("n2", NOW - 6_000);
        assertEquals("record [] k=0", next());
        assertEquals("postgres ANY 0 []", next());
        assertEquals("none: fall back to asynchronous replication: 0 of 1 sync standbys available", next());
    }

    @Test
    void strictModeNeverFallsBackAndWaitsForAnyStandby() {
        policy = new SyncPolicy(ReplicationMode.SYNC, 0, 5_000, true);
        recorded = new SyncSet(List.of("n2"), 1, 4);
        waiting = new Waiting(List.of("n2"), 1);
        notStreamingSince.put("n2", NOW - 60_000);
        assertEquals("record [n2, n3, n4] k=1", next());
        assertEquals("postgres ANY 1 [n2, n3, n4]", next());
    }

    @Test
    void afterAFailoverTheNewPrimaryDropsItselfFromItsPredecessorsRecord() {
        recorded = new SyncSet(List.of("n1"), 1, 9);
        streams("n3", "0/600");
        assertEquals("record [n3] k=1", next());
    }

    @Test
    void quorumWaitsForAnyKOfAllStreamingStandbys() {
        policy = QUORUM_2;
        streams("n2", "0/500");
        streams("n3", "0/600");
        streams("n4", "0/600");
        assertEquals("record [n2, n3, n4] k=2", next());
        assertEquals("postgres ANY 2 [n2, n3, n4]", next());
        replicas.remove(0);
        notStreamingSince.put("n2", NOW - 6_000);
        assertEquals("postgres ANY 2 [n3, n4]", next(), "a lost member leaves PostgreSQL first");
        appliedAt = NOW - SyncPlanner.SETTLE_MILLIS;
        assertEquals("record [n3, n4] k=2", next());
    }

    @Test
    void asyncModeClearsAnythingLeftFromSyncMode() {
        policy = SyncPolicy.ASYNC;
        recorded = new SyncSet(List.of("n2"), 1, 4);
        waiting = new Waiting(List.of("n2"), 1);
        assertEquals("record [] k=0", next());
        assertEquals("postgres ANY 0 []", next());
    }
}
