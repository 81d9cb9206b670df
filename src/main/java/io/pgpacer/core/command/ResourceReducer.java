package io.pgpacer.core.command;

import static io.pgpacer.core.command.Outcome.accept;
import static io.pgpacer.core.command.Outcome.refuse;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.FailCount;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.command.StoreCommand.CleanupResource;
import io.pgpacer.core.command.StoreCommand.ExpireResourceFailCount;
import io.pgpacer.core.command.StoreCommand.PlaceResources;
import io.pgpacer.core.command.StoreCommand.ReplaceResources;
import io.pgpacer.core.command.StoreCommand.ReportResourceFailure;
import io.pgpacer.core.command.StoreCommand.RestartResource;
import io.pgpacer.core.resource.PostgresClone;
import io.pgpacer.core.resource.Primitive;
import io.pgpacer.core.resource.ResourceFailCount;
import io.pgpacer.core.resource.ResourceRuntime;
import io.pgpacer.core.resource.Resources;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The resource commands of {@link CibReducer}: operators' changes of resources and constraints, the controller's
 * placement, and the agents' failure reports. A change of configuration is validated as a whole and applied all or
 * nothing.
 */
final class ResourceReducer {

    private ResourceReducer() {
    }

    static Outcome replace(Cib cib, ReplaceResources c) {
        if (c.expectedConfigEpoch() != cib.configEpoch()) {
            return refuse(cib, "the configuration changed meanwhile (epoch " + cib.configEpoch() + ", the change was"
                    + " made against " + c.expectedConfigEpoch() + "); nothing was changed, try again");
        }
        List<String> problems = problems(cib, c.resources());
        if (!problems.isEmpty()) {
            return refuse(cib, String.join("; ", problems) + "; nothing was changed");
        }
        return accept(withResources(cib, c.resources()), c.change() == null ? "resources changed" : c.change());
    }

    /** Everything wrong with {@code resources} in {@code cib}'s cluster; empty when they are valid. */
    static List<String> problems(Cib cib, Resources resources) {
        if (resources == null) {
            return List.of("no resources given");
        }
        return resources.problems(cib.dataNodes().stream().map(NodeSpec::name).toList());
    }

    /** {@code cib} with {@code resources}, and without the placement, fail-counts and restarts of deleted ones. */
    static Cib withResources(Cib cib, Resources resources) {
        ResourceRuntime runtime = cib.resourceRuntime();
        for (Primitive gone : cib.resources().primitives()) {
            if (resources.primitive(gone.id()).isEmpty()) {
                runtime = runtime.without(gone.id());
            }
        }
        return cib.withResources(resources).withResourceRuntime(runtime);
    }

    static Outcome place(Cib cib, PlaceResources c) {
        ResourceRuntime runtime = cib.resourceRuntime();
        if (c.expectedVersion() != runtime.version()) {
            return refuse(cib, "resource placement changed meanwhile (version " + runtime.version() + ", expected "
                    + c.expectedVersion() + ")");
        }
        for (Map.Entry<String, String> e : c.placement().entrySet()) {
            if (cib.resources().primitive(e.getKey()).isEmpty()) {
                return refuse(cib, "unknown primitive resource '" + e.getKey() + "'");
            }
            if (e.getValue() != null && cib.node(e.getValue()).filter(NodeSpec::holdsData).isEmpty()) {
                return refuse(cib, "unknown data node '" + e.getValue() + "' for " + e.getKey());
            }
        }
        return accept(cib.withResourceRuntime(runtime.placed(c.placement())), "placed " + c.placement());
    }

    static Outcome reportFailure(Cib cib, ReportResourceFailure c) {
        if (cib.node(c.node()).isEmpty()) {
            return refuse(cib, "unknown node '" + c.node() + "'");
        }
        if (cib.resources().primitive(c.resource()).isEmpty()) {
            return refuse(cib, "unknown primitive resource '" + c.resource() + "'");
        }
        ResourceFailCount before = cib.resourceRuntime().failCount(c.resource(), c.node());
        ResourceFailCount after = new ResourceFailCount(c.resource(), c.node(), before.count() + 1, c.at());
        List<FailedAction> actions = new ArrayList<>(cib.failedActions());
        actions.add(new FailedAction(c.node(), c.operation(), c.rc(), c.exitReason(), c.at(), c.resource()));
        return accept(cib.withResourceRuntime(cib.resourceRuntime().withFailCount(after)).withFailedActions(actions),
                c.resource() + " fail-count on " + c.node() + ": " + after.count());
    }

    static Outcome cleanup(Cib cib, CleanupResource c) {
        if (c.node() != null && cib.node(c.node()).isEmpty()) {
            return refuse(cib, "unknown node '" + c.node() + "'; configured nodes are "
                    + cib.nodes().stream().map(NodeSpec::name).toList());
        }
        if (c.resource() != null && !cib.resources().exists(c.resource())) {
            return refuse(cib, cib.resources().unknown(c.resource()));
        }
        List<String> primitives = c.resource() == null ? cib.resources().primitives().stream().map(Primitive::id)
                .toList() : cib.resources().group(c.resource()).map(g -> g.members()).orElse(List.of(c.resource()));
        boolean postgres = c.resource() == null || PostgresClone.ID.equals(c.resource());
        Cib next = cib;
        if (postgres) {
            for (NodeSpec node : cib.nodes()) {
                if (c.node() == null || c.node().equals(node.name())) {
                    next = next.withFailCount(node.name(), FailCount.NONE);
                }
            }
        }
        List<ResourceFailCount> counts = cib.resourceRuntime().failCounts().stream()
                .filter(f -> !(primitives.contains(f.resource()) && matches(c.node(), f.node()))).toList();
        List<FailedAction> kept = cib.failedActions().stream().filter(a -> !(matches(c.node(), a.node())
                && (a.resource() == null ? postgres : primitives.contains(a.resource())))).toList();
        return accept(next.withResourceRuntime(cib.resourceRuntime().withFailCounts(counts)).withFailedActions(kept),
                "cleaned up " + (c.resource() == null ? "all resources" : c.resource()) + " on "
                        + (c.node() == null ? "all nodes" : c.node()));
    }

    static Outcome expireFailCount(Cib cib, ExpireResourceFailCount c) {
        ResourceFailCount current = cib.resourceRuntime().failCount(c.resource(), c.node());
        if (current.count() != c.count() || !Objects.equals(current.lastFailureAt(), c.lastFailureAt())) {
            return refuse(cib, c.resource() + "'s fail-count on " + c.node() + " changed since it was judged expired");
        }
        return accept(cib.withResourceRuntime(cib.resourceRuntime().withFailCount(
                new ResourceFailCount(c.resource(), c.node(), 0, null))), c.resource() + "'s fail-count on "
                        + c.node() + " expired");
    }

    static Outcome restart(Cib cib, RestartResource c) {
        if (!cib.resources().exists(c.resource())) {
            return refuse(cib, cib.resources().unknown(c.resource()));
        }
        if (c.node() != null && cib.node(c.node()).filter(NodeSpec::holdsData).isEmpty()) {
            return refuse(cib, "unknown data node '" + c.node() + "'; data nodes are "
                    + cib.dataNodes().stream().map(NodeSpec::name).toList());
        }
        return accept(cib.withResourceRuntime(cib.resourceRuntime().withRestart(ResourceRuntime.restartKey(c.resource(),
                c.node()))),
                "restart of " + c.resource() + " requested on " + (c.node() == null ? "every node it runs on"
                        : c.node()));
    }

    private static boolean matches(String wanted, String node) {
        return wanted == null || wanted.equals(node);
    }
}
