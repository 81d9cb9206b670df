package io.pgpacer.core.resource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies a {@link ResourceEdit} to {@link Resources}. Pure; each refusal is an {@link IllegalArgumentException}
 * whose message names what is wrong and how to fix it. The result still has to pass {@link Resources#problems}, which
 * the store checks again when it applies the change.
 */
public final class ResourceEdits {

    /** New resources and one sentence that says what changed. */
    public record Result(Resources resources, String change) {
    }

    private ResourceEdits() {
    }

    /**
     * @param dataNodes the cluster's data nodes, which ban, move and clear may name
     * @throws IllegalArgumentException naming the unknown resource, node or constraint, or the invalid change
     */
    public static Result apply(Resources resources, ResourceEdit edit, List<String> dataNodes) {
        Result result;
        if (edit instanceof ResourceEdit.Create c) {
            result = create(resources, c);
        } else if (edit instanceof ResourceEdit.Delete c) {
            result = delete(resources, c);
        } else if (edit instanceof ResourceEdit.Update c) {
            result = update(resources, c);
        } else if (edit instanceof ResourceEdit.SetMeta c) {
            result = setMeta(resources, c);
        } else if (edit instanceof ResourceEdit.AddConstraint c) {
            result = addConstraint(resources, c.constraint());
        } else if (edit instanceof ResourceEdit.RemoveConstraint c) {
            Constraint gone = resources.constraint(c.id()).orElseThrow(() -> new IllegalArgumentException(
                    "unknown constraint '" + c.id() + "'; constraints are "
                            + resources.constraints().stream().map(Constraint::id).toList()));
            result = new Result(resources.withoutConstraints(x -> x.id().equals(c.id())), "removed constraint "
                    + gone.render());
        } else if (edit instanceof ResourceEdit.Ban c) {
            result = ban(resources, c, dataNodes);
        } else if (edit instanceof ResourceEdit.Move c) {
            result = move(resources, c, dataNodes);
        } else if (edit instanceof ResourceEdit.Clear c) {
            result = clear(resources, c, dataNodes);
        } else {
            throw new IllegalArgumentException("unknown change " + edit);
        }
        List<String> problems = result.resources().problems(dataNodes);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return result;
    }

    private static Result create(Resources resources, ResourceEdit.Create c) {
        if (c.id() != null && resources.exists(c.id())) {
            throw new IllegalArgumentException("resource id '" + c.id() + "' is already in use; choose another id or"
                    + " delete the resource first");
        }
        ResourceKind kind = ResourceKind.parse(c.type());
        if (c.group() != null && resources.primitive(c.group()).isPresent()) {
            throw new IllegalArgumentException("'" + c.group() + "' is a primitive resource, not a group");
        }
        Primitive primitive = new Primitive(c.id(), kind, c.params(), c.operations(),
                new ResourceMeta(!c.disabled(), true, c.migrationThreshold()));
        return new Result(resources.withPrimitive(primitive, c.group()), "created " + c.id() + " ("
                + kind.agent() + ")" + (c.group() == null ? "" : " in group " + c.group())
                + (c.disabled() ? ", disabled" : ""));
    }

    private static Result delete(Resources resources, ResourceEdit.Delete c) {
        if (PostgresClone.ID.equals(c.id())) {
            throw new IllegalArgumentException(PostgresClone.ID + " is PostgreSQL itself and cannot be deleted; 'pgpacer"
                    + " resource disable " + PostgresClone.ID + "' stops it on every node");
        }
        requireExisting(resources, c.id());
        List<String> constraints = resources.constraints().stream()
                .filter(x -> x.resources().contains(c.id()) || resources.group(c.id())
                        .map(g -> x.resources().stream().anyMatch(g.members()::contains)).orElse(false))
                .map(Constraint::id).toList();
        Resources next = resources.without(c.id());
        return new Result(next, "deleted " + c.id() + (resources.group(c.id()).isPresent()
                ? " and its members " + resources.group(c.id()).get().members() : "")
                + (constraints.isEmpty() ? "" : "; removed the constraints that named it: " + constraints));
    }

    private static Result update(Resources resources, ResourceEdit.Update c) {
        requireExisting(resources, c.id());
        if (PostgresClone.ID.equals(c.id())) {
            if (!c.params().isEmpty() || c.migrationThreshold() != null) {
                throw new IllegalArgumentException(PostgresClone.ID + "'s parameters (replication mode, user,"
                        + " connection options) come from the agents' configuration file, and its migration-threshold"
                        + " from the cluster property; only its operations are updated here");
            }
            PostgresClone clone = resources.postgres();
            PostgresClone next = new PostgresClone(mergeOperations(clone.operations(), c.operations()), clone.meta());
            return new Result(new Resources(next, resources.primitives(), resources.groups(),
                    resources.constraints()), "updated " + PostgresClone.ID + " operations");
        }
        Primitive primitive = resources.primitive(c.id()).orElseThrow(() -> new IllegalArgumentException("'" + c.id()
                + "' is a group; update its members"));
        Map<String, String> params = new LinkedHashMap<>(primitive.params());
        c.params().forEach((name, value) -> {
            if (value == null || value.isEmpty()) {
                params.remove(name);
            } else {
                params.put(name, value);
            }
        });
        ResourceMeta meta = c.migrationThreshold() == null ? primitive.meta()
                : new ResourceMeta(primitive.meta().enabled(), primitive.meta().managed(), c.migrationThreshold());
        Primitive next = new Primitive(primitive.id(), primitive.kind(), params,
                mergeOperations(primitive.operations(), c.operations()), meta);
        List<Primitive> primitives = resources.primitives().stream().map(p -> p.id().equals(c.id()) ? next : p)
                .toList();
        return new Result(new Resources(resources.postgres(), primitives, resources.groups(), resources.constraints()),
                "updated " + c.id());
    }

    private static List<Operation> mergeOperations(List<Operation> current, List<Operation> changes) {
        List<Operation> merged = new ArrayList<>(current);
        for (Operation change : changes) {
            merged.removeIf(o -> o.name().equals(change.name()) && java.util.Objects.equals(o.role(), change.role()));
            merged.add(change);
        }
        return merged;
    }

    private static Result setMeta(Resources resources, ResourceEdit.SetMeta c) {
        ResourceMeta meta = requireExisting(resources, c.id());
        ResourceMeta next = meta;
        List<String> said = new ArrayList<>();
        if (c.enabled() != null) {
            next = next.withEnabled(c.enabled());
            said.add(c.enabled() ? "enabled" : "disabled");
        }
        if (c.managed() != null) {
            next = next.withManaged(c.managed());
            said.add(c.managed() ? "managed" : "unmanaged");
        }
        return new Result(resources.withMeta(c.id(), next), c.id() + " " + String.join(", ", said)
                + (next.equals(meta) ? " (it already was)" : ""));
    }

    private static Result addConstraint(Resources resources, Constraint constraint) {
        for (String resource : constraint.resources()) {
            if (resource == null || !resources.exists(resource)) {
                throw new IllegalArgumentException("the constraint names the missing resource '" + resource
                        + "'; resources are " + resources.ids());
            }
        }
        Constraint named = constraint.id() != null ? constraint : withGeneratedId(resources, constraint);
        return new Result(resources.withConstraint(named), "added constraint " + named.render());
    }

    /** {@code resources} with {@code constraint} added under the id pcs would give it. */
    public static Resources withConstraintNamed(Resources resources, Constraint constraint) {
        return resources.withConstraint(withGeneratedId(resources, constraint));
    }

    // The ids pcs generates: colocation-A-B-INFINITY, order-A-B-mandatory, location-A-NODE-SCORE; made unique.
    private static Constraint withGeneratedId(Resources resources, Constraint c) {
        String base;
        if (c instanceof Constraint.Colocation col) {
            base = "colocation-" + col.resource() + "-" + col.withResource() + "-" + Score.render(col.score());
            return new Constraint.Colocation(unique(resources, base), col.resource(), col.withResource(),
                    col.withRole(), col.score());
        } else if (c instanceof Constraint.Ordering order) {
            base = "order-" + order.first() + "-" + order.then() + "-mandatory";
            return new Constraint.Ordering(unique(resources, base), order.firstAction(), order.first(),
                    order.thenAction(), order.then());
        }
        Constraint.Location loc = (Constraint.Location) c;
        base = "location-" + loc.resource() + "-" + loc.node() + "-" + Score.render(loc.score());
        return new Constraint.Location(unique(resources, base), loc.resource(), loc.node(), loc.score(), loc.origin());
    }

    private static String unique(Resources resources, String base) {
        String id = base;
        for (int i = 1; resources.exists(id) || resources.constraint(id).isPresent(); i++) {
            id = base + "-" + i;
        }
        return id;
    }

    private static Result ban(Resources resources, ResourceEdit.Ban c, List<String> dataNodes) {
        requireExisting(resources, c.id());
        requireNode(c.node(), dataNodes);
        String id = "cli-ban-" + c.id() + "-on-" + c.node();
        if (resources.constraint(id).isPresent()) {
            return new Result(resources, c.id() + " is already banned from " + c.node());
        }
        Resources next = resources.withConstraint(new Constraint.Location(id, c.id(), c.node(), Score.MINUS_INFINITY,
                Constraint.Location.BAN));
        return new Result(next, c.id() + " banned from " + c.node() + " (constraint " + id + "; 'pgpacer resource"
                + " clear " + c.id() + "' removes it)");
    }

    private static Result move(Resources resources, ResourceEdit.Move c, List<String> dataNodes) {
        requireExisting(resources, c.id());
        requireNode(c.node(), dataNodes);
        if (PostgresClone.ID.equals(c.id())) {
            throw new IllegalArgumentException("the primary of " + PostgresClone.ID + " moves by a switchover: 'pgpacer"
                    + " switchover --to " + c.node() + "'");
        }
        String id = "cli-prefer-" + c.id();
        Resources next = resources.withoutConstraints(x -> x.id().equals(id)).withConstraint(
                new Constraint.Location(id, c.id(), c.node(), Score.INFINITY, Constraint.Location.MOVE));
        return new Result(next, c.id() + " moves to " + c.node() + " (constraint " + id + "; 'pgpacer resource clear "
                + c.id() + "' removes it)");
    }

    private static Result clear(Resources resources, ResourceEdit.Clear c, List<String> dataNodes) {
        requireExisting(resources, c.id());
        if (c.node() != null) {
            requireNode(c.node(), dataNodes);
        }
        List<String> removed = resources.constraints().stream()
                .filter(x -> x instanceof Constraint.Location l && l.resource().equals(c.id())
                        && !Constraint.Location.USER.equals(l.origin()) && (c.node() == null || c.node().equals(l.node())))
                .map(Constraint::id).toList();
        return new Result(resources.withoutConstraints(x -> removed.contains(x.id())), removed.isEmpty()
                ? "no move or ban constraint of " + c.id() + (c.node() == null ? "" : " on " + c.node())
                : "removed " + String.join(", ", removed));
    }

    private static ResourceMeta requireExisting(Resources resources, String id) {
        Optional<ResourceMeta> meta = resources.meta(id);
        return meta.orElseThrow(() -> new IllegalArgumentException(resources.unknown(id)));
    }

    private static void requireNode(String node, List<String> dataNodes) {
        if (node == null || !dataNodes.contains(node)) {
            throw new IllegalArgumentException("unknown data node '" + node + "'; data nodes are " + dataNodes);
        }
    }
}
