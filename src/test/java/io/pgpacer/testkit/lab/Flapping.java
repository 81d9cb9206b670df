package io.pgpacer.testkit.lab;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A partition that comes and goes: a background thread alternates a cut and a heal every period until {@link
 * #close()}, which stops it, heals, and reports a failure of any step. Made by {@link NetLab#flap}.
 */
public final class Flapping implements AutoCloseable {
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final ScheduledExecutorService timer;
    private final Runnable cut;
    private final Runnable heal;
    private final AtomicInteger cuts = new AtomicInteger();
    private final AtomicInteger heals = new AtomicInteger();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private boolean closed;

    Flapping(String name, Duration period, Runnable cut, Runnable heal) {
        this.cut = cut;
        this.heal = heal;
        this.timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleAtFixedRate(this::toggle, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** How many times the partition was cut so far. */
    public int cuts() {
        return cuts.get();
    }

    /** How many times it was healed so far (not counting the heal of {@link #close()}). */
    public int heals() {
        return heals.get();
    }

    /**
     * Stops flapping (waiting for a step under way), then heals. Idempotent.
     *
     * @throws IllegalStateException if a cut or heal failed on the background thread, or the final heal fails
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdown();
        try {
            if (!timer.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("a flapping step did not finish within " + STOP_TIMEOUT.toSeconds()
                        + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping a flapping partition", e);
        }
        heal.run();
        RuntimeException failed = failure.get();
        if (failed != null) {
            throw new IllegalStateException("the flapping partition failed: " + failed.getMessage(), failed);
        }
    }

    private void toggle() {
        try {
            if (cuts.get() == heals.get()) {
                cut.run();
                cuts.incrementAndGet();
            } else {
                heal.run();
                heals.incrementAndGet();
            }
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
            // Throwing cancels the schedule: a lab in an unknown state should not keep flapping.
            throw e;
        }
    }
}
