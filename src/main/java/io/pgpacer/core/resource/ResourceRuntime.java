package io.pgpacer.core.resource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The status part of the resources: where the controller placed each primitive, their fail-counts and the
 * restarts operators asked for.
 *
 * @param version grows with every change of placement; the controller's decisions compare-and-set it
 * @param placement primitive id to the node that should run it; a primitive not listed runs nowhere
 * @param restarts resource id to a number an operator raised ({@code pgpacer resource restart}); an agent that
 *     runs the resource and saw a lower number restarts it once
 */
public record ResourceRuntime(long version, Map<String, String> placement, List<ResourceFailCount> failCounts,
        Map<String, Long> restarts) {

    public static final ResourceRuntime EMPTY = new ResourceRuntime(0, Map.of(), List.of(), Map.of());

    public ResourceRuntime {
        placement = Collections.unmodifiableMap(new LinkedHashMap<>(placement == null ? Map.of() : placement));
        failCounts = failCounts == null ? List.of() : List.copyOf(failCounts);
        restarts = Collections.unmodifiableMap(new LinkedHashMap<>(restarts == null ? Map.of() : restarts));
    }

    public Optional<String> nodeOf(String resource) {
        return Optional.ofNullable(placement.get(resource));
    }

    public ResourceFailCount failCount(String resource, String node) {
        return failCounts.stream().filter(f -> f.resource().equals(resource) && f.node().equals(node)).findFirst()
                .orElse(new ResourceFailCount(resource, node, 0, null));
    }

    /** The key of {@link #restarts()} for a restart of {@code resource} on {@code node} (null: wherever it runs). */
    public static String restartKey(String resource, String node) {
        return node == null ? resource : resource + "@" + node;
    }

    public long restartNumber(String resource) {
        return restarts.getOrDefault(resource, 0L);
    }

    /** This runtime with {@code changes} applied (a null node removes the placement) and the version raised. */
    public ResourceRuntime placed(Map<String, String> changes) {
        Map<String, String> next = new LinkedHashMap<>(placement);
        changes.forEach((resource, node) -> {
            if (node == null) {
                next.remove(resource);
            } else {
                next.put(resource, node);
            }
        });
        return new ResourceRuntime(version + 1, next, failCounts, restarts);
    }

    /** This runtime with {@code count} in place of the resource's count on its node (removed when 0). */
    public ResourceRuntime withFailCount(ResourceFailCount count) {
        List<ResourceFailCount> next = new ArrayList<>(failCounts.stream()
                .filter(f -> !(f.resource().equals(count.resource()) && f.node().equals(count.node()))).toList());
        if (count.count() > 0) {
            next.add(count);
        }
        return new ResourceRuntime(version, placement, next, restarts);
    }

    public ResourceRuntime withFailCounts(List<ResourceFailCount> counts) {
        return new ResourceRuntime(version, placement, counts, restarts);
    }

    public ResourceRuntime withRestart(String resource) {
        Map<String, Long> next = new LinkedHashMap<>(restarts);
        next.put(resource, restartNumber(resource) + 1);
        return new ResourceRuntime(version, placement, failCounts, next);
    }

    /** This runtime without anything about {@code resource} (deleted). */
    public ResourceRuntime without(String resource) {
        Map<String, String> nextPlacement = new LinkedHashMap<>(placement);
        nextPlacement.remove(resource);
        Map<String, Long> nextRestarts = new LinkedHashMap<>(restarts);
        nextRestarts.remove(resource);
        return new ResourceRuntime(version + 1, nextPlacement,
                failCounts.stream().filter(f -> !f.resource().equals(resource)).toList(), nextRestarts);
    }
}
