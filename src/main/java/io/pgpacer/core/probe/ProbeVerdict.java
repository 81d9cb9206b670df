package io.pgpacer.core.probe;


/**
 * What the primary's latest commit probe says, as the agent's loop reads it: the loop never waits for a probe, it
 * judges the attempt as it stands, so an attempt that has not returned after {@code write-probe-timeout} is a failure
 * by itself. {@code reason} is the failed action's exit reason for the two gray failures.
 */
public record ProbeVerdict(Kind kind, long attempt, String reason) {

    /** The kinds of verdict; only {@link #TIMED_OUT} and {@link #FAILED} are gray failures. */
    public enum Kind {
        /** No attempt against this postmaster yet, or one in flight for less than the timeout. */
        PENDING,
        /** The last attempt committed within the timeout. */
        HEALTHY,
        /** The commit guard refused the last commit: the lease lapsed, and fencing handles that. */
        FENCED,
        /** An attempt has not returned, or returned only after the timeout. */
        TIMED_OUT,
        /** PostgreSQL refused the connection or the commit. */
        FAILED;

        /** The metric label: {@code timed_out}, {@code failed}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Whether this verdict is a gray failure the agent counts: PostgreSQL answers, but cannot make a write durable. */
    public boolean grayFailure() {
        return kind == Kind.TIMED_OUT || kind == Kind.FAILED;
    }

    /**
     * Judges {@code latest} (null before the first attempt) for the postmaster {@code postmasterPid} at {@code
     * nowMillis}.
     */
    public static ProbeVerdict judge(ProbeProgress latest, long postmasterPid, long nowMillis, long timeoutMillis) {
        if (latest == null || latest.postmasterPid() != postmasterPid) {
            return new ProbeVerdict(Kind.PENDING, 0, "no commit probe of this postmaster yet");
        }
        String timedOut = "commit probe timed out after " + ProbeVerdict.seconds(timeoutMillis) + ": ";
        ProbeProgress.Result result = latest.result();
        long running = latest.runningMillis(nowMillis);
        if (result == null) {
            return running > timeoutMillis
                    ? new ProbeVerdict(Kind.TIMED_OUT, latest.attempt(), timedOut + latest.stage() + " ("
                            + ProbeVerdict.seconds(running) + " so far)")
                    : new ProbeVerdict(Kind.PENDING, latest.attempt(), "commit probe under way: " + latest.stage());
        }
        if (result.outcome() == ProbeProgress.Outcome.FAILED && running > timeoutMillis) {
            // why a timeout and not a failure: the driver's own limits lie a little beyond the timeout, so an attempt
            // that hung (a stopped postmaster) ends in the driver's error when the loop looks a moment late; what
            // went wrong is still that the stage did not answer in time.
            return new ProbeVerdict(Kind.TIMED_OUT, latest.attempt(), timedOut + latest.stage() + " (gave up after "
                    + ProbeVerdict.seconds(running) + ": " + result.error() + ")");
        }
        return switch (result.outcome()) {
            case COMMITTED -> result.latencyNanos() / 1_000_000 > timeoutMillis
                    ? new ProbeVerdict(Kind.TIMED_OUT, latest.attempt(), timedOut + "the commit took "
                            + ProbeVerdict.seconds(result.latencyNanos() / 1_000_000))
                    : new ProbeVerdict(Kind.HEALTHY, latest.attempt(), "committed in "
                            + result.latencyNanos() / 1_000_000 + " ms");
            case REFUSED_BY_GUARD -> new ProbeVerdict(Kind.FENCED, latest.attempt(),
                    "the commit guard refused the probe's commit: " + result.error());
            case FAILED -> new ProbeVerdict(Kind.FAILED, latest.attempt(), "commit probe failed: " + result.error());
        };
    }

    /** {@code 5 s}, {@code 5.3 s}: the reference's way of writing a timeout in an exit reason. */
    static String seconds(long millis) {
        return millis % 1_000 == 0 ? millis / 1_000 + " s"
                : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1_000.0);
    }
}
