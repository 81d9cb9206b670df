package io.pgpacer.agent;

import io.pgpacer.core.probe.ProbeProgress;
import io.pgpacer.core.probe.ProbeVerdict;
import io.pgpacer.postgres.PostgresInstance;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The primary's durable write probe, on a thread of its own: every monitor interval, while the loop says this node's
 * PostgreSQL runs as primary, it commits one row ({@link PostgresInstance#commitProbe}). The loop only reads the
 * latest attempt ({@link #verdict}); it never waits for one, so a commit that hangs for hours costs the loop nothing
 * and shows as an attempt that has not returned.
 */
final class WriteProbe implements AutoCloseable {

    /** How often the thread checks whether a probe is due; a fraction of the shortest monitor interval. */
    private static final long TICK_MILLIS = 100;

    private final String node;
    private final PostgresInstance pg;
    private final LongSupplier millis;
    private final ScheduledExecutorService thread;
    private volatile LongConsumer latencyNanos = nanos -> { };
    private volatile long primaryPid;
    private volatile long intervalMillis = 1_000;
    private volatile long timeoutMillis = 5_000;
    private volatile ProbeProgress latest;
    /** The probe's ticks while a primary is watched; touched by the loop's thread only. */
    private ScheduledFuture<?> ticking;
    private long attempts;
    private long lastStartedAt = Long.MIN_VALUE / 2;

    WriteProbe(String node, PostgresInstance pg, LongSupplier monotonicMillis) {
        this.node = node;
        this.pg = pg;
        this.millis = monotonicMillis;
        this.thread = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, "pgpacer-write-probe");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * What the loop saw this pass: the pid of a postmaster that answers as primary (0: none, and no probe is made),
     * the monitor interval and the timeout.
     */
    void watch(long primaryPostmasterPid, long monitorIntervalMillis, long probeTimeoutMillis) {
        intervalMillis = monitorIntervalMillis;
        timeoutMillis = probeTimeoutMillis;
        primaryPid = primaryPostmasterPid;
        // why only while there is a primary to probe: a standby's agent would otherwise wake ten times a second
        if (primaryPostmasterPid != 0 && ticking == null) {
            ticking = thread.scheduleWithFixedDelay(this::probeIfDue, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        } else if (primaryPostmasterPid == 0 && ticking != null) {
            ticking.cancel(false);
            ticking = null;
        }
    }

    /** Calls {@code listener} with each committed probe's latency, on the probe's thread. */
    void onCommitted(LongConsumer listener) {
        latencyNanos = listener;
    }

    /** The latest attempt against {@code postmasterPid}, judged now; never waits. */
    ProbeVerdict verdict(long postmasterPid) {
        return ProbeVerdict.judge(latest, postmasterPid, millis.getAsLong(), timeoutMillis);
    }

    private void probeIfDue() {
        long pid = primaryPid;
        long now = millis.getAsLong();
        if (pid == 0 || now - lastStartedAt < intervalMillis) {
            return;
        }
        lastStartedAt = now;
        latest = ProbeProgress.started(++attempts, pid, now);
        ProbeProgress.Result result;
        try {
            result = pg.commitProbe(node, timeoutMillis, stage -> latest = latest.at(stage));
        } catch (RuntimeException e) {
            // why: an exception would end the scheduled task for good, and the probe would fall silent.
            result = new ProbeProgress.Result(ProbeProgress.Outcome.FAILED, 0, String.valueOf(e));
        }
        latest = latest.ended(result, millis.getAsLong());
        if (result.outcome() == ProbeProgress.Outcome.COMMITTED) {
            latencyNanos.accept(result.latencyNanos());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
