package io.pgpacer.core.node;

import io.pgpacer.core.cib.PromotionCause;
import io.pgpacer.core.timeline.TimelineCheck;

/**
 * What the node state machine tells the agent to do next. The agent's step runner carries each out against
 * PostgreSQL, the writer VIP and the store; a {@link Look}, a {@link ReleaseWriterVip} that found nothing to remove and
 * a {@link Stop} with {@code lookAgain} continue the same pass with what they found, every other step ends it.
 */
public sealed interface NodeStep {

    /** Nothing to do now; {@code why} says what the node waits for, or that it is where its goal wants it. */
    record Wait(String why) implements NodeStep {
    }

    /** A refusal counted against the node as a failed {@code operation} (exit code {@code rc}) for the fail-count. */
    record Refuse(String why, String operation, int rc) implements NodeStep {
    }

    /** Something to find out before deciding; the pass continues with it in {@link NodeView#looked()}. */
    record Look(What what) implements NodeStep {

        public enum What {
            /** The start-time check of the stopped data directory's WAL; a failure to read the WAL is the step's. */
            TIMELINE,
            /** The same check where a failure to read the WAL is only reported (before a repair or a recheck). */
            TIMELINE_TOLERANT,
            /** The check of a running standby's replayed WAL against the history, before it follows a new upstream. */
            RUNNING_TIMELINE,
            /** The current primary, read through the store's majority: the source of a copy or a rewind. */
            SOURCE
        }
    }

    /** The clone or rewind under way goes on, is cancelled, or is followed up once it ended. */
    record CarryOn() implements NodeStep {
    }

    /**
     * Stops PostgreSQL; {@code lookAgain}: the pass goes on with a fresh look at PostgreSQL and its data directory.
     *
     * @param did the sentence for the outcome when the pass ends here
     */
    record Stop(StopKind kind, String did, boolean lookAgain) implements NodeStep {
    }

    /** How PostgreSQL is stopped: {@code fast} (a checkpoint, clients disconnected) or {@code immediate} (fencing). */
    enum StopKind {
        FAST, IMMEDIATE
    }

    /** Removes the writer VIP from this host if it is there; the pass goes on when it was not. */
    record ReleaseWriterVip(String because) implements NodeStep {
    }

    /** Gives the primary role up: the writer VIP, PostgreSQL (fast) and the lease, in that order. */
    record StepDown(String did) implements NodeStep {
    }

    /** The switchover's hand-over: stops PostgreSQL cleanly under the lease, then gives the lease to {@code to}. */
    record HandOver(String to) implements NodeStep {
    }

    /**
     * Takes the primary lease.
     *
     * @param resumingOwnTimeline the node is the recorded primary resuming its own timeline: on the history by
     *     definition, so no timeline check ran and an earlier DIVERGED record of it is withdrawn
     */
    record AcquireLease(boolean resumingOwnTimeline) implements NodeStep {
    }

    /** initdb, start as primary, and the cluster's first entry in the timeline history. */
    record InitCluster() implements NodeStep {
    }

    /** Starts the recorded primary on its own timeline. */
    record StartPrimary(long timeline) implements NodeStep {
    }

    /** Starts PostgreSQL as a standby (of the last primary) in order to promote it on a new timeline. */
    record StartToPromote() implements NodeStep {
    }

    /** Records the promotion in the timeline history, then promotes. */
    record Promote(PromotionCause cause) implements NodeStep {
    }

    /** Records this already writable node as the cluster's initial primary (existing data, empty history). */
    record RecordInitialPrimary() implements NodeStep {
    }

    /**
     * The primary as its goal wants it: the writer VIP, the sync standbys, the promotion's last phase.
     *
     * @param ensureRoles the superuser's and replication role's existence is not made sure of yet by this agent
     */
    record ServePrimary(boolean ensureRoles) implements NodeStep {
    }

    /**
     * Records (once) and reports that the data diverged, with the fix.
     *
     * @param upstream the standby's upstream, or null when the node was to be promoted
     */
    record ReportDiverged(String upstream, boolean upstreamServes) implements NodeStep {
    }

    /** Copies {@code source} with pg_basebackup (off the loop), then starts as its standby. */
    record Clone(String source) implements NodeStep {
    }

    /** Rewinds onto {@code source} with pg_rewind (off the loop) after the start-time check's verdict, then starts. */
    record Rewind(String source, TimelineCheck.Verdict verdict) implements NodeStep {
    }

    /**
     * pg_rewind failed on this diverged node after its source answered: a new copy of {@code source} with pg_basebackup
     * (off the loop) replaces the data directory, which is kept aside under a new name (S5), then it starts as a
     * standby.
     */
    record RebuildAfterFailedRewind(String source, TimelineCheck.Verdict verdict) implements NodeStep {
    }

    /** Starts as a standby of {@code upstream}; the verdict of the start-time check said it may. */
    record StartStandby(String upstream, boolean formerPrimary, String reason) implements NodeStep {
    }

    /** The running standby follows its new upstream (configured, reloaded). */
    record Follow(String upstream) implements NodeStep {
    }

    /** Stops a running standby whose WAL went past its new upstream's fork: the start-time check takes it next. */
    record StopDiverged(String upstream, String reason) implements NodeStep {
    }

    /**
     * A standby that has not streamed from its serving upstream for long is stopped to check its WAL ({@code attempt}:
     * "n1 on timeline 3", tried once); with auto-rewind the pass goes on to the check.
     */
    record StopStuck(String attempt, boolean autoRewind) implements NodeStep {
    }

    /** A stuck standby found on the history restarts as a standby of {@code source} without a rewind. */
    record RestartUnstuck(String source, String attempt, String reason) implements NodeStep {
    }

    /** A stuck standby that went past its upstream's fork (or could not be checked) is rewound onto {@code source}. */
    record RewindUnstuck(String source, String attempt, TimelineCheck.Verdict verdict, String why) implements NodeStep {
    }

    /** The operator's repair or rebuild was carried out already; the store is told again. */
    record RepairAlreadyDone() implements NodeStep {
    }

    /**
     * The operator's repair or rebuild of the stopped standby, from {@code source}.
     *
     * @param verdict the timeline check of the data as it is (null when it failed: {@code why} says why, or when the
     *     directory holds no cluster)
     */
    record Repair(String source, TimelineCheck.Verdict verdict, String why, RepairWay way) implements NodeStep {
    }

    /** How a repair is carried out. */
    enum RepairWay {
        /** pg_rewind was asked for, but the WAL is on the history: the node restarts as a standby. */
        NOTHING_TO_REWIND,
        REWIND,
        REBUILD
    }
}
