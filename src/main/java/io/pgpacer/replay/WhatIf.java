package io.pgpacer.replay;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ControllerActivity;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.command.CibReducer;
import io.pgpacer.core.command.Outcome;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.decide.ClusterSnapshot;
import io.pgpacer.core.decide.Plan;
import io.pgpacer.core.decide.Scheduler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A hypothetical event applied to a snapshot, and what the controller would then decide, pass after pass, as
 * Pacemaker's {@code crm_simulate --node-fail} shows. Pure: nothing reaches a store or a node. The grammar:
 * <ul>
 * <li>{@code node NODE fails}: its PostgreSQL fails; its agent reports the failure (the fail-count grows, and at
 * migration-threshold the lease is released, as the store does)</li>
 * <li>{@code node NODE goes offline}: its agent stops reporting (host down, cut off): silent for the node timeout,
 * and a lease it holds goes unrenewed for the lease time</li>
 * <li>{@code node NODE recovers}: its agent reports again, PostgreSQL running in the role its goal names</li>
 * <li>{@code switchover to NODE}: an operator asks the primary to hand over to NODE now</li>
 * </ul>
 */
public final class WhatIf {

    /** How many controller passes a simulation shows at most; a real cluster settles in fewer. */
    public static final int MAX_PASSES = 5;

    /** The time between two simulated passes, a default monitor interval. */
    static final long PASS_MILLIS = 1_000;

    private static final Pattern NODE_EVENT = Pattern.compile("node\\s+(\\S+)\\s+(fails|goes offline|recovers)");
    private static final Pattern SWITCHOVER = Pattern.compile("switchover to\\s+(\\S+)");
    private static final String GRAMMAR = "'node NODE fails', 'node NODE goes offline', 'node NODE recovers' or"
            + " 'switchover to NODE'";

    /** The hypothesis cannot be applied; the message names what is wrong and what is accepted. */
    public static final class BadHypothesisException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadHypothesisException(String message) {
            super(message);
        }
    }

    /** One controller pass of a simulation: what it saw, its plan, and the store's refusal of a step, or null. */
    public record Pass(ClusterSnapshot snapshot, Plan plan, String refusal) {
    }

    private WhatIf() {
    }

    /**
     * {@code snapshot} after {@code hypothesis}, as the controller would see it.
     *
     * @throws BadHypothesisException for text outside the grammar, an unknown node, or a request the store refuses
     */
    public static ClusterSnapshot apply(ClusterSnapshot snapshot, String hypothesis) {
        String text = hypothesis.trim().replaceAll("\\s+", " ");
        Matcher node = NODE_EVENT.matcher(text);
        if (node.matches()) {
            String name = dataNode(snapshot.cib(), node.group(1), text);
            return switch (node.group(2)) {
                case "fails" -> fails(snapshot, name);
                case "goes offline" -> offline(snapshot, name);
                default -> recovers(snapshot, name);
            };
        }
        Matcher switchover = SWITCHOVER.matcher(text);
        if (switchover.matches()) {
            String to = dataNode(snapshot.cib(), switchover.group(1), text);
            String from = snapshot.cib().lease().holder();
            if (from == null) {
                throw new BadHypothesisException("'" + text + "' needs a primary to hand over, and nobody holds the"
                        + " lease now");
            }
            return withCib(snapshot, store(snapshot.cib(), new StoreCommand.RequestSwitchover(from, to, 0,
                    Instant.ofEpochMilli(snapshot.wallClock()).toString(), 16L << 20), text), true);
        }
        throw new BadHypothesisException("cannot read '" + hypothesis.trim() + "'; a what-if is " + GRAMMAR);
    }

    /**
     * The controller's passes from {@code snapshot}: each plan's steps are applied as the store would, time moves on
     * by a monitor interval, and the nodes still reporting report again; it ends with the first plan without steps
     * that is not waiting for reports, a step the store refuses, or after {@link #MAX_PASSES}. The agents' own steps (taking the lease, promoting,
     * following a new primary) are not simulated.
     */
    public static List<Pass> passes(ClusterSnapshot snapshot) {
        List<Pass> passes = new ArrayList<>();
        ClusterSnapshot current = snapshot;
        for (int i = 0; i < MAX_PASSES; i++) {
            Plan plan = Scheduler.decide(current);
            Cib cib = current.cib();
            String refusal = null;
            for (Plan.Step step : plan.steps()) {
                Outcome outcome = CibReducer.apply(cib, step.command());
                if (!outcome.result().applied()) {
                    refusal = outcome.result().message();
                    break;
                }
                cib = outcome.cib();
            }
            passes.add(new Pass(current, plan, refusal));
            // why on through a wait for reports: the standbys report within a monitor interval, then it decides
            boolean waiting = plan.activity() != null
                    && plan.activity().kind() == ControllerActivity.Kind.WAITING_FOR_REPORTS;
            if (plan.isEmpty() && !waiting || refusal != null) {
                break;
            }
            current = nextPass(current, cib);
        }
        return passes;
    }

    // why two instants: a node counts as heard since a lease change only when its report came strictly after it
    private static ClusterSnapshot nextPass(ClusterSnapshot before, Cib after) {
        long changedAt = before.now() + PASS_MILLIS / 2;
        long now = before.now() + PASS_MILLIS;
        Map<String, Long> heard = new HashMap<>(before.lastHeard());
        for (Map.Entry<String, Long> e : before.lastHeard().entrySet()) {
            if (before.online(e.getKey())) {
                heard.put(e.getKey(), now);
            }
        }
        long leaseSeenAt = after.lease().equals(before.cib().lease()) ? before.leaseSeenAt() : changedAt;
        long switchoverSeenAt = java.util.Objects.equals(after.switchover(), before.cib().switchover())
                ? before.switchoverSeenAt() : changedAt;
        return new ClusterSnapshot(after, now, heard, leaseSeenAt, before.controllerSince(), switchoverSeenAt,
                before.wallClock() + PASS_MILLIS);
    }

    private static ClusterSnapshot fails(ClusterSnapshot snapshot, String node) {
        Cib cib = store(snapshot.cib(), new StoreCommand.ReportFailure(node, "monitor", 7, "not running (what-if)",
                Instant.ofEpochMilli(snapshot.wallClock()).toString()), "node " + node + " fails");
        NodeReport r = report(cib, node);
        cib = cib.withReport(new NodeReport(node, r.sequence() + 1, PgState.FAILED, 0, r.timeline(), r.lsn(),
                r.replayLsn(), null, false, List.of(), "what-if: PostgreSQL failed", null, r.reportedAt(),
                false, r.readerVipSeen(), r.resources(), r.commitGuard()));
        Map<String, Long> heard = new HashMap<>(snapshot.lastHeard());
        heard.put(node, snapshot.now());
        boolean leaseChanged = !cib.lease().equals(snapshot.cib().lease());
        return new ClusterSnapshot(cib, snapshot.now(), heard, leaseChanged ? snapshot.now() - 1
                : snapshot.leaseSeenAt(), snapshot.controllerSince(), snapshot.switchoverSeenAt(),
                snapshot.wallClock());
    }

    private static ClusterSnapshot offline(ClusterSnapshot snapshot, String node) {
        Cib cib = snapshot.cib();
        long silence = Math.max(cib.settings().nodeTimeoutMillis(), cib.settings().leaseMillis()) + 1;
        Map<String, Long> heard = new HashMap<>(snapshot.lastHeard());
        heard.put(node, snapshot.now() - silence);
        // why: the controller counts its own silence too; one elected just now would wait the node timeout first
        long controllerSince = Math.min(snapshot.controllerSince(), snapshot.now() - silence);
        long leaseSeenAt = cib.lease().heldBy(node) ? snapshot.now() - cib.settings().leaseMillis() - 1
                : snapshot.leaseSeenAt();
        return new ClusterSnapshot(cib, snapshot.now(), heard, leaseSeenAt, controllerSince,
                snapshot.switchoverSeenAt(), snapshot.wallClock());
    }

    private static ClusterSnapshot recovers(ClusterSnapshot snapshot, String node) {
        Cib cib = snapshot.cib();
        NodeReport r = report(cib, node);
        NodeGoal goal = cib.goals().get(node);
        boolean primary = goal != null && goal.role() == Role.PRIMARY && cib.lease().heldBy(node);
        String upstream = goal != null && goal.role() == Role.STANDBY ? goal.upstream() : null;
        PgState state = primary ? PgState.PRIMARY : upstream != null ? PgState.STANDBY : PgState.STOPPED;
        cib = cib.withReport(new NodeReport(node, r.sequence() + 1, state, 1, r.timeline(), r.lsn(), r.replayLsn(),
                upstream, upstream != null, List.of(), "what-if: recovered", null, r.reportedAt(), false,
                r.readerVipSeen(), r.resources(), r.commitGuard()));
        Map<String, Long> heard = new HashMap<>(snapshot.lastHeard());
        heard.put(node, snapshot.now());
        return new ClusterSnapshot(cib, snapshot.now(), heard, snapshot.leaseSeenAt(), snapshot.controllerSince(),
                snapshot.switchoverSeenAt(), snapshot.wallClock());
    }

    private static ClusterSnapshot withCib(ClusterSnapshot snapshot, Cib cib, boolean switchoverChanged) {
        return new ClusterSnapshot(cib, snapshot.now(), snapshot.lastHeard(), snapshot.leaseSeenAt(),
                snapshot.controllerSince(), switchoverChanged ? snapshot.now() - 1 : snapshot.switchoverSeenAt(),
                snapshot.wallClock());
    }

    private static Cib store(Cib cib, StoreCommand command, String hypothesis) {
        Outcome outcome = CibReducer.apply(cib, command);
        if (!outcome.result().applied()) {
            throw new BadHypothesisException("'" + hypothesis + "' cannot happen here: the store would refuse it ("
                    + outcome.result().message() + ")");
        }
        return outcome.cib();
    }

    private static NodeReport report(Cib cib, String node) {
        NodeReport r = cib.reports().get(node);
        return r != null ? r : new NodeReport(node, 0, PgState.STOPPED, 0, 0, null, null, null, false, List.of(),
                null, null, null);
    }

    private static String dataNode(Cib cib, String name, String hypothesis) {
        NodeSpec spec = cib.node(name).orElseThrow(() -> new BadHypothesisException("'" + hypothesis + "' names"
                + " unknown node '" + name + "'; the cluster has " + cib.nodes().stream().map(NodeSpec::name)
                        .toList()));
        if (!spec.holdsData()) {
            throw new BadHypothesisException("'" + hypothesis + "' names " + name + ", a witness, which runs no"
                    + " PostgreSQL; name a data node of " + cib.dataNodes().stream().map(NodeSpec::name).toList());
        }
        return name;
    }
}
