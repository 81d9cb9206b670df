package io.pgpacer.core.node;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.timeline.TimelineCheck;

/**
 * Everything the node state machine decides on, as data: the CIB and this node's goal in it, what the agent observed
 * of PostgreSQL and its data directory, the lease it holds, its memory of earlier passes, what it looked up during
 * this pass, and the time. Built by the agent for each decision; {@link NodeMachine#next} reads nothing else.
 *
 * @param self this node's name
 * @param goal this node's goal, or null before the controller gave one
 * @param leaseGeneration the generation of the primary lease this node holds, or 0 when it holds none
 * @param commitGuardRefusal why this node may not run as primary (the commit guard is required but unusable), or null
 * @param writerVipMayBeHere false once the writer VIP is known to be absent from this host
 * @param longStep the clone or rewind under way, or null
 * @param nowMillis this host's monotonic clock
 */
public record NodeView(String self, Cib cib, NodeGoal goal, Postgres postgres, DataDirectory data,
        long leaseGeneration, String commitGuardRefusal, boolean writerVipMayBeHere, LongStepKind longStep,
        NodeMemory memory, Looked looked, long nowMillis) {

    /**
     * The postmaster as observed this pass.
     *
     * @param error why PostgreSQL does not answer, when it runs but does not
     */
    public record Postgres(boolean running, boolean reachable, boolean inRecovery, boolean streaming, String error) {

        public static final Postgres NOT_RUNNING = new Postgres(false, false, false, false, null);
    }

    /**
     * The data directory as last inspected.
     *
     * @param problem why it cannot be used, or null
     * @param standbySignal whether PostgreSQL would start from it in recovery
     * @param timeline the timeline of its last checkpoint
     */
    public record DataDirectory(boolean initialized, String problem, boolean standbySignal, long timeline) {

        public static final DataDirectory EMPTY = new DataDirectory(false, null, false, 0);
    }

    /** The long steps that run off the loop. */
    public enum LongStepKind {
        CLONE, REWIND
    }

    /**
     * What the agent looked up during this pass at the state machine's asking ({@link NodeStep.Look}); null where
     * nothing was looked up yet. Every pass starts with nothing looked up.
     *
     * @param timeline the start-time check of the stopped data directory against the history
     * @param runningTimeline the check of a running standby's replayed WAL against the history
     * @param source the primary to copy from or rewind onto, read through the store's majority
     */
    public record Looked(Lookup<TimelineCheck.Verdict> timeline, Lookup<TimelineCheck.Verdict> runningTimeline,
            Lookup<String> source) {

        public static final Looked NOTHING = new Looked(null, null, null);

        public Looked withTimeline(Lookup<TimelineCheck.Verdict> verdict) {
            return new Looked(verdict, runningTimeline, source);
        }

        public Looked withRunningTimeline(Lookup<TimelineCheck.Verdict> verdict) {
            return new Looked(timeline, verdict, source);
        }

        public Looked withSource(Lookup<String> primary) {
            return new Looked(timeline, runningTimeline, primary);
        }
    }

    /**
     * A looked-up value, or why there is none now ({@code missing}): the store's majority cannot be read, no primary
     * serves, the WAL could not be read.
     */
    public record Lookup<T>(T value, String missing) {

        public static <T> Lookup<T> found(T value) {
            return new Lookup<>(value, null);
        }

        public static <T> Lookup<T> none(String missing) {
            return new Lookup<>(null, missing);
        }

        public boolean found() {
            return missing == null;
        }
    }

    public boolean holdsLease() {
        return leaseGeneration > 0;
    }

    public NodeView withLooked(Looked now) {
        return new NodeView(self, cib, goal, postgres, data, leaseGeneration, commitGuardRefusal, writerVipMayBeHere,
                longStep, memory, now, nowMillis);
    }

    public NodeView withMemory(NodeMemory now) {
        return new NodeView(self, cib, goal, postgres, data, leaseGeneration, commitGuardRefusal, writerVipMayBeHere,
                longStep, now, looked, nowMillis);
    }

    public NodeView withWriterVipGone() {
        return new NodeView(self, cib, goal, postgres, data, leaseGeneration, commitGuardRefusal, false, longStep,
                memory, looked, nowMillis);
    }
}
