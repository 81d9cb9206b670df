package io.pgpacer.core.command;

import static io.pgpacer.core.command.Outcome.accept;
import static io.pgpacer.core.command.Outcome.refuse;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterProperty;
import io.pgpacer.core.cib.FailCount;
import io.pgpacer.core.cib.Maintenance;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.command.StoreCommand.ExpireFailCount;
import io.pgpacer.core.command.StoreCommand.ReplaceConfiguration;
import io.pgpacer.core.command.StoreCommand.SetProperties;
import io.pgpacer.core.command.StoreCommand.SetStandby;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The operator's configuration commands of {@link CibReducer}: cluster properties, node standby and the
 * replacement of the whole configuration part. Each validates everything first and changes all or nothing;
 * a refusal names every problem, each with the property or key, the bad value and the accepted values.
 */
final class ConfigurationReducer {

    private ConfigurationReducer() {
    }

    static Outcome setProperties(Cib cib, SetProperties c) {
        if (c.values().isEmpty()) {
            return refuse(cib, "no property given; properties are " + ClusterProperty.names());
        }
        List<String> problems = new ArrayList<>();
        Cib next = cib;
        List<String> changes = new ArrayList<>();
        for (Map.Entry<String, String> e : c.values().entrySet()) {
            try {
                ClusterProperty property = ClusterProperty.named(e.getKey());
                String value = e.getValue() == null ? property.defaultValue() : property.parse(e.getValue());
                next = property.set(next, value);
                changes.add(property.propertyName() + "=" + value + (e.getValue() == null ? " (default)" : ""));
            } catch (IllegalArgumentException ex) {
                problems.add(problem(e.getKey(), ex));
            }
        }
        if (!problems.isEmpty()) {
            return refuse(cib, String.join("; ", problems) + "; nothing was changed");
        }
        return accept(next, "properties set: " + String.join(", ", changes));
    }

    static Outcome setStandby(Cib cib, SetStandby c) {
        if (cib.node(c.node()).filter(NodeSpec::holdsData).isEmpty()) {
            return refuse(cib, unknownDataNode(cib, c.node()));
        }
        List<String> next = new ArrayList<>(cib.standby());
        next.remove(c.node());
        if (c.on()) {
            next.add(c.node());
        }
        return accept(cib.withStandby(next), c.on()
                ? c.node() + " is in standby: it runs no resources (the primary moves away first)"
                : c.node() + " left standby: it runs as a standby of the primary again");
    }

    static Outcome replace(Cib cib, ReplaceConfiguration c) {
        if (c.expectedConfigEpoch() != cib.configEpoch()) {
            return refuse(cib, "the configuration changed since it was queried (epoch " + cib.configEpoch()
                    + ", the document says " + c.expectedConfigEpoch() + "); query it again and redo the change");
        }
        List<String> problems = new ArrayList<>();
        Cib next = cib;
        for (String name : c.properties().keySet()) {
            try {
                ClusterProperty.named(name);
            } catch (IllegalArgumentException e) {
                problems.add(problem(name, e));
            }
        }
        for (ClusterProperty property : ClusterProperty.values()) {
            String raw = c.properties().get(property.propertyName());
            try {
                next = property.set(next, raw == null ? property.defaultValue() : raw);
            } catch (IllegalArgumentException e) {
                problems.add(problem(property.propertyName(), e));
            }
        }
        List<String> maintenance = Objects.requireNonNullElse(c.maintenanceNodes(), List.of());
        List<String> standby = Objects.requireNonNullElse(c.standbyNodes(), List.of());
        for (String node : maintenance) {
            if (cib.node(node).isEmpty()) {
                problems.add("key 'maintenance-nodes': unknown node '" + node + "'; configured nodes are "
                        + cib.nodes().stream().map(NodeSpec::name).toList());
            }
        }
        for (String node : standby) {
            if (cib.node(node).filter(NodeSpec::holdsData).isEmpty()) {
                problems.add("key 'standby-nodes': " + unknownDataNode(cib, node));
            }
        }
        // why null keeps them: a document saved before resources were part of it still replaces the rest.
        if (c.resources() != null) {
            problems.addAll(ResourceReducer.problems(cib, c.resources()));
        }
        if (!problems.isEmpty()) {
            return refuse(cib, String.join("; ", problems) + "; nothing was changed");
        }
        next = next.withMaintenance(new Maintenance(next.maintenance().cluster(), maintenance)).withStandby(standby);
        if (c.resources() != null) {
            next = ResourceReducer.withResources(next, c.resources());
        }
        return accept(next, next.sameConfiguration(cib) ? "configuration unchanged" : "configuration replaced");
    }

    static Outcome expireFailCount(Cib cib, ExpireFailCount c) {
        FailCount current = cib.failCount(c.node());
        if (current.count() != c.count() || !Objects.equals(current.lastFailureAt(), c.lastFailureAt())) {
            return refuse(cib, c.node() + "'s fail-count changed since it was judged expired");
        }
        return accept(cib.withFailCount(c.node(), FailCount.NONE), c.node() + "'s fail-count " + c.count()
                + " expired (failure-timeout " + ClusterProperty.FAILURE_TIMEOUT.value(cib) + ")");
    }

    private static String problem(String name, IllegalArgumentException e) {
        return e.getMessage().startsWith("unknown property") ? e.getMessage()
                : "property '" + name + "': " + e.getMessage();
    }

    private static String unknownDataNode(Cib cib, String node) {
        if (cib.node(node).isPresent()) {
            return node + " is a witness and runs no resources";
        }
        return "unknown data node '" + node + "'; data nodes are " + cib.dataNodes().stream().map(NodeSpec::name)
                .toList();
    }
}
