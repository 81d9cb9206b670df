package io.pgpacer.core.probe;

import io.pgpacer.core.model.Lsn;
import java.util.Optional;

/**
 * A standby's WAL receipt, followed from one look to the next: replication that hangs without breaking (a stopped
 * walreceiver or walsender still shows as streaming) shows as received WAL that stands still while the upstream's
 * position is ahead of it. The stall is timed from the moment both hold, never from the last time WAL arrived: an
 * upstream that was idle for an hour and then writes gives the standby the whole timeout to receive it.
 *
 * @param received the received position at the last look
 * @param stillSinceMillis since when {@code received} has not moved (the agent's monotonic clock)
 * @param behindSinceMillis since when the upstream has been ahead of an unmoving {@code received}; -1 when it is not
 */
public record ReceiptStall(Lsn received, long stillSinceMillis, long behindSinceMillis) {

    /** Before the first look. */
    public static ReceiptStall start(Lsn received, long nowMillis) {
        return new ReceiptStall(received, nowMillis, -1);
    }

    /** The state after a look at {@code nowMillis} that saw {@code receivedNow}, the upstream at {@code upstreamAt}. */
    public ReceiptStall next(Lsn receivedNow, Lsn upstreamAt, long nowMillis) {
        if (!receivedNow.equals(received)) {
            return new ReceiptStall(receivedNow, nowMillis, upstreamAt.isAfter(receivedNow) ? nowMillis : -1);
        }
        if (!upstreamAt.isAfter(received)) {
            return new ReceiptStall(received, stillSinceMillis, -1);
        }
        return new ReceiptStall(received, stillSinceMillis, behindSinceMillis < 0 ? nowMillis : behindSinceMillis);
    }

    /**
     * The failure's exit reason once the upstream has been ahead of a standing receipt for longer than {@code
     * timeoutMillis}; empty otherwise.
     */
    public Optional<String> failure(long nowMillis, long timeoutMillis, String upstream, Lsn upstreamAt) {
        if (behindSinceMillis < 0 || nowMillis - behindSinceMillis <= timeoutMillis) {
            return Optional.empty();
        }
        return Optional.of("replication stalled: received WAL at " + received + " for "
                + ProbeVerdict.seconds(nowMillis - stillSinceMillis) + " while " + upstream + " is at " + upstreamAt);
    }
}
