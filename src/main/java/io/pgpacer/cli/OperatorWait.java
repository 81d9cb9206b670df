package io.pgpacer.cli;

import java.time.Duration;

/** The pause between two looks while a command waits on the command line for the cluster to finish its work. */
final class OperatorWait {

    private OperatorWait() {
    }

    /**
     * Sleeps for {@code poll}; returns false when the thread was interrupted (the operator pressed Ctrl-C).
     * Why a sleep: the operator waits while the agents work, and the API has no push to wait on.
     */
    static boolean pause(Duration poll) {
        try {
            Thread.sleep(poll.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
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
