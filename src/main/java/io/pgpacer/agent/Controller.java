package io.pgpacer.agent;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ControllerActivity;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand.RecordFailedAction;
import io.pgpacer.core.command.StoreCommand.SetControllerActivity;
import io.pgpacer.core.decide.ClusterSnapshot;
import io.pgpacer.core.decide.Observations;
import io.pgpacer.core.decide.Plan;
import io.pgpacer.core.decide.PlanInvariants;
import io.pgpacer.core.decide.Scheduler;
import io.pgpacer.replay.DecisionRecorder;
import io.pgpacer.store.ClusterStore;
import io.pgpacer.store.StoreUnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The designated controller: while this member is the Raft leader, it runs the scheduler on the CIB and
 * what this member observed, and submits the plan. Every plan it acts on, and every note that changes, is
 * logged with its reasons and kept in the event feed. The snapshot behind each new plan with steps is recorded
 * ({@link DecisionRecorder}) for {@code pgpacer simulate} to replay.
 */
final class Controller implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);
    private static final long TICK_MILLIS = 100;

    private final ClusterStore store;
    private final Observations observations;
    private final EventFeed events;
    private final Thread thread;
    private volatile boolean running = true;
    private final DecisionRecorder recorder;
    private volatile long leaderSince = -1;
    private String lastRendered = "";
    private String lastRecordedRefusal;
    private String lastRecordingProblem;

    /** @param recorder where the decisions go; null records none */
    Controller(ClusterStore store, Observations observations, EventFeed events, DecisionRecorder recorder) {
        this.store = store;
        this.observations = observations;
        this.events = events;
        this.recorder = recorder;
        this.thread = new Thread(this::run, "pgpacer-controller");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Wakes the controller now (a CIB change may call for a decision). */
    synchronized void wake() {
        notifyAll();
    }

    private void run() {
        while (running) {
            try {
                runOnce();
            } catch (StoreUnavailableException e) {
                LOG.debug("controller: store unavailable: " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("controller pass failed: " + e);
            }
            synchronized (this) {
                try {
                    wait(TICK_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void runOnce() {
        if (!store.isLeader()) {
            if (leaderSince >= 0) {
                events.add("controller", "this node is no longer the controller");
            }
            leaderSince = -1;
            return;
        }
        if (leaderSince < 0) {
            leaderSince = observations.now();
            events.add("controller", "this node became the controller");
        }
        Cib cib = store.localCopy();
        ClusterSnapshot snapshot = observations.snapshot(cib, leaderSince);
        Plan plan = Scheduler.decide(snapshot);
        String rendered = plan.render();
        boolean changed = !rendered.equals(lastRendered);
        if (changed) {
            lastRendered = rendered;
            if (!rendered.isEmpty()) {
                LOG.info("controller: " + rendered.replace("\n", "; "));
                events.add("controller", rendered);
            }
        }
        try {
            for (Plan.Step step : plan.steps()) {
                CommandResult result = store.submit(step.command(), Duration.ofSeconds(2));
                if (!result.applied()) {
                    LOG.info("controller: not applied (" + result.message() + "): " + step.reason());
                    return;
                }
            }
        } finally {
            // why after the steps: a recording is for later, and a file write must not delay a promotion
            if (changed && !plan.isEmpty()) {
                record(snapshot, plan);
                // why only logged: the rules are checked on every golden scenario; a plan that breaks one here is a
                // scheduler bug to report with its recording, and acting on it was the scheduler's decision
                PlanInvariants.check(snapshot, plan).forEach(v -> LOG.error("controller: the plan breaks a safety"
                        + " rule, a bug in pgpacer (report it with the recorded decision): " + v));
            }
        }
        // why after the steps: a promotion decided in this pass is not delayed by a write that only informs; the
        // failed action last, so that a status showing the refusal also shows the banner with its fix
        publishActivity(cib, plan.activity());
        recordRefusedPromotion(cib, plan.activity());
    }

    /** When this member became the controller, by the observations' clock; empty while it is not the controller. */
    OptionalLong since() {
        long since = leaderSince;
        return since < 0 ? OptionalLong.empty() : OptionalLong.of(since);
    }

    // A full disk or a read-only state directory must not stop the controller: the problem is logged once.
    private void record(ClusterSnapshot snapshot, Plan plan) {
        if (recorder == null) {
            return;
        }
        try {
            recorder.record(snapshot, plan, Instant.now());
            lastRecordingProblem = null;
        } catch (IOException | RuntimeException e) {
            String problem = "controller: decision not recorded in " + recorder.directory() + ": " + e;
            if (!problem.equals(lastRecordingProblem)) {
                LOG.warn(problem);
                lastRecordingProblem = problem;
            }
        }
    }

    // Every node's status shows why nobody is promoted, while it lasts: the CIB carries it, written on change only.
    private void publishActivity(Cib cib, ControllerActivity activity) {
        if (Objects.equals(activity, cib.controllerActivity())) {
            return;
        }
        CommandResult result = store.submit(new SetControllerActivity(activity), Duration.ofSeconds(2));
        if (!result.applied()) {
            LOG.info("controller: activity not published (" + result.message() + ")");
        }
    }

    // An operator must see why the cluster has no primary once every report is in: the reason and its fix go to the
    // failed actions, once (the scheduler withdraws them when a primary serves again). A wait for reports is no
    // failure and is only published as the activity.
    private void recordRefusedPromotion(Cib cib, ControllerActivity activity) {
        if (activity == null || activity.kind() != ControllerActivity.Kind.NO_ELIGIBLE_NODE) {
            lastRecordedRefusal = null;
            return;
        }
        String refusal = activity.describe();
        boolean recorded = refusal.equals(lastRecordedRefusal) || cib.failedActions().stream()
                .anyMatch(a -> a.refusedPromotion() && a.exitReason().equals(refusal));
        if (recorded) {
            return;
        }
        String lost = cib.goalPrimary().orElse("cluster");
        CommandResult result = store.submit(new RecordFailedAction(new FailedAction(lost,
                FailedAction.PROMOTION_REFUSED, 1, refusal, Instant.now().toString())), Duration.ofSeconds(2));
        if (result.applied()) {
            lastRecordedRefusal = refusal;
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
