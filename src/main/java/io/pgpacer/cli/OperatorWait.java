package io.pgpacer.cli;

import java.time.Duration;

/**
 * An operator's wait on the command line while the agents do the work: a deadline from {@code --timeout}, a look at
 * the cluster every poll, and Ctrl-C ends it. Why polling: the operator waits while the agents work, and the API
 * has no push to wait on.
 */
final class OperatorWait {

    private final long startedNanos = System.nanoTime();
    private final long deadlineNanos;
    private boolean looked;
    private boolean interrupted;

    private OperatorWait(Duration timeout) {
        this.deadlineNanos = startedNanos + timeout.toNanos();
    }

    /** A wait of {@code seconds}, counted from now. */
    static OperatorWait upTo(int seconds) {
        return new OperatorWait(Duration.ofSeconds(seconds));
    }

    /**
     * Whether to look (again): at once the first time, then after a pause of {@code poll}; false once the deadline
     * passed or the operator pressed Ctrl-C (see {@link #interrupted()}).
     */
    boolean lookAgain(Duration poll) {
        if (looked && !interrupted) {
            try {
                Thread.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                interrupted = true;
            }
        }
        looked = true;
        return !interrupted && System.nanoTime() < deadlineNanos;
    }

    /** Whether the wait ended because the operator pressed Ctrl-C. */
    boolean interrupted() {
        return interrupted;
    }

    /** Seconds since the wait began. */
    double elapsedSeconds() {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    /** Prints why a --timeout of {@code seconds} is refused and returns true, when it is not positive. */
    static boolean refusedTimeout(String command, int seconds) {
        if (seconds > 0) {
            return false;
        }
        System.err.println("pgpacer " + command + ": --timeout must be a positive number of seconds, got " + seconds);
        return true;
    }
}
