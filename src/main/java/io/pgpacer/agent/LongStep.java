package io.pgpacer.agent;

import io.pgpacer.postgres.CopyProgress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One step that may take hours (a clone with pg_basebackup, a pg_rewind), run on a daemon thread of its own so that the
 * agent's loop keeps observing and reporting while it runs: the loop starts it, reads its {@link State} on every pass,
 * and cancels it when the node's goal no longer wants it. Cancelling interrupts the step's thread, which kills the
 * program by its process id (with its descendants) and cleans up as on any failure of it, and waits for all of that.
 */
final class LongStep {

    /** What a long step does, in the words of its events and activity. */
    enum Kind {
        CLONE("clone from", "cloning from", "pg_basebackup"),
        REWIND("rewind onto", "rewinding onto", "pg_rewind");

        private final String noun;
        private final String doing;
        private final String program;

        Kind(String noun, String doing, String program) {
            this.noun = noun;
            this.doing = doing;
            this.program = program;
        }

        String program() {
            return program;
        }
    }

    /** Where a long step stands. */
    sealed interface State permits Running, Succeeded, Failed, Cancelled {
    }

    /** Under way; {@code progress} is null until the program first reported how far it got. */
    record Running(CopyProgress progress) implements State {
    }

    /** Ended, and did what it was for. */
    record Succeeded() implements State {
    }

    /** Ended with {@code error}, which the loop reports as the step's failure, as if it had run there. */
    record Failed(RuntimeException error) implements State {
    }

    /** Ended because the loop cancelled it, {@code why}; its program is gone and its partial result removed. */
    record Cancelled(String why) implements State {
    }

    /** The work itself, on the step's thread: returns when done, throws on failure, ends early when interrupted. */
    interface Work {
        void run(Consumer<CopyProgress> progress);
    }

    /** How long a cancel waits for the step's program to be killed and its partial copy deleted. */
    static final Duration CANCEL_WAIT = Duration.ofMinutes(5);

    private final Kind kind;
    private final String source;
    private final AtomicReference<State> state = new AtomicReference<>(new Running(null));
    private volatile String cancelledBecause;
    private final Thread thread;

    private LongStep(Kind kind, String source, Work work) {
        this.kind = kind;
        this.source = source;
        this.thread = new Thread(() -> run(work),
                "pgpacer-" + kind.name().toLowerCase(java.util.Locale.ROOT) + "-" + source);
        thread.setDaemon(true);
    }

    /** Starts {@code work} on a thread of its own and returns at once. */
    static LongStep start(Kind kind, String source, Work work) {
        LongStep step = new LongStep(kind, source, work);
        step.thread.start();
        return step;
    }

    private void run(Work work) {
        State end;
        try {
            work.run(progress -> state.updateAndGet(now -> now instanceof Running ? new Running(progress) : now));
            end = new Succeeded();
        } catch (RuntimeException e) {
            String why = cancelledBecause;
            end = why != null ? new Cancelled(why) : new Failed(e);
        } catch (Error e) {
            // why: a step left Running for ever would hold the loop's executor until the agent restarts.
            state.set(new Failed(new IllegalStateException(kind.program + " step ended with " + e, e)));
            throw e;
        }
        state.set(end);
    }

    Kind kind() {
        return kind;
    }

    /** The program that does the step's work. */
    String program() {
        return kind.program;
    }

    /** The node the step copies from. */
    String source() {
        return source;
    }

    State state() {
        return state.get();
    }

    /** What the step does, in words that stay the same while it runs: {@code cloning from node1 with pg_basebackup}. */
    String summary() {
        return kind.doing + " " + source + " with " + kind.program;
    }

    /** What ends the event of a cancelled step: {@code clone from node1 cancelled: WHY}. */
    String cancelled(String why) {
        return kind.noun + " " + source + " cancelled: " + why;
    }

    /** The event of a step that ended once its goal had changed: {@code clone from node1 ended, but ...}. */
    String notFollowedUp(String why) {
        return kind.noun + " " + source + " ended, but is not followed up: " + why;
    }

    /** What the node does while the step runs, for its report: {@code cloning from node1: 1.2 GB of 3.4 GB (35 %)}. */
    String activity() {
        String doing = kind.doing + " " + source;
        return state.get() instanceof Running running
                ? doing + (running.progress() == null ? " with " + kind.program + ": starting"
                        : ": " + running.progress().describe())
                : doing + ": ended";
    }

    /**
     * Cancels the step if it still runs, and waits until it ended (at most {@link #CANCEL_WAIT}). A step that ended
     * meanwhile keeps its own end.
     *
     * @return where the step stands now: {@link Cancelled}, another end it reached first, or still {@link Running}
     *         when its program could not be ended within the wait
     */
    State cancel(String why) {
        if (!(state.get() instanceof Running)) {
            return state.get();
        }
        cancelledBecause = why;
        thread.interrupt();
        boolean interrupted = false;
        long deadline = System.nanoTime() + CANCEL_WAIT.toNanos();
        while (thread.isAlive() && System.nanoTime() < deadline) {
            try {
                thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                // why go on waiting: the caller (the agent stopping) must not leave a half-cancelled copy behind.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return state.get();
    }
}
