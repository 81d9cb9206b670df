package io.pgpacer.core.resource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one node's resource executor does next with the primitives it knows: the pure part of the executor, from
 * the desired state (placement, meta attributes, lease) and what the node observed to a list of operations. No
 * clock and no I/O: whether a monitor is due or a back-off runs is an input.
 *
 * <p>Group members start in order, each only once the one before it runs, and stop in reverse order; a member
 * runs only while every member before it may run here. An unmanaged resource, or one on a node or cluster in
 * maintenance, is probed and monitored only. A blocked resource is left alone until cleanup, except that a
 * lease-bound one is still stopped when the lease is gone (safety first, as the writer VIP).
 */
public final class LocalResourcePlan {

    private LocalResourcePlan() {
    }

    /** What this node knows of a primitive on its host. */
    public enum Observed {
        /** Not probed yet since the agent started. */
        UNKNOWN,
        STARTED,
        STOPPED,
        /** The last operation failed: it may run in part, so it is stopped before anything else. */
        FAILED
    }

    /** A failure's lasting effect, until an operator's cleanup (or the node's standby) ends it. */
    public enum Hold {
        NONE,
        /** {@code on-fail=stop}: stopped, and not started here again until its fail-count is cleaned up. */
        STOP_UNTIL_CLEANUP,
        /** {@code on-fail=block}: no operation at all until cleanup. */
        BLOCKED,
        /** {@code on-fail=standby}: stopped until the store shows this node in standby. */
        STOP_UNTIL_STANDBY
    }

    /**
     * One primitive as the executor sees it.
     *
     * @param group the group it belongs to, or null
     * @param placedHere whether the controller's placement names this node
     * @param enabled the effective {@code enabled} meta attribute (a disabled group disables its members)
     * @param managed the effective {@code managed} meta attribute, false too while this node or the cluster is in
     *     maintenance
     * @param nodeStandby whether this node is in standby (it runs no resources)
     * @param leaseBound whether it is colocated INFINITY with the master of {@code msPostgresql}
     * @param leaseValid whether this node holds a primary lease that is valid by its own clock
     * @param monitorDue whether its monitor interval passed since its last monitor, start or probe
     * @param backingOff whether the back-off after its last failure still runs
     * @param restartRequested whether an operator's {@code resource restart} waits to be carried out here
     */
    public record Unit(String id, String group, boolean placedHere, boolean enabled, boolean managed,
            boolean nodeStandby, boolean leaseBound, boolean leaseValid, Observed observed, Hold hold,
            boolean monitorDue, boolean backingOff, boolean restartRequested) {
    }

    /** The operations, in OCF's words; {@code RESTART} is a stop followed by a start. */
    public enum Kind {
        /** A one-off monitor to learn the state (Pacemaker's probe, {@code monitor_0}). */
        PROBE,
        MONITOR,
        START,
        STOP,
        RESTART
    }

    /** One operation to run, and why. */
    public record Step(String id, Kind kind, String reason) {

        @Override
        public String toString() {
            return kind + " " + id + ": " + reason;
        }
    }

    /**
     * The operations to run now, in order: probes, then stops (a group's last member first), monitors, then at most
     * one start or restart per group.
     *
     * @param units every primitive of the CIB, group members in their group's order
     */
    public static List<Step> decide(List<Unit> units) {
        Map<String, List<Unit>> chains = new LinkedHashMap<>();
        for (Unit unit : units) {
            chains.computeIfAbsent(unit.group() == null ? "\u0000" + unit.id() : unit.group(),
                    k -> new ArrayList<>()).add(unit);
        }
        List<Step> probes = new ArrayList<>();
        List<Step> stops = new ArrayList<>();
        List<Step> monitors = new ArrayList<>();
        List<Step> starts = new ArrayList<>();
        for (List<Unit> chain : chains.values()) {
            if (chain.stream().anyMatch(u -> u.observed() == Observed.UNKNOWN)) {
                // why wait for the whole group: its order needs every member's state.
                chain.stream().filter(u -> u.observed() == Observed.UNKNOWN)
                        .forEach(u -> probes.add(new Step(u.id(), Kind.PROBE, "state unknown since the agent started")));
                continue;
            }
            decideChain(chain, stops, monitors, starts);
        }
        List<Step> all = new ArrayList<>(probes);
        all.addAll(stops);
        all.addAll(monitors);
        all.addAll(starts);
        return all;
    }

    private static void decideChain(List<Unit> chain, List<Step> stops, List<Step> monitors, List<Step> starts) {
        String[] notHere = new String[chain.size()];
        String earlier = null;
        for (int i = 0; i < chain.size(); i++) {
            Unit u = chain.get(i);
            String own = whyNotHere(u);
            notHere[i] = own != null ? own : earlier;
            if (notHere[i] != null && earlier == null) {
                earlier = "member '" + u.id() + "' of group '" + u.group() + "' before it does not run here";
            }
        }
        // Stops, last member first; a member that must stay up (unmanaged, blocked) keeps the ones before it up.
        List<String> stopping = new ArrayList<>();
        for (int i = chain.size() - 1; i >= 0; i--) {
            Unit u = chain.get(i);
            if (!running(u)) {
                continue;
            }
            String why = notHere[i];
            if (why == null && firstNotStartedBefore(chain, i) != null) {
                why = "member '" + firstNotStartedBefore(chain, i) + "' of group '" + u.group()
                        + "' before it must start first";
            }
            if (why == null && firstRestartBefore(chain, i) != null) {
                why = "member '" + firstRestartBefore(chain, i) + "' of group '" + u.group()
                        + "' before it restarts; it starts again after it";
            }
            if (why == null) {
                continue;
            }
            boolean leaseSafety = u.leaseBound() && !u.leaseValid() && u.managed();
            if (!leaseSafety && (!u.managed() || u.hold() == Hold.BLOCKED
                    || u.observed() == Observed.FAILED && u.backingOff())) {
                break;
            }
            stops.add(new Step(u.id(), Kind.STOP, why));
            stopping.add(u.id());
        }
        for (Unit u : chain) {
            if (u.monitorDue() && u.hold() != Hold.BLOCKED && !stopping.contains(u.id())
                    && (u.observed() == Observed.STARTED || !u.managed())) {
                monitors.add(new Step(u.id(), Kind.MONITOR, u.managed() ? "monitor interval"
                        : "monitor interval (unmanaged: observed only)"));
            }
        }
        if (!stopping.isEmpty()) {
            return;
        }
        for (int i = 0; i < chain.size(); i++) {
            Unit u = chain.get(i);
            boolean actionable = u.managed() && u.hold() == Hold.NONE;
            if (u.observed() == Observed.STARTED) {
                if (u.restartRequested() && actionable && notHere[i] == null) {
                    starts.add(new Step(u.id(), Kind.RESTART, "an operator asked for a restart"));
                    monitors.removeIf(s -> s.id().equals(u.id()));
                    return;
                }
                continue;
            }
            if (notHere[i] != null || !actionable || u.backingOff()) {
                return;
            }
            starts.add(u.observed() == Observed.FAILED
                    ? new Step(u.id(), Kind.RESTART, "recovering it after a failure (on-fail=restart)")
                    : new Step(u.id(), Kind.START, u.group() == null ? "placed on this node"
                            : "placed on this node with group '" + u.group() + "'"));
            return;
        }
    }

    /** Why {@code unit} must not run on this node by itself (its group aside), or null when it should. */
    static String whyNotHere(Unit unit) {
        if (unit.hold() == Hold.STOP_UNTIL_CLEANUP) {
            return "it failed with on-fail=stop; it stays stopped until 'pgpacer resource cleanup " + unit.id() + "'";
        }
        if (unit.hold() == Hold.STOP_UNTIL_STANDBY) {
            return "it failed with on-fail=standby; this node goes into standby";
        }
        if (!unit.enabled()) {
            return "it is disabled";
        }
        if (unit.nodeStandby()) {
            return "this node is in standby";
        }
        if (!unit.placedHere()) {
            return "it is not placed on this node";
        }
        if (unit.leaseBound() && !unit.leaseValid()) {
            return "it runs with the master of msPostgresql, and this node holds no valid primary lease";
        }
        return null;
    }

    private static boolean running(Unit u) {
        return u.observed() == Observed.STARTED || u.observed() == Observed.FAILED;
    }

    // A restart of a member restarts the members after it too, as Pacemaker restarts a group's dependents.
    private static String firstRestartBefore(List<Unit> chain, int index) {
        for (int j = 0; j < index; j++) {
            Unit u = chain.get(j);
            if (u.restartRequested() && u.observed() == Observed.STARTED && u.managed() && u.hold() == Hold.NONE) {
                return u.id();
            }
        }
        return null;
    }

    private static String firstNotStartedBefore(List<Unit> chain, int index) {
        for (int j = 0; j < index; j++) {
            if (chain.get(j).observed() != Observed.STARTED) {
                return chain.get(j).id();
            }
        }
        return null;
    }

    /**
     * What a failed operation leaves behind, by its {@code on-fail}.
     *
     * @param observed the state to record
     * @param hold the lasting effect until cleanup
     * @param standby whether this node must be put in standby
     */
    public record FailureResponse(Observed observed, Hold hold, boolean standby) {
    }

    /**
     * How a failure of {@code kind} with OCF code {@code rc} answers to {@code onFail}. A failed stop leaves the
     * resource FAILED (retried after the back-off) unless it blocks or is ignored. A start that failed because the
     * resource is misconfigured or not installed here (rc 2, 5 or 6, Pacemaker's hard errors) is not retried here
     * until cleanup, since the same start would fail again.
     *
     * @param before the state before the operation
     */
    public static FailureResponse onFailure(Kind kind, OnFail onFail, Observed before, Hold hold, int rc) {
        if (kind == Kind.START && onFail == OnFail.RESTART && (rc == 2 || rc == 5 || rc == 6)) {
            return new FailureResponse(Observed.FAILED, Hold.STOP_UNTIL_CLEANUP, false);
        }
        return onFailure(kind, onFail, before, hold);
    }

    /**
     * How a failure of {@code kind} answers to {@code onFail}. A failed stop leaves the resource FAILED (retried
     * after the back-off) unless it blocks or is ignored.
     *
     * @param before the state before the operation
     */
    public static FailureResponse onFailure(Kind kind, OnFail onFail, Observed before, Hold hold) {
        if (kind == Kind.STOP) {
            return switch (onFail) {
                case BLOCK -> new FailureResponse(Observed.FAILED, Hold.BLOCKED, false);
                case IGNORE -> new FailureResponse(Observed.STOPPED, hold, false);
                case STANDBY -> new FailureResponse(Observed.FAILED, Hold.STOP_UNTIL_STANDBY, true);
                case STOP -> new FailureResponse(Observed.FAILED, Hold.STOP_UNTIL_CLEANUP, false);
                case RESTART -> new FailureResponse(Observed.FAILED, hold, false);
            };
        }
        return switch (onFail) {
            case RESTART -> new FailureResponse(Observed.FAILED, Hold.NONE, false);
            case STOP -> new FailureResponse(Observed.FAILED, Hold.STOP_UNTIL_CLEANUP, false);
            case BLOCK -> new FailureResponse(Observed.FAILED, Hold.BLOCKED, false);
            case STANDBY -> new FailureResponse(Observed.FAILED, Hold.STOP_UNTIL_STANDBY, true);
            // why: "carry on as if it had succeeded": a start or monitor that failed counts as running, a probe
            // that failed as stopped (nothing says it runs).
            case IGNORE -> new FailureResponse(kind == Kind.PROBE ? Observed.STOPPED
                    : kind == Kind.MONITOR && before != Observed.STARTED ? before : Observed.STARTED, hold, false);
        };
    }

    /**
     * Whether {@code primitive} (or its group) is colocated INFINITY with the master of {@code msPostgresql}: it may
     * run only where the primary runs, and only while that node holds a valid lease.
     */
    public static boolean leaseBound(Resources resources, String primitive) {
        String group = resources.groupOf(primitive).map(Group::id).orElse(null);
        return resources.constraints().stream().anyMatch(c -> c instanceof Constraint.Colocation col
                && PostgresClone.ID.equals(col.withResource()) && PostgresClone.MASTER.equals(col.withRole())
                && col.score() >= Score.INFINITY && (col.resource().equals(primitive) || col.resource().equals(group)));
    }
}
