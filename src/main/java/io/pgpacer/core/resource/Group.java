package io.pgpacer.core.resource;

import java.util.List;

/**
 * A resource group: its members run on the same node, start in order and stop in reverse order
 * ({@code pcs resource group add master-group vip-master}).
 */
public record Group(String id, List<String> members, ResourceMeta meta) {

    public Group {
        members = members == null ? List.of() : List.copyOf(members);
        meta = meta == null ? ResourceMeta.DEFAULT : meta;
    }

    public Group withMembers(List<String> newMembers) {
        return new Group(id, newMembers, meta);
    }

    public Group withMeta(ResourceMeta newMeta) {
        return new Group(id, members, newMeta);
    }
}
