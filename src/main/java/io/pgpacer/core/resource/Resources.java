package io.pgpacer.core.resource;

import io.pgpacer.core.model.Hint;
import io.pgpacer.core.model.Durations;
import io.pgpacer.core.model.VipAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The configured resources and constraints: the PostgreSQL clone, the operator's primitives and groups, and the
 * constraints between them. Immutable; {@link #problems(List)} is the one validation that every way of changing
 * them goes through.
 */
public record Resources(PostgresClone postgres, List<Primitive> primitives, List<Group> groups,
        List<Constraint> constraints) {

    public static final Resources EMPTY = new Resources(PostgresClone.DEFAULT, List.of(), List.of(), List.of());

    private static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
    private static final Pattern OS_USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
    /** The same bound as the cluster property {@code migration-threshold}: a resource's own threshold means the same. */
    private static final int MAX_MIGRATION_THRESHOLD = 1_000_000;
    /** The longest monitor interval or operation timeout: a day. */
    private static final long LONGEST_OPERATION_MILLIS = 24 * 3_600_000L;
    private static final String ID_RULE = "an id starts with a letter and has at most 64 letters, digits, '_', '.'"
            + " and '-'";

    public Resources {
        postgres = postgres == null ? PostgresClone.DEFAULT : postgres;
        primitives = primitives == null ? List.of() : List.copyOf(primitives);
        groups = groups == null ? List.of() : List.copyOf(groups);
        constraints = constraints == null ? List.of() : List.copyOf(constraints);
    }

    public Optional<Primitive> primitive(String id) {
        return primitives.stream().filter(p -> p.id().equals(id)).findFirst();
    }

    public Optional<Group> group(String id) {
        return groups.stream().filter(g -> g.id().equals(id)).findFirst();
    }

    /** The group {@code primitive} belongs to, if any. */
    public Optional<Group> groupOf(String primitive) {
        return groups.stream().filter(g -> g.members().contains(primitive)).findFirst();
    }

    /** Whether {@code id} names the PostgreSQL clone, a primitive or a group. */
    public boolean exists(String id) {
        return PostgresClone.ID.equals(id) || primitive(id).isPresent() || group(id).isPresent();
    }

    /** Every resource id: the clone, then the primitives and the groups in the order they were created. */
    public List<String> ids() {
        return Stream.of(Stream.of(PostgresClone.ID), primitives.stream().map(Primitive::id),
                groups.stream().map(Group::id)).flatMap(s -> s).toList();
    }

    /** The refusal for an id that names no resource here, with the ids that do. */
    public String unknown(String id) {
        return "unknown resource '" + id + "'; resources are " + ids();
    }

    public Optional<Constraint> constraint(String id) {
        return constraints.stream().filter(c -> c.id().equals(id)).findFirst();
    }

    /** The meta attributes of the clone, a primitive or a group. */
    public Optional<ResourceMeta> meta(String id) {
        if (PostgresClone.ID.equals(id)) {
            return Optional.of(postgres.meta());
        }
        return primitive(id).map(Primitive::meta).or(() -> group(id).map(Group::meta));
    }

    /**
     * The meta attributes that apply to {@code primitive}: a group's disable or unmanage covers its members
     * ({@code enabled} and {@code managed} are each the conjunction of the two).
     */
    public ResourceMeta effectiveMeta(String primitive) {
        ResourceMeta own = meta(primitive).orElse(ResourceMeta.DEFAULT);
        return groupOf(primitive).map(Group::meta)
                .map(g -> new ResourceMeta(own.enabled() && g.enabled(), own.managed() && g.managed(),
                        own.migrationThreshold()))
                .orElse(own);
    }

    /** These resources with {@code primitive} added, at the end of {@code group} when given (created if new). */
    public Resources withPrimitive(Primitive primitive, String group) {
        List<Primitive> nextPrimitives = new ArrayList<>(primitives);
        nextPrimitives.add(primitive);
        return new Resources(postgres, nextPrimitives, group == null ? groups : withMember(group, primitive.id()),
                constraints);
    }

    private List<Group> withMember(String group, String member) {
        List<Group> next = new ArrayList<>();
        boolean found = false;
        for (Group g : groups) {
            if (g.id().equals(group)) {
                List<String> members = new ArrayList<>(g.members());
                members.add(member);
                next.add(g.withMembers(members));
                found = true;
            } else {
                next.add(g);
            }
        }
        if (!found) {
            next.add(new Group(group, List.of(member), ResourceMeta.DEFAULT));
        }
        return next;
    }

    /**
     * These resources without {@code id} (a primitive or a group) and without every constraint that names it; a
     * group left empty goes too, as pcs removes it. Deleting a group deletes its members.
     */
    public Resources without(String id) {
        Set<String> gone = new HashSet<>();
        gone.add(id);
        group(id).ifPresent(g -> gone.addAll(g.members()));
        List<Group> nextGroups = new ArrayList<>();
        for (Group g : groups) {
            if (gone.contains(g.id())) {
                continue;
            }
            List<String> members = g.members().stream().filter(m -> !gone.contains(m)).toList();
            if (members.isEmpty()) {
                gone.add(g.id());
            } else {
                nextGroups.add(g.withMembers(members));
            }
        }
        return new Resources(postgres, primitives.stream().filter(p -> !gone.contains(p.id())).toList(), nextGroups,
                constraints.stream().filter(c -> c.resources().stream().noneMatch(gone::contains)).toList());
    }

    /** These resources with {@code id}'s meta attributes replaced. */
    public Resources withMeta(String id, ResourceMeta meta) {
        if (PostgresClone.ID.equals(id)) {
            return new Resources(postgres.withMeta(meta), primitives, groups, constraints);
        }
        return new Resources(postgres,
                primitives.stream().map(p -> p.id().equals(id) ? p.withMeta(meta) : p).toList(),
                groups.stream().map(g -> g.id().equals(id) ? g.withMeta(meta) : g).toList(), constraints);
    }

    public Resources withConstraint(Constraint constraint) {
        List<Constraint> next = new ArrayList<>(constraints);
        next.add(constraint);
        return new Resources(postgres, primitives, groups, next);
    }

    public Resources withoutConstraints(java.util.function.Predicate<Constraint> which) {
        return new Resources(postgres, primitives, groups, constraints.stream().filter(which.negate()).toList());
    }

    /**
     * Everything wrong with these resources, each problem naming the resource or constraint, the bad value and the
     * fix; empty when they are valid.
     *
     * @param dataNodes the names of the cluster's data nodes, which location constraints may name
     */
    public List<String> problems(List<String> dataNodes) {
        List<String> problems = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        ids.add(PostgresClone.ID);
        checkClone(problems);
        for (Primitive p : primitives) {
            checkId(problems, ids, "resource", p.id());
            checkPrimitive(problems, p);
        }
        Set<String> grouped = new HashSet<>();
        for (Group g : groups) {
            checkId(problems, ids, "group", g.id());
            if (g.members().isEmpty()) {
                problems.add("group '" + g.id() + "' has no members; add a resource to it or delete it");
            }
            for (String member : g.members()) {
                if (primitive(member).isEmpty()) {
                    problems.add("group '" + g.id() + "': member '" + member + "' is not a primitive resource;"
                            + " primitives are " + primitives.stream().map(Primitive::id).toList());
                } else if (!grouped.add(member)) {
                    problems.add("resource '" + member + "' is in more than one group; a resource belongs to at most"
                            + " one group");
                }
            }
        }
        for (Constraint c : constraints) {
            checkId(problems, ids, "constraint", c.id());
            checkConstraint(problems, c, dataNodes);
        }
        checkLoops(problems);
        return problems;
    }

    private static void checkId(List<String> problems, Set<String> ids, String what, String id) {
        if (id == null || id.isBlank()) {
            problems.add("a " + what + " has no id; give it one (" + ID_RULE + ")");
        } else if (!ID.matcher(id).matches()) {
            problems.add(what + " id '" + id + "' is not valid: " + ID_RULE);
        } else if (!ids.add(id)) {
            problems.add(what + " id '" + id + "' is already in use; ids of resources, groups and constraints are"
                    + " unique");
        }
    }

    private void checkClone(List<String> problems) {
        Set<String> seen = new HashSet<>();
        for (Operation op : postgres.operations()) {
            String where = PostgresClone.ID + " operation '" + op.name() + "'";
            if (!Operation.CLONE_OPERATIONS.contains(op.name())) {
                problems.add(where + " is not an operation of the PostgreSQL clone; its operations are "
                        + Operation.CLONE_OPERATIONS);
                continue;
            }
            if (op.role() != null && !(op.name().equals("monitor")
                    && (op.role().equals(PostgresClone.MASTER) || op.role().equals(PostgresClone.SLAVE)))) {
                problems.add(where + ": role '" + op.role() + "' is not valid; only a monitor takes a role, "
                        + PostgresClone.MASTER + " or " + PostgresClone.SLAVE);
            }
            if (op.onFail() != OnFail.RESTART) {
                // why: PostgreSQL's recovery is pgpacer's own (restart in place with back-off, failover at
                // migration-threshold); another on-fail would fight the fencing and failover logic.
                problems.add(where + ": on-fail '" + op.onFail().text() + "' is not supported for the PostgreSQL"
                        + " clone; it always restarts in place and fails over at migration-threshold (on-fail=restart)");
            }
            checkTiming(problems, where, op);
            if (!seen.add(op.name() + "/" + op.role())) {
                problems.add(where + (op.role() == null ? "" : " role " + op.role()) + " is given twice");
            }
        }
        if (postgres.meta().migrationThreshold() != null) {
            problems.add(PostgresClone.ID + ": set its migration-threshold with the cluster property"
                    + " 'migration-threshold'");
        }
    }

    private static void checkPrimitive(List<String> problems, Primitive p) {
        String where = "resource '" + p.id() + "'";
        if (p.kind() == null) {
            problems.add(where + " has no type; types are ip, exec");
            return;
        }
        for (String name : p.params().keySet()) {
            if (!p.kind().parameters().contains(name)) {
                problems.add(where + ": unknown parameter '" + name + "' for type " + p.kind().text()
                        + "; its parameters are " + p.kind().parameters());
            }
        }
        for (String name : p.kind().required()) {
            if (p.param(name).filter(v -> !v.isBlank()).isEmpty()) {
                problems.add(where + ": parameter '" + name + "' is required for type " + p.kind().text());
            }
        }
        if (p.kind() == ResourceKind.IP && p.param("ip").filter(v -> !v.isBlank()).isPresent()) {
            checkAddress(problems, where, p);
        }
        p.param("user").filter(u -> !OS_USER.matcher(u).matches()).ifPresent(u -> problems.add(where
                + ": parameter 'user' '" + u + "' is not an OS user name (lower-case letters, digits, '_', '-')"));
        Set<String> seen = new HashSet<>();
        for (Operation op : p.operations()) {
            String opWhere = where + " operation '" + op.name() + "'";
            if (!Operation.PRIMITIVE_OPERATIONS.contains(op.name())) {
                problems.add(opWhere + " is not valid; operations of a primitive are "
                        + Operation.PRIMITIVE_OPERATIONS);
                continue;
            }
            if (op.role() != null) {
                problems.add(opWhere + ": role '" + op.role() + "' is only for monitors of " + PostgresClone.ID);
            }
            if (op.onFail() == null) {
                problems.add(opWhere + " has no on-fail; use one of " + OnFail.names());
            }
            checkTiming(problems, opWhere, op);
            if (!seen.add(op.name())) {
                problems.add(opWhere + " is given twice");
            }
        }
        Integer threshold = p.meta().migrationThreshold();
        if (threshold != null && (threshold < 0 || threshold > MAX_MIGRATION_THRESHOLD)) {
            problems.add(where + ": migration-threshold " + threshold + " is out of range; use 0 (never move) to "
                    + MAX_MIGRATION_THRESHOLD);
        }
    }

    private static void checkAddress(List<String> problems, String where, Primitive p) {
        String netmask = p.param("cidr_netmask").orElse("32");
        try {
            int prefix = Integer.parseInt(netmask.trim());
            // why a stand-in interface: the NIC may be left to the agents' virtual-ips.nic; only the address and
            // prefix are checked here.
            new VipAddress(p.param("ip").orElseThrow().trim(), prefix, p.param("nic").orElse("eth0"));
        } catch (NumberFormatException e) {
            problems.add(where + ": cidr_netmask '" + netmask + "' is not a prefix length; write a number such as 24");
        } catch (IllegalArgumentException e) {
            problems.add(where + ": " + e.getMessage());
        }
    }

    private static void checkTiming(List<String> problems, String where, Operation op) {
        if (op.name().equals("monitor") && op.intervalMillis() <= 0) {
            problems.add(where + ": a monitor needs an interval above 0, such as interval=10s");
        }
        if (!op.name().equals("monitor") && op.intervalMillis() != 0) {
            problems.add(where + ": only a monitor repeats; give interval=0 or none");
        }
        if (op.intervalMillis() < 0 || (op.intervalMillis() > 0 && op.intervalMillis() < 100)) {
            problems.add(where + ": interval " + op.intervalMillis() + "ms is too short; use 100ms or more");
        }
        if (op.intervalMillis() > LONGEST_OPERATION_MILLIS) {
            problems.add(where + ": interval " + Durations.render(op.intervalMillis()) + " is too long; use at most "
                    + Durations.render(LONGEST_OPERATION_MILLIS));
        }
        if (op.timeoutMillis() <= 0) {
            problems.add(where + ": timeout must be above 0, such as timeout=20s");
        } else if (op.timeoutMillis() > LONGEST_OPERATION_MILLIS) {
            problems.add(where + ": timeout " + Durations.render(op.timeoutMillis()) + " is too long; use at most "
                    + Durations.render(LONGEST_OPERATION_MILLIS));
        }
    }

    private void checkConstraint(List<String> problems, Constraint c, List<String> dataNodes) {
        String where = "constraint '" + c.id() + "'";
        int score = c instanceof Constraint.Colocation col ? col.score()
                : c instanceof Constraint.Location loc ? loc.score() : 0;
        if (score > Score.INFINITY || score < Score.MINUS_INFINITY) {
            problems.add(where + ": score " + score + " is out of range; use -INFINITY..INFINITY (INFINITY is "
                    + Score.INFINITY + ")");
        }
        for (String resource : c.resources()) {
            if (resource == null || !exists(resource)) {
                problems.add(where + " names the missing resource '" + resource + "'; resources are " + ids());
                return;
            }
            Optional<Group> group = groupOf(resource);
            if (group.isPresent()) {
                problems.add(where + " names '" + resource + "', a member of group '" + group.get().id()
                        + "'; constrain the group instead");
                return;
            }
        }
        if (c instanceof Constraint.Colocation col) {
            if (col.resource().equals(col.withResource())) {
                problems.add(where + ": a resource cannot be colocated with itself");
            }
            if (col.resource().equals(PostgresClone.ID)) {
                problems.add(where + ": " + PostgresClone.ID + " runs on every data node and its primary is elected;"
                        + " colocate other resources with it ('RESOURCE with master " + PostgresClone.ID + "')");
            }
            if (col.withRole() != null && !(col.withResource().equals(PostgresClone.ID)
                    && (col.withRole().equals(PostgresClone.MASTER) || col.withRole().equals(PostgresClone.SLAVE)))) {
                problems.add(where + ": role '" + col.withRole() + "' is only valid with " + PostgresClone.ID
                        + ": master or slave");
            }
        } else if (c instanceof Constraint.Ordering order) {
            if (order.first().equals(order.then())) {
                problems.add(where + ": a resource cannot be ordered after itself");
            }
            checkAction(problems, where, order.firstAction(), order.first());
            checkAction(problems, where, order.thenAction(), order.then());
            if (order.then().equals(PostgresClone.ID)) {
                problems.add(where + ": " + PostgresClone.ID + "'s start and promotion follow the election and the"
                        + " lease, not other resources; order other resources after it instead");
            }
        } else if (c instanceof Constraint.Location loc) {
            if (!dataNodes.contains(loc.node())) {
                problems.add(where + " names the unknown data node '" + loc.node() + "'; data nodes are "
                        + dataNodes);
            }
            if (loc.resource().equals(PostgresClone.ID) && loc.score() != Score.MINUS_INFINITY) {
                problems.add(where + ": " + PostgresClone.ID + " runs on every data node; a location constraint can"
                        + " only keep it off one (score -INFINITY, '" + Hint.ban(PostgresClone.ID, loc.node())
                        + "'); to move the primary use '" + Hint.switchoverTo(loc.node()) + "'");
            }
            if (!List.of(Constraint.Location.USER, Constraint.Location.MOVE, Constraint.Location.BAN)
                    .contains(loc.origin())) {
                problems.add(where + ": origin '" + loc.origin() + "' is not user, move or ban");
            }
        }
    }

    /** One step of a dependency between two resources (or actions), and the constraint that makes it. */
    private record Step(String from, String to, Constraint constraint) {
    }

    // Loops no placement can satisfy. Orders between actions: 'start a then start b' with 'start b then start a'
    // waits forever. Colocations and start orders together: the scheduler places a resource after what it is
    // colocated with and after what must start before it, so a loop of them leaves nothing to place first.
    private void checkLoops(List<String> problems) {
        List<Step> orders = new ArrayList<>();
        List<Step> placement = new ArrayList<>();
        for (Constraint c : constraints) {
            if (c.resources().stream().anyMatch(r -> r == null || !exists(r) || groupOf(r).isPresent())) {
                continue;
            }
            if (c instanceof Constraint.Ordering o && !o.first().equals(o.then())) {
                orders.add(new Step(o.firstAction() + " " + o.first(), o.thenAction() + " " + o.then(), o));
                if (o.thenAction().equals("start") && (o.firstAction().equals("start")
                        || o.firstAction().equals("promote"))) {
                    placement.add(new Step(o.then(), o.first(), o));
                }
            } else if (c instanceof Constraint.Colocation col && !col.resource().equals(col.withResource())) {
                placement.add(new Step(col.resource(), col.withResource(), col));
            }
        }
        Set<Set<String>> reported = new HashSet<>();
        for (List<Constraint> loop : loops(orders)) {
            reported.add(ids(loop));
            problems.add("constraints " + rendered(loop) + " form an order loop that can never be satisfied;"
                    + " remove one of them");
        }
        for (List<Constraint> loop : loops(placement)) {
            if (reported.add(ids(loop))) {
                problems.add("constraints " + rendered(loop) + " form a loop of colocations and start orders: each"
                        + " resource would have to be placed after the other; remove one of them");
            }
        }
    }

    // Every elementary loop found by a depth-first walk, each once, in the order the constraints were given.
    private static List<List<Constraint>> loops(List<Step> steps) {
        Map<String, List<Step>> from = new LinkedHashMap<>();
        for (Step step : steps) {
            from.computeIfAbsent(step.from(), k -> new ArrayList<>()).add(step);
        }
        List<List<Constraint>> loops = new ArrayList<>();
        Set<Set<String>> seen = new HashSet<>();
        Set<String> done = new HashSet<>();
        for (String start : from.keySet()) {
            walk(start, from, new ArrayList<>(), new ArrayList<>(), done, loops, seen);
        }
        return loops;
    }

    private static void walk(String node, Map<String, List<Step>> from, List<String> path, List<Step> taken,
            Set<String> done, List<List<Constraint>> loops, Set<Set<String>> seen) {
        int at = path.indexOf(node);
        if (at >= 0) {
            List<Constraint> loop = taken.subList(at, taken.size()).stream().map(Step::constraint).toList();
            if (seen.add(ids(loop))) {
                loops.add(loop);
            }
            return;
        }
        if (done.contains(node)) {
            return;
        }
        path.add(node);
        for (Step step : from.getOrDefault(node, List.of())) {
            taken.add(step);
            walk(step.to(), from, path, taken, done, loops, seen);
            taken.remove(taken.size() - 1);
        }
        path.remove(path.size() - 1);
        done.add(node);
    }

    private static Set<String> ids(List<Constraint> loop) {
        Set<String> ids = new HashSet<>();
        loop.forEach(c -> ids.add(c.id()));
        return ids;
    }

    private static String rendered(List<Constraint> loop) {
        return String.join(", ", loop.stream().map(c -> "'" + c.render() + "'").toList());
    }

    private static void checkAction(List<String> problems, String where, String action, String resource) {
        if (!Constraint.Ordering.ACTIONS.contains(action)) {
            problems.add(where + ": action '" + action + "' is not one of " + Constraint.Ordering.ACTIONS);
        } else if ((action.equals("promote") || action.equals("demote")) && !Objects.equals(resource,
                PostgresClone.ID)) {
            problems.add(where + ": only " + PostgresClone.ID + " is promoted or demoted; '" + resource
                    + "' starts and stops");
        }
    }
}
