package io.pgpacer.core.status;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.resource.Group;
import io.pgpacer.core.resource.Primitive;
import io.pgpacer.core.resource.ResourceMeta;
import io.pgpacer.core.resource.ResourceState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * One primitive resource as {@code crm_mon} lists it: {@code pgbouncer (pgpacer:exec): Started node1}.
 *
 * @param group the group it belongs to, or null
 * @param running the online nodes that report it started
 * @param placedOn where the controller placed it, or null
 * @param failedOn nodes that report its last operation failed or blocked
 */
public record ResourceStatus(String id, String agent, String group, List<String> running, String placedOn,
        List<String> failedOn, boolean enabled, boolean managed) {

    public ResourceStatus {
        running = List.copyOf(running);
        failedOn = List.copyOf(failedOn);
    }

    /** Every primitive in {@code cib}, grouped ones in their group's order, each after the ones before it. */
    static List<ResourceStatus> of(Cib cib, Predicate<String> online) {
        List<Primitive> ordered = new ArrayList<>();
        for (Primitive p : cib.resources().primitives()) {
            if (cib.resources().groupOf(p.id()).isEmpty()) {
                ordered.add(p);
            }
        }
        for (Group g : cib.resources().groups()) {
            g.members().forEach(m -> cib.resources().primitive(m).ifPresent(ordered::add));
        }
        List<ResourceStatus> statuses = new ArrayList<>();
        for (Primitive p : ordered) {
            List<String> running = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (NodeReport report : cib.reports().values()) {
                ResourceState state = report.resources().get(p.id());
                if (state == null) {
                    continue;
                }
                if (state.started() && online.test(report.node())) {
                    running.add(report.node());
                } else if (ResourceState.FAILED.equals(state.state()) || ResourceState.BLOCKED.equals(state.state())) {
                    failed.add(report.node() + (ResourceState.BLOCKED.equals(state.state()) ? " (blocked)" : ""));
                }
            }
            ResourceMeta meta = cib.resources().effectiveMeta(p.id());
            statuses.add(new ResourceStatus(p.id(), p.kind().agent(), cib.resources().groupOf(p.id()).map(Group::id)
                    .orElse(null), running, cib.resourceRuntime().nodeOf(p.id()).orElse(null), failed, meta.enabled(),
                    meta.managed()));
        }
        return statuses;
    }

    /** {@code Started node1}, {@code Stopped (disabled)}, {@code FAILED node2 (blocked)}, {@code Starting node3}. */
    public String describe() {
        String state;
        if (running.size() == 1) {
            state = "Started " + running.get(0);
        } else if (running.size() > 1) {
            state = "Started [ " + String.join(" ", running) + " ] (on more than one node)";
        } else if (!failedOn.isEmpty()) {
            state = "FAILED " + String.join(" ", failedOn);
        } else if (placedOn != null && enabled) {
            state = "Starting " + placedOn;
        } else {
            state = "Stopped";
        }
        return state + (enabled ? "" : " (disabled)") + (managed ? "" : " (unmanaged)");
    }
}
