package io.pgpacer.agent;

import io.pgpacer.agent.Executor.StepOutcome;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.node.LongStepPurpose;
import io.pgpacer.core.node.NodeView;
import io.pgpacer.postgres.Upstream;
import java.util.function.Supplier;

/**
 * The clone or rewind under way on this node, on a thread of its own so that the node keeps reporting while it copies:
 * started by the step runner, carried on, cancelled or followed up by the loop's later passes, and cancelled by the
 * agent's stop from another thread.
 */
final class LongSteps {

    /** A long step under way, the goal it serves, and what follows it on the loop once it succeeded. */
    private record Underway(LongStep step, LongStepPurpose purpose, Supplier<StepOutcome> then) {
    }

    /** The long step under way, until the loop took its end; volatile for the agent's stop. */
    private volatile Underway underway;
    /** Guards {@link #stopping} against a step that starts on the loop while the agent stops on another thread. */
    private final Object startLock = new Object();
    /** Set once the agent stops: no long step starts after that. */
    private boolean stopping;

    // Off the loop, so that the node keeps reporting while it copies; the first pass says what started.
    StepOutcome start(LongStep.Kind kind, Upstream source, NodeGoal goal, LongStep.Work work,
            Supplier<StepOutcome> then) {
        synchronized (startLock) {
            if (stopping) {
                return StepOutcome.did("not starting " + kind.program() + ": the agent is stopping");
            }
            LongStep step = LongStep.start(kind, source.nodeName(), work);
            underway = new Underway(step, LongStepPurpose.of(goal), then);
            return StepOutcome.did(step.summary());
        }
    }

    /** The kind of the long step under way for the node state machine's view, or null. */
    NodeView.LongStepKind kind() {
        Underway current = underway;
        return current == null ? null : current.step().kind() == LongStep.Kind.CLONE ? NodeView.LongStepKind.CLONE
                : NodeView.LongStepKind.REWIND;
    }

    /** Whether a rewind runs, or ended and the loop has not taken its end yet: the data directory is its own then. */
    boolean rewindUnderway() {
        return kind() == NodeView.LongStepKind.REWIND;
    }

    /**
     * A long step under way: its progress while the goal still wants it, its cancellation once the goal changed, and
     * once it ended, what follows it on the loop (exactly as when it ran there) or its failure, thrown as it was. A
     * rewind is never cancelled for a goal (a killed pg_rewind leaves the data directory to be rewound again or
     * rebuilt), only by the agent's stop. Every end takes one pass: the next one looks at the data directory afresh.
     *
     * @param dataReplaced told when a step ended whose follow-up is dropped: the data directory changed all the same
     */
    StepOutcome carryOn(NodeGoal goal, Runnable dataReplaced) {
        Underway current = underway;
        LongStep step = current.step();
        String unwanted = current.purpose().unwantedBecause(goal);
        LongStep.State state = step.state();
        if (state instanceof LongStep.Running) {
            if (unwanted == null || step.kind() == LongStep.Kind.REWIND) {
                return StepOutcome.underway(step);
            }
            state = step.cancel(unwanted);
            if (state instanceof LongStep.Running) {
                return new StepOutcome(step.cancelled(unwanted) + "; " + step.program() + " has not ended after "
                        + LongStep.CANCEL_WAIT.toMinutes() + " min", null, 0, step.activity());
            }
        }
        underway = null;
        if (state instanceof LongStep.Failed failed) {
            throw failed.error();
        }
        if (state instanceof LongStep.Cancelled cancelled) {
            return StepOutcome.did(step.cancelled(cancelled.why()));
        }
        if (unwanted != null) {
            // why not go on: what follows the step was for the old goal; the next pass acts on the new one.
            dataReplaced.run();
            return StepOutcome.did(step.notFollowedUp(unwanted));
        }
        return current.then().get();
    }

    /**
     * Cancels the clone under way (never a rewind, see {@link #carryOn}), waiting until its program is gone; returns
     * the sentence for the event feed, or null when none was cancelled. On the loop's thread.
     */
    String cancelClone(String why) {
        Underway current = underway;
        return current == null || current.step().kind() != LongStep.Kind.CLONE ? null : cancel(current, why);
    }

    /**
     * The agent stops: cancels the clone or rewind under way, waiting until its program is gone, and starts none after
     * this; returns the sentence for the event feed, or null when none was cancelled. On the thread that stops the
     * agent, while the loop may still finish its pass.
     */
    String stopAll(String why) {
        Underway current;
        synchronized (startLock) {
            stopping = true;
            current = underway;
        }
        return current == null ? null : cancel(current, why);
    }

    private String cancel(Underway current, String why) {
        if (!(current.step().state() instanceof LongStep.Running)) {
            return null;
        }
        LongStep.State state = current.step().cancel(why);
        if (!(state instanceof LongStep.Cancelled)) {
            return null;
        }
        underway = null;
        return current.step().cancelled(why);
    }

    /** What the long step under way does now, or null when none runs. */
    String activity() {
        Underway current = underway;
        return current == null ? null : current.step().activity();
    }
}
