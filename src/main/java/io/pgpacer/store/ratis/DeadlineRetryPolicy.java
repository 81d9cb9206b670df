package io.pgpacer.store.ratis;

import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.retry.ClientRetryEvent;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

/**
 * Retries a store request (leader changes, members restarting) until the deadline its caller gave, and
 * not after: a request whose caller gave up must not keep retrying in the background, or a burst of
 * timed-out lease renewals would pile up and land long after the lease keeper fenced itself.
 */
final class DeadlineRetryPolicy implements RetryPolicy {

    /** A request payload that carries its caller's deadline ({@link System#nanoTime()} based). */
    static final class DeadlineMessage implements Message {
        private final ByteString content;
        private final long deadlineNanos;

        DeadlineMessage(ByteString content, long deadlineNanos) {
            this.content = content;
            this.deadlineNanos = deadlineNanos;
        }

        @Override
        public ByteString getContent() {
            return content;
        }

        long remainingNanos() {
            return deadlineNanos - System.nanoTime();
        }

        @Override
        public String toString() {
            return "store request (" + content.size() + " bytes)";
        }
    }

    private final TimeDuration sleep;
    // why: requests Ratis makes on its own (no caller deadline) still give up after a few attempts.
    private final RetryPolicy withoutDeadline;

    DeadlineRetryPolicy(TimeDuration sleep) {
        this.sleep = sleep;
        this.withoutDeadline = RetryPolicies.retryUpToMaximumCountWithFixedSleep(5, sleep);
    }

    @Override
    public Action handleAttemptFailure(Event event) {
        if (event instanceof ClientRetryEvent retry
                && retry.getRequest().getMessage() instanceof DeadlineMessage message) {
            long remaining = message.remainingNanos();
            if (remaining <= 0) {
                return NO_RETRY_ACTION;
            }
            TimeDuration pause = TimeDuration.valueOf(Math.min(remaining, sleep.toLong(TimeUnit.NANOSECONDS)),
                    TimeUnit.NANOSECONDS);
            return () -> pause;
        }
        return withoutDeadline.handleAttemptFailure(event);
    }

    @Override
    public String toString() {
        return "DeadlineRetryPolicy(sleep " + sleep + ")";
    }
}
