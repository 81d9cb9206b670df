package io.pgpacer.core.resource;

import static io.pgpacer.core.resource.LocalResourcePlan.Hold.BLOCKED;
import static io.pgpacer.core.resource.LocalResourcePlan.Hold.NONE;
import static io.pgpacer.core.resource.LocalResourcePlan.Hold.STOP_UNTIL_CLEANUP;
import static io.pgpacer.core.resource.LocalResourcePlan.Observed.FAILED;
import static io.pgpacer.core.resource.LocalResourcePlan.Observed.STARTED;
import static io.pgpacer.core.resource.LocalResourcePlan.Observed.STOPPED;
import static io.pgpacer.core.resource.LocalResourcePlan.Observed.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.resource.LocalResourcePlan.FailureResponse;
import io.pgpacer.core.resource.LocalResourcePlan.Hold;
import io.pgpacer.core.resource.LocalResourcePlan.Kind;
import io.pgpacer.core.resource.LocalResourcePlan.Observed;
import io.pgpacer.core.resource.LocalResourcePlan.Step;
import io.pgpacer.core.resource.LocalResourcePlan.Unit;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The resource executor's decisions, desired and observed state in, operations out. */
class LocalResourcePlanTest {

    /** A primitive placed here, enabled, managed, not lease-bound, monitor not due: nothing to do when started. */
    private record U(String id, String group, boolean placedHere, boolean enabled, boolean managed, boolean standby,
            boolean leaseBound, boolean leaseValid, Observed observed, Hold hold, boolean monitorDue,
            boolean backingOff, boolean restart) {

        static U of(String id, Observed observed) {
            return new U(id, null, true, true, true, false, false, false, observed, NONE, false, false, false);
        }

        U group(String g) {
            return new U(id, g, placedHere, enabled, managed, standby, leaseBound, leaseValid, observed, hold,
                    monitorDue, backingOff, restart);
        }

        U elsewhere() {
            return new U(id, group, false, enabled, managed, standby, leaseBound, leaseValid, observed, hold,
                    monitorDue, backingOff, restart);
        }

        U disabled() {
            return new U(id, group, placedHere, false, managed, standby, leaseBound, leaseValid, observed, hold,
                    monitorDue, backingOff, restart);
        }

        U unmanaged() {
            return new U(id, group, placedHere, enabled, false, standby, leaseBound, leaseValid, observed, hold,
                    monitorDue, backingOff, restart);
        }

        U onStandbyNode() {
            return new U(id, group, placedHere, enabled, managed, true, leaseBound, leaseValid, observed, hold,
                    monitorDue, backingOff, restart);
        }

        U bound(boolean valid) {
            return new U(id, group, placedHere, enabled, managed, standby, true, valid, observed, hold, monitorDue,
                    backingOff, restart);
        }

        U hold(Hold h) {
            return new U(id, group, placedHere, enabled, managed, standby, leaseBound, leaseValid, observed, h,
                    monitorDue, backingOff, restart);
        }

        U due() {
            return new U(id, group, placedHere, enabled, managed, standby, leaseBound, leaseValid, observed, hold,
                    true, backingOff, restart);
        }

        U inBackOff() {
            return new U(id, group, placedHere, enabled, managed, standby, leaseBound, leaseValid, observed, hold,
                    monitorDue, true, restart);
        }

        U restartAsked() {
            return new U(id, group, placedHere, enabled, managed, standby, leaseBound, leaseValid, observed, hold,
                    monitorDue, backingOff, true);
        }

        Unit unit() {
            return new Unit(id, group, placedHere, enabled, managed, standby, leaseBound, leaseValid, observed, hold,
                    monitorDue, backingOff, restart);
        }
    }

    private static String plan(U... units) {
        List<Step> steps = LocalResourcePlan.decide(java.util.Arrays.stream(units).map(U::unit).toList());
        return steps.stream().map(s -> s.kind() + " " + s.id()).collect(Collectors.joining(", "));
    }

    @Test
    void singlePrimitives() {
        // given observed (and desired) -> operations
        assertEquals("PROBE r", plan(U.of("r", UNKNOWN)), "unknown since the agent started: probe, even elsewhere");
        assertEquals("PROBE r", plan(U.of("r", UNKNOWN).elsewhere().unmanaged()));
        assertEquals("START r", plan(U.of("r", STOPPED)));
        assertEquals("", plan(U.of("r", STARTED)));
        assertEquals("MONITOR r", plan(U.of("r", STARTED).due()));
        assertEquals("STOP r", plan(U.of("r", STARTED).elsewhere()));
        assertEquals("STOP r", plan(U.of("r", STARTED).disabled()));
        assertEquals("STOP r", plan(U.of("r", STARTED).onStandbyNode()));
        assertEquals("", plan(U.of("r", STOPPED).elsewhere()));
        assertEquals("", plan(U.of("r", STOPPED).elsewhere().due()), "a stopped resource is not monitored");
        assertEquals("RESTART r", plan(U.of("r", FAILED)), "on-fail=restart: stop and start here");
        assertEquals("", plan(U.of("r", FAILED).inBackOff()), "after the back-off");
        assertEquals("STOP r", plan(U.of("r", FAILED).elsewhere()), "failed and placed elsewhere: clean it up");
        assertEquals("", plan(U.of("r", STOPPED).inBackOff()));
    }

    @Test
    void onFailHolds() {
        assertEquals("STOP r", plan(U.of("r", FAILED).hold(STOP_UNTIL_CLEANUP)), "on-fail=stop");
        assertEquals("", plan(U.of("r", STOPPED).hold(STOP_UNTIL_CLEANUP)), "and not started again");
        assertEquals("", plan(U.of("r", FAILED).hold(BLOCKED).due()), "on-fail=block: nothing at all");
        assertEquals("", plan(U.of("r", FAILED).hold(BLOCKED).elsewhere()), "not even a stop");
        assertEquals("STOP r", plan(U.of("r", FAILED).hold(Hold.STOP_UNTIL_STANDBY)), "on-fail=standby");
    }

    @Test
    void unmanagedIsMonitoredOnly() {
        assertEquals("", plan(U.of("r", STOPPED).unmanaged()));
        assertEquals("", plan(U.of("r", STARTED).elsewhere().unmanaged()));
        assertEquals("", plan(U.of("r", FAILED).unmanaged()));
        assertEquals("MONITOR r", plan(U.of("r", STARTED).elsewhere().unmanaged().due()));
        assertEquals("MONITOR r", plan(U.of("r", STOPPED).unmanaged().due()), "to see a start by hand");
        assertEquals("", plan(U.of("r", STARTED).unmanaged().restartAsked()), "no restart either");
    }

    @Test
    void leaseBoundRunsOnlyUnderAValidLease() {
        assertEquals("START r", plan(U.of("r", STOPPED).bound(true)));
        assertEquals("", plan(U.of("r", STOPPED).bound(false)));
        assertEquals("STOP r", plan(U.of("r", STARTED).bound(false)));
        assertEquals("STOP r", plan(U.of("r", FAILED).bound(false).inBackOff()), "no back-off for safety");
        assertEquals("STOP r", plan(U.of("r", FAILED).bound(false).hold(BLOCKED)), "safety before block");
        assertEquals("", plan(U.of("r", STARTED).bound(false).unmanaged()),
                "unmanaged: only the fencing path stops it (as it stops PostgreSQL in maintenance)");
        List<Step> steps = LocalResourcePlan.decide(List.of(U.of("r", STARTED).bound(false).unit()));
        assertTrue(steps.get(0).reason().contains("no valid primary lease"), steps.toString());
    }

    @Test
    void groupsStartInOrderAndStopInReverse() {
        assertEquals("START a", plan(U.of("a", STOPPED).group("g"), U.of("b", STOPPED).group("g")));
        assertEquals("START b", plan(U.of("a", STARTED).group("g"), U.of("b", STOPPED).group("g")));
        assertEquals("STOP b, STOP a", plan(U.of("a", STARTED).group("g").elsewhere(),
                U.of("b", STARTED).group("g").elsewhere()));
        assertEquals("STOP b, STOP a", plan(U.of("a", STARTED).group("g").disabled(), U.of("b", STARTED).group("g")),
                "a disabled member takes the later ones with it");
        assertEquals("STOP b", plan(U.of("a", FAILED).group("g"), U.of("b", STARTED).group("g")),
                "a failed member restarts only after the later ones stopped");
        assertEquals("RESTART a", plan(U.of("a", FAILED).group("g"), U.of("b", STOPPED).group("g")));
        assertEquals("PROBE b", plan(U.of("a", STOPPED).group("g"), U.of("b", UNKNOWN).group("g")),
                "the group's order needs every member's state");
        assertEquals("", plan(U.of("a", STARTED).group("g").elsewhere(), U.of("b", STARTED).group("g").unmanaged()
                .elsewhere()), "an unmanaged later member keeps the earlier ones up");
        assertEquals("MONITOR a, START solo", plan(U.of("a", STARTED).group("g").due(), U.of("solo", STOPPED)));
    }

    @Test
    void operationsComeInSafeOrder() {
        assertEquals("PROBE n, STOP old, MONITOR m, START s", plan(U.of("s", STOPPED), U.of("m", STARTED).due(),
                U.of("old", STARTED).elsewhere(), U.of("n", UNKNOWN)));
    }

    @Test
    void anOperatorsRestart() {
        assertEquals("RESTART r", plan(U.of("r", STARTED).restartAsked().due()), "instead of its monitor");
        assertEquals("START r", plan(U.of("r", STOPPED).restartAsked()), "not running: just started");
        assertEquals("", plan(U.of("r", STARTED).restartAsked().hold(STOP_UNTIL_CLEANUP).hold(BLOCKED)));
        assertEquals("STOP b", plan(U.of("a", STARTED).group("g").restartAsked(), U.of("b", STARTED).group("g")
                .restartAsked()), "a group restarts as Pacemaker does: the later members stop first");
        assertEquals("RESTART a", plan(U.of("a", STARTED).group("g").restartAsked(), U.of("b", STOPPED).group("g")
                .restartAsked()));
        assertEquals("START b", plan(U.of("a", STARTED).group("g"), U.of("b", STOPPED).group("g")));
    }

    @Test
    void failuresAnswerTheirOnFail() {
        assertEquals(new FailureResponse(FAILED, NONE, false),
                LocalResourcePlan.onFailure(Kind.MONITOR, OnFail.RESTART, STARTED, NONE));
        assertEquals(new FailureResponse(FAILED, STOP_UNTIL_CLEANUP, false),
                LocalResourcePlan.onFailure(Kind.MONITOR, OnFail.STOP, STARTED, NONE));
        assertEquals(new FailureResponse(FAILED, BLOCKED, false),
                LocalResourcePlan.onFailure(Kind.START, OnFail.BLOCK, STOPPED, NONE));
        assertEquals(new FailureResponse(STARTED, NONE, false),
                LocalResourcePlan.onFailure(Kind.MONITOR, OnFail.IGNORE, STARTED, NONE), "carry on");
        assertEquals(new FailureResponse(STOPPED, NONE, false),
                LocalResourcePlan.onFailure(Kind.PROBE, OnFail.IGNORE, UNKNOWN, NONE));
        assertEquals(new FailureResponse(FAILED, Hold.STOP_UNTIL_STANDBY, true),
                LocalResourcePlan.onFailure(Kind.MONITOR, OnFail.STANDBY, STARTED, NONE));
        assertEquals(new FailureResponse(FAILED, BLOCKED, false),
                LocalResourcePlan.onFailure(Kind.STOP, OnFail.BLOCK, STARTED, NONE), "a failed stop blocks");
        assertEquals(new FailureResponse(STOPPED, NONE, false),
                LocalResourcePlan.onFailure(Kind.STOP, OnFail.IGNORE, STARTED, NONE));
        assertEquals(new FailureResponse(FAILED, STOP_UNTIL_CLEANUP, false),
                LocalResourcePlan.onFailure(Kind.START, OnFail.RESTART, STOPPED, NONE, 6), "not configured: not retried");
        assertEquals(new FailureResponse(FAILED, NONE, false),
                LocalResourcePlan.onFailure(Kind.START, OnFail.RESTART, STOPPED, NONE, 1), "a generic error is");
        assertEquals(new FailureResponse(FAILED, NONE, false),
                LocalResourcePlan.onFailure(Kind.MONITOR, OnFail.RESTART, STARTED, NONE, 6));
        FailureResponse retried = LocalResourcePlan.onFailure(Kind.STOP, OnFail.RESTART, STARTED, NONE);
        assertEquals(FAILED, retried.observed(), "a failed stop with on-fail=restart is retried after the back-off");
        assertFalse(retried.standby());
    }

    @Test
    void leaseBoundMeansColocatedInfinityWithTheMaster() {
        Primitive vip = new Primitive("vip", ResourceKind.IP, java.util.Map.of("ip", "198.18.0.50"), null, null);
        Primitive bouncer = new Primitive("bouncer", ResourceKind.EXEC, java.util.Map.of("start", "true", "stop",
                "true", "monitor", "true"), null, null);
        Primitive other = new Primitive("other", ResourceKind.EXEC, java.util.Map.of("start", "true", "stop",
                "true", "monitor", "true"), null, null);
        Resources resources = new Resources(PostgresClone.DEFAULT, List.of(vip, bouncer, other),
                List.of(new Group("master-group", List.of("vip", "bouncer"), null)),
                List.of(new Constraint.Colocation("c1", "master-group", PostgresClone.ID, PostgresClone.MASTER,
                        Score.INFINITY), new Constraint.Colocation("c2", "other", PostgresClone.ID,
                                PostgresClone.SLAVE, Score.INFINITY)));
        assertTrue(LocalResourcePlan.leaseBound(resources, "vip"), "through its group");
        assertTrue(LocalResourcePlan.leaseBound(resources, "bouncer"));
        assertFalse(LocalResourcePlan.leaseBound(resources, "other"), "with the slaves: not lease-bound");
        Resources preferred = resources.withoutConstraints(c -> true).withConstraint(new Constraint.Colocation("c3",
                "master-group", PostgresClone.ID, PostgresClone.MASTER, 100));
        assertFalse(LocalResourcePlan.leaseBound(preferred, "vip"), "a preference is not a must");
    }
}
