package io.pgpacer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.config.Timings;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.command.CibReducer;
import io.pgpacer.core.command.Outcome;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.command.StoreCommand.CleanupResource;
import io.pgpacer.core.command.StoreCommand.InitializeCluster;
import io.pgpacer.core.command.StoreCommand.PlaceResources;
import io.pgpacer.core.command.StoreCommand.ReplaceResources;
import io.pgpacer.core.command.StoreCommand.RestartResource;
import io.pgpacer.core.resource.Constraint;
import io.pgpacer.core.resource.OnFail;
import io.pgpacer.core.resource.Operation;
import io.pgpacer.core.resource.PostgresClone;
import io.pgpacer.core.resource.Primitive;
import io.pgpacer.core.resource.ResourceKind;
import io.pgpacer.core.resource.ResourceState;
import io.pgpacer.core.resource.Resources;
import io.pgpacer.core.resource.Score;
import io.pgpacer.resource.OcfResult;
import io.pgpacer.resource.ResourceAgent;
import io.pgpacer.store.ClusterStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The resource executor's passes against a store held in memory (the real reducer), fake resource agents and a
 * manual clock; its thread is never started, each test drives {@link ResourceExecutor#runPass()} itself.
 */
class ResourceExecutorTest {

    private static final List<NodeSpec> NODES = List.of(
            new NodeSpec("n1", "127.0.0.1", 8001, 9001, 5401, false),
            new NodeSpec("n2", "127.0.0.1", 8002, 9002, 5402, false));

    /** A store that applies commands with the real reducer, in memory. */
    static final class InMemoryClusterStore implements ClusterStore {

        @Override
        public io.pgpacer.store.MemberHealth memberHealth() {
            return io.pgpacer.store.MemberHealth.HEALTHY;
        }
        Cib cib = CibReducer.apply(Cib.EMPTY, new InitializeCluster("pgc", NODES,
                new ClusterSettings(3, 3000, 3000, 1000))).cib();
        final List<StoreCommand> submitted = new ArrayList<>();

        @Override
        public synchronized CommandResult submit(StoreCommand command, Duration timeout) {
            submitted.add(command);
            Outcome outcome = CibReducer.apply(cib, command);
            cib = outcome.cib();
            return outcome.result();
        }

        @Override
        public synchronized Cib read(Duration timeout) {
            return cib;
        }

        @Override
        public synchronized Cib localCopy() {
            return cib;
        }

        @Override
        public void onApplied(Consumer<Cib> listener) {
        }

        @Override
        public boolean isLeader() {
            return true;
        }

        @Override
        public Optional<String> leader() {
            return Optional.of("n1");
        }

        @Override
        public StoreInfo info() {
            return new StoreInfo("n1", "n1", 1, 0, 0);
        }

        @Override
        public void close() {
        }
    }

    /** A resource held in memory: running or not, with scripted failures and a hook inside start. */
    static class FakeResource implements ResourceAgent {
        boolean running;
        int starts;
        int stops;
        Integer failNextMonitor;
        boolean failStops;
        Runnable duringStart = () -> { };

        @Override
        public OcfResult start(Duration timeout) {
            starts++;
            duringStart.run();
            running = true;
            return OcfResult.success();
        }

        @Override
        public OcfResult stop(Duration timeout) {
            stops++;
            if (failStops) {
                return OcfResult.failed(1, "cannot stop: device busy");
            }
            running = false;
            return OcfResult.success();
        }

        @Override
        public OcfResult monitor(Duration timeout) {
            if (failNextMonitor != null) {
                int rc = failNextMonitor;
                failNextMonitor = null;
                running = false;
                return OcfResult.failed(rc, "pidfile exists but process 4242 is gone");
            }
            return running ? OcfResult.success() : OcfResult.notRunning("");
        }
    }

    private final InMemoryClusterStore store = new InMemoryClusterStore();
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final AtomicLong generation = new AtomicLong(-1);
    private final AtomicBoolean primary = new AtomicBoolean(false);
    private final Map<String, FakeResource> fakes = new HashMap<>();
    private final List<String> events = new ArrayList<>();
    private static final long NODE_TIMEOUT_MILLIS = 3_000;
    private final ResourceExecutor executor = new ResourceExecutor("n1", store, Timings.DEFAULTS, NODE_TIMEOUT_MILLIS,
            generation::get, primary::get, clock::get, p -> fakes.computeIfAbsent(p.id(), id -> new FakeResource()), events::add,
            () -> { });

    private static Primitive exec(String id, Operation... operations) {
        return new Primitive(id, ResourceKind.EXEC, Map.of("start", "x", "stop", "x", "monitor", "x"),
                List.of(operations), null);
    }

    private void configure(List<Primitive> primitives, List<Constraint> constraints, Map<String, String> placement) {
        Resources resources = new Resources(PostgresClone.DEFAULT, primitives, List.of(), constraints);
        CommandResult replaced = store.submit(new ReplaceResources(store.cib.configEpoch(), resources, "test"),
                Duration.ZERO);
        assertTrue(replaced.applied(), replaced.message());
        place(placement);
    }

    private void place(Map<String, String> placement) {
        CommandResult placed = store.submit(new PlaceResources(store.cib.resourceRuntime().version(), placement),
                Duration.ZERO);
        assertTrue(placed.applied(), placed.message());
    }

    private static Constraint withMaster(String id) {
        return new Constraint.Colocation("c-" + id, id, PostgresClone.ID, PostgresClone.MASTER, Score.INFINITY);
    }

    private FakeResource fake(String id) {
        return fakes.computeIfAbsent(id, k -> new FakeResource());
    }

    /** Whether this node's reports reach the store, as the agent's loop tells the executor after each one. */
    private boolean reporting = true;

    private void passes(int n) {
        for (int i = 0; i < n; i++) {
            if (reporting) {
                executor.reportLanded(clock.get());
            }
            executor.runPass();
        }
    }

    // Safety: the controller may place a resource elsewhere once this node has been silent for the node timeout;
    // by then it no longer runs here.
    @Test
    void aResourceStopsBeforeTheNodeTimeoutWhenNoReportReachesTheStore() {
        configure(List.of(exec("bouncer")), List.of(), Map.of("bouncer", "n1"));
        passes(2);
        assertTrue(fake("bouncer").running);
        reporting = false;
        clock.addAndGet(NODE_TIMEOUT_MILLIS - 400);
        passes(1);
        assertTrue(fake("bouncer").running, "still within the node timeout less the margin");
        clock.addAndGet(200);
        passes(1);
        assertFalse(fake("bouncer").running, "stopped before the controller may count this node silent");
        assertFalse(executor.runsAny(), "and the agent knows nothing runs here");
        passes(3);
        assertFalse(fake("bouncer").running, "not started again while out of touch");
        reporting = true;
        passes(2);
        assertTrue(fake("bouncer").running, "started again once a report got through");
    }

    @Test
    void aPlacedResourceIsProbedStartedAndReported() {
        configure(List.of(exec("bouncer")), List.of(), Map.of("bouncer", "n1"));
        passes(2);
        assertTrue(fake("bouncer").running);
        ResourceState state = executor.states().get("bouncer");
        assertEquals(ResourceState.STARTED, state.state());
        assertTrue(state.managed());
        assertNotNull(state.since());
        place(Map.of("bouncer", "n2"));
        passes(1);
        assertFalse(fake("bouncer").running, "placed elsewhere: stopped here");
        assertEquals(ResourceState.STOPPED, executor.states().get("bouncer").state());
    }

    // Safety: a resource colocated with the master runs only while this node is primary under a valid lease.
    @Test
    void aLeaseBoundResourceRunsOnlyUnderAValidLease() {
        configure(List.of(exec("vip")), List.of(withMaster("vip")), Map.of("vip", "n1"));
        passes(2);
        assertFalse(fake("vip").running, "no lease: not started");
        generation.set(7);
        passes(1);
        assertFalse(fake("vip").running, "a lease but PostgreSQL not primary yet: not started");
        primary.set(true);
        passes(1);
        assertTrue(fake("vip").running, "primary with lease 7");
        generation.set(-1);
        passes(1);
        assertFalse(fake("vip").running, "the lease is gone: stopped on the next pass");
    }

    @Test
    void fencingStopsLeaseBoundResourcesOnItsOwnThreadAndTheyStayDownUnderThatLease() {
        configure(List.of(exec("vip"), exec("other")), List.of(withMaster("vip")), Map.of("vip", "n1", "other", "n1"));
        generation.set(7);
        primary.set(true);
        passes(3);
        assertTrue(fake("vip").running && fake("other").running);
        String done = executor.releaseLeaseBound("giving the lease up", false);
        assertFalse(fake("vip").running, done);
        assertTrue(fake("other").running, "only lease-bound resources go");
        passes(2);
        assertFalse(fake("vip").running, "generation 7 was given up: not started again under it");
        executor.resumeLeaseBound();
        passes(1);
        assertTrue(fake("vip").running, "the failure report kept the lease: back");
        executor.releaseLeaseBound("fencing", false);
        generation.set(8);
        passes(1);
        assertTrue(fake("vip").running, "a new lease: started");
    }

    @Test
    void aLeaseLostDuringTheStartWinsOverTheStart() {
        configure(List.of(exec("vip")), List.of(withMaster("vip")), Map.of("vip", "n1"));
        generation.set(7);
        primary.set(true);
        passes(1);
        fake("vip").duringStart = () -> {
            // the lease keeper fences while the start command runs
            generation.set(-1);
            executor.releaseLeaseBound("fencing", true);
        };
        passes(1);
        assertEquals(1, fake("vip").starts);
        assertFalse(fake("vip").running, "stopped again after the start saw the lease gone");
    }

    @Test
    void aMonitorFailureIsReportedCountedAndRestartedAfterTheBackOff() {
        configure(List.of(exec("bouncer")), List.of(), Map.of("bouncer", "n1"));
        passes(2);
        fake("bouncer").failNextMonitor = 7;
        clock.addAndGet(10_000);
        passes(1);
        assertEquals(1, store.cib.resourceRuntime().failCount("bouncer", "n1").count());
        FailedAction action = store.cib.failedActions().get(0);
        assertEquals("monitor_10000", action.operation());
        assertEquals(7, action.rc());
        assertEquals("bouncer", action.resource());
        assertEquals(ResourceState.FAILED, executor.states().get("bouncer").state());
        passes(1);
        assertFalse(fake("bouncer").running, "backing off");
        clock.addAndGet(Timings.DEFAULTS.restartDelayMillis(1));
        passes(1);
        assertTrue(fake("bouncer").running, "restarted in place");
        assertEquals(ResourceState.STARTED, executor.states().get("bouncer").state());
    }

    @Test
    void onFailStopKeepsItStoppedUntilCleanup() {
        configure(List.of(exec("job", Operation.monitor(5_000, 20_000, OnFail.STOP))), List.of(),
                Map.of("job", "n1"));
        passes(2);
        fake("job").running = true;
        fake("job").failNextMonitor = 1;
        clock.addAndGet(5_000);
        passes(1);
        clock.addAndGet(60_000);
        passes(3);
        assertFalse(fake("job").running, "stays stopped");
        assertTrue(store.submit(new CleanupResource("job", null), Duration.ZERO).applied());
        passes(3);
        assertTrue(fake("job").running, "started again after cleanup");
    }

    @Test
    void aFailedStopBlocksByDefault() {
        configure(List.of(exec("stuck")), List.of(), Map.of("stuck", "n1"));
        passes(2);
        fake("stuck").failStops = true;
        place(Map.of("stuck", "n2"));
        passes(1);
        assertEquals(ResourceState.BLOCKED, executor.states().get("stuck").state());
        assertEquals("stop_0", store.cib.failedActions().get(0).operation());
        int stops = fake("stuck").stops;
        clock.addAndGet(60_000);
        passes(3);
        assertEquals(stops, fake("stuck").stops, "blocked: left alone");
    }

    @Test
    void anOperatorsRestartIsCarriedOutOnceAndOldOnesAreNot() {
        configure(List.of(exec("bouncer")), List.of(), Map.of("bouncer", "n1"));
        store.submit(new RestartResource("bouncer", null), Duration.ZERO);
        passes(3);
        assertEquals(1, fake("bouncer").starts, "a restart asked for before this agent started is not repeated");
        store.submit(new RestartResource("bouncer", "n1"), Duration.ZERO);
        passes(3);
        assertEquals(2, fake("bouncer").starts);
        assertEquals(1, fake("bouncer").stops);
        store.submit(new RestartResource("bouncer", "n2"), Duration.ZERO);
        passes(3);
        assertEquals(2, fake("bouncer").starts, "a restart on another node");
    }

    @Test
    void unmanagedOrMaintenanceOnlyObserves() {
        configure(List.of(exec("bouncer")), List.of(), Map.of("bouncer", "n1"));
        assertTrue(store.submit(new StoreCommand.SetMaintenance("n1", true), Duration.ZERO).applied());
        passes(3);
        assertFalse(fake("bouncer").running, "not started in maintenance");
        assertFalse(executor.states().get("bouncer").managed());
        fake("bouncer").running = true;
        clock.addAndGet(10_000);
        passes(1);
        assertEquals(ResourceState.STARTED, executor.states().get("bouncer").state(), "a start by hand is seen");
        place(Map.of("bouncer", "n2"));
        passes(2);
        assertTrue(fake("bouncer").running, "and left alone");
    }

    @Test
    void onFailStandbyPutsTheNodeInStandby() {
        configure(List.of(exec("bouncer", Operation.monitor(5_000, 20_000, OnFail.STANDBY))), List.of(),
                Map.of("bouncer", "n1"));
        passes(2);
        fake("bouncer").failNextMonitor = 1;
        clock.addAndGet(5_000);
        passes(2);
        assertTrue(store.cib.inStandby("n1"));
        assertFalse(fake("bouncer").running);
    }

    @Test
    void aDeletedResourceStillRunningHereIsStoppedWithItsLastDefinitionThenForgotten() {
        configure(List.of(exec("bouncer")), List.of(), Map.of("bouncer", "n1"));
        passes(2);
        assertTrue(fake("bouncer").running);
        Resources none = new Resources(PostgresClone.DEFAULT, List.of(), List.of(), List.of());
        assertTrue(store.submit(new ReplaceResources(store.cib.configEpoch(), none, "delete"), Duration.ZERO)
                .applied());
        passes(2);
        assertFalse(fake("bouncer").running);
        assertTrue(executor.states().isEmpty(), executor.states().toString());
    }

    @Test
    void aGroupsRestartStopsItsMembersInReverseAndStartsThemInOrder() {
        List<String> calls = new ArrayList<>();
        for (String id : List.of("ip1", "app")) {
            FakeResource f = new FakeResource() {
                @Override
                public OcfResult start(Duration timeout) {
                    calls.add("start " + id);
                    return super.start(timeout);
                }

                @Override
                public OcfResult stop(Duration timeout) {
                    calls.add("stop " + id);
                    return super.stop(timeout);
                }
            };
            fakes.put(id, f);
        }
        Resources resources = new Resources(PostgresClone.DEFAULT, List.of(exec("ip1"), exec("app")),
                List.of(new io.pgpacer.core.resource.Group("grp", List.of("ip1", "app"), null)), List.of());
        assertTrue(store.submit(new ReplaceResources(store.cib.configEpoch(), resources, "test"), Duration.ZERO)
                .applied());
        place(Map.of("ip1", "n1", "app", "n1"));
        passes(4);
        assertEquals(List.of("start ip1", "start app"), calls);
        calls.clear();
        store.submit(new RestartResource("grp", null), Duration.ZERO);
        passes(5);
        assertEquals(List.of("stop app", "stop ip1", "start ip1", "start app"), calls);
        passes(3);
        assertEquals(4, calls.size(), "once");
    }
}
