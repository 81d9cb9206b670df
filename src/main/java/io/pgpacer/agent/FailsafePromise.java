package io.pgpacer.agent;

import java.util.function.LongSupplier;

/**
 * A member's promise, made when it confirms a failsafe ping: for the lease time after it answered, by its own
 * monotonic clock, it will not acquire the primary lease.
 *
 * <p>Why this keeps one writable primary: the asking primary extends its fencing deadline to {@code
 * pingSentAt + leaseTime - margin}, counted from when it <em>sent</em> the ping; the promise runs from when
 * the member <em>answered</em>, which is later. So the primary has fenced before any promise it relied on
 * runs out. A member that reaches the store again answers "not cut off", the primary gets no further
 * extension and fences within lease-time minus margin of its last confirmed ping, before that member's last
 * promise expires.
 *
 * <p>An acquisition already on its way to the store when a ping arrives could still land after the answer;
 * so a member refuses to confirm while it is acquiring ({@link #tryBeginAcquire}), and does not start to
 * acquire while a promise runs.
 */
final class FailsafePromise {

    private final LongSupplier millis;
    /** When the promise runs out; meaningful only once {@code primary} is set. */
    private long until;
    /** Whom this member promised; null before its first confirmation. */
    private String primary;
    private boolean acquiring;

    FailsafePromise(LongSupplier monotonicMillis) {
        this.millis = monotonicMillis;
    }

    /**
     * Gives {@code answer} to {@code asker}: when it confirms, and no acquisition is under way, this member
     * promises not to acquire the lease for {@code leaseMillis} from now (the answer is sent after this call).
     */
    synchronized FailsafeCheck.Answer promise(FailsafeCheck.Answer answer, String asker, long leaseMillis) {
        if (!answer.confirmed()) {
            return answer;
        }
        if (acquiring) {
            return FailsafeCheck.Answer.refuse("this member is acquiring the primary lease now");
        }
        long end = millis.getAsLong() + leaseMillis;
        if (primary == null || end - until > 0) {
            until = end;
            primary = asker;
        }
        return answer;
    }

    /**
     * Marks the start of a lease acquisition and returns null; while a promise runs, marks nothing and returns
     * why this member does not acquire the lease now. Every null must be followed by {@link #endAcquire()}.
     */
    synchronized String tryBeginAcquire() {
        long left = until - millis.getAsLong();
        if (primary != null && left > 0) {
            return "not acquiring the primary lease: promised " + primary + " during failsafe (the store was"
                    + " unreachable) to leave it the lease for another " + left + " ms";
        }
        acquiring = true;
        return null;
    }

    synchronized void endAcquire() {
        acquiring = false;
    }
}
