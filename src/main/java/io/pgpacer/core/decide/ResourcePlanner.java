package io.pgpacer.core.decide;

import io.pgpacer.core.model.Hint;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.command.StoreCommand.PlaceResources;
import io.pgpacer.core.resource.Constraint;
import io.pgpacer.core.resource.Group;
import io.pgpacer.core.resource.PostgresClone;
import io.pgpacer.core.resource.Primitive;
import io.pgpacer.core.resource.ResourceMeta;
import io.pgpacer.core.resource.ResourceRuntime;
import io.pgpacer.core.resource.ResourceState;
import io.pgpacer.core.resource.Resources;
import io.pgpacer.core.resource.Score;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Places the operator's primitive resources once PostgreSQL's roles are settled, with Pacemaker's rules simplified:
 * a group is placed as one unit; each unit gets a score per data node from its location constraints and its
 * colocations (with a role of {@code msPostgresql} or with another unit, which is placed first); -INFINITY and
 * unmet INFINITY colocations exclude a node, and so do being offline, in standby or in maintenance, and a fail-count
 * at the resource's migration-threshold. A unit stays where it runs while that node is allowed, unless another node
 * scores more than {@code resource-stickiness} above it or is preferred with INFINITY ({@code resource move}); ties go
 * to the configured node order. An order {@code first then start unit} keeps the unit stopped until {@code first}
 * completed. Disabled resources run nowhere; unmanaged ones, and ones on a node in maintenance, are never moved. A
 * resource that moves is stopped first and started on its new node once no other node reports it running.
 *
 * <p>Colocation is one-directional here: the dependent follows, and does not pull the resource it is colocated with.
 * Orders only delay a start: a stop never waits, since a resource whose master moves must leave the old one at once.
 */
final class ResourcePlanner {

    private ResourcePlanner() {
    }

    /** At most one {@link PlaceResources} step for the changes due now, and notes on resources that do not run. */
    static Plan plan(ClusterSnapshot snapshot) {
        Cib cib = snapshot.cib();
        if (cib.resources().primitives().isEmpty()) {
            return Plan.NOTHING;
        }
        Placement placement = new Placement(snapshot);
        Map<String, String> changes = new LinkedHashMap<>();
        List<String> reasons = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (Unit unit : units(cib.resources())) {
            Decision decision = placement.decide(unit);
            // members that change the same way share one sentence: "master-group (vip-master) starts on n1 (...)"
            Map<List<String>, List<String>> moves = new LinkedHashMap<>();
            for (Map.Entry<String, String> member : decision.members().entrySet()) {
                String now = cib.resourceRuntime().nodeOf(member.getKey()).orElse(null);
                if (!Objects.equals(now, member.getValue())) {
                    changes.put(member.getKey(), member.getValue());
                    String why = decision.memberWhy().getOrDefault(member.getKey(), decision.why());
                    // why not List.of: nowhere (null) is part of the key
                    moves.computeIfAbsent(Arrays.asList(now, member.getValue(), why),
                            k -> new ArrayList<>()).add(member.getKey());
                }
            }
            moves.forEach((fromToWhy, members) -> reasons.add(change(unit.members().size() == 1 ? members.get(0)
                    : unit.id() + " (" + String.join(", ", members) + ")", fromToWhy.get(0), fromToWhy.get(1),
                    fromToWhy.get(2))));
            boolean changed = !moves.isEmpty();
            // why only without a change: the step's reason already says why a resource stops or moves
            if (decision.note() != null && (!changed || decision.noteAlways())) {
                notes.add(decision.note());
            }
        }
        notes.addAll(placement.cycleNotes);
        List<Plan.Step> steps = changes.isEmpty() ? List.of()
                : List.of(new Plan.Step(new PlaceResources(cib.resourceRuntime().version(), changes),
                        String.join("; ", reasons)));
        return new Plan(steps, notes);
    }

    private static String change(String resource, String from, String to, String why) {
        String what = from == null ? resource + " starts on " + to
                : to == null ? resource + " stops on " + from : resource + " moves " + from + " -> " + to;
        return what + " (" + why + ")";
    }

    /** A group, or a primitive in no group: what is placed as one. */
    record Unit(String id, List<String> members) {
    }

    /**
     * Where a unit's members go, and why.
     *
     * @param members member id to its node, or null for nowhere
     * @param why why the unit goes to {@code node}, or runs nowhere
     * @param memberWhy why a member does not go with its group (disabled, after a disabled member)
     * @param note why the unit does not run or is left alone, or null
     * @param noteAlways whether the note is worth saying even beside a change (unmanaged, maintenance)
     */
    record Decision(String node, Map<String, String> members, String why, Map<String, String> memberWhy, String note,
            boolean noteAlways) {

        Decision(String node, Map<String, String> members, String why, String note, boolean noteAlways) {
            this(node, members, why, Map.of(), note, noteAlways);
        }
    }

    /** The groups and ungrouped primitives in the order their first primitive was created. */
    static List<Unit> units(Resources resources) {
        List<Unit> units = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Primitive p : resources.primitives()) {
            Optional<Group> group = resources.groupOf(p.id());
            Unit unit = group.map(g -> new Unit(g.id(), g.members())).orElse(new Unit(p.id(), List.of(p.id())));
            if (seen.add(unit.id())) {
                units.add(unit);
            }
        }
        return units;
    }

    /** The placement of one pass: every unit decided once, the units it depends on first. */
    private static final class Placement {

        private final ClusterSnapshot snapshot;
        private final Cib cib;
        private final ResourceRuntime runtime;
        private final List<String> nodes;
        private final Map<String, Unit> units = new LinkedHashMap<>();
        private final Map<String, Decision> decided = new LinkedHashMap<>();
        private final Set<String> deciding = new HashSet<>();
        private final List<String> cycleNotes = new ArrayList<>();
        /** The goal primary while it holds the lease: where role Master runs; null when none does. */
        private final String primary;

        Placement(ClusterSnapshot snapshot) {
            this.snapshot = snapshot;
            this.cib = snapshot.cib();
            this.runtime = cib.resourceRuntime();
            this.nodes = cib.dataNodes().stream().map(NodeSpec::name).toList();
            units(cib.resources()).forEach(u -> units.put(u.id(), u));
            this.primary = cib.goalPrimary().filter(cib.lease()::heldBy).orElse(null);
        }

        Decision decide(Unit unit) {
            Decision known = decided.get(unit.id());
            if (known != null) {
                return known;
            }
            deciding.add(unit.id());
            Decision decision = stopBeforeStart(decideNow(unit));
            deciding.remove(unit.id());
            decided.put(unit.id(), decision);
            return decision;
        }

        private Decision decideNow(Unit unit) {
            String current = unit.members().stream().map(m -> runtime.nodeOf(m).orElse(null))
                    .filter(Objects::nonNull).findFirst().orElse(null);
            Map<String, String> kept = new LinkedHashMap<>();
            unit.members().forEach(m -> kept.put(m, runtime.nodeOf(m).orElse(null)));
            if (current != null && cib.maintenance().covers(current)) {
                return new Decision(current, kept, "", unit.id() + " stays on " + current + ": " + current
                        + " is in maintenance, where pgpacer does not act", true);
            }
            boolean allUnmanaged = unit.members().stream().noneMatch(m -> meta(m).managed());
            if (allUnmanaged) {
                return new Decision(current, kept, "", unmanagedNote(unit.id(), current), true);
            }
            if (!meta(unit.members().get(0)).enabled()) {
                // the group itself, or its first member: either way no member can start
                String disabled = cib.resources().meta(unit.id()).map(ResourceMeta::enabled).orElse(true)
                        ? unit.members().get(0) : unit.id();
                String why = disabled + " is disabled (pgpacer resource enable " + disabled + ")";
                return members(unit, null, why, why + ": " + (disabled.equals(unit.id()) ? "it runs nowhere"
                        : unit.id() + " runs nowhere"), false);
            }
            Scores scores = score(unit);
            if (scores.allowed().isEmpty()) {
                String why = unit.id() + " cannot run anywhere: " + scores.excludedText();
                return members(unit, null, why, why, false);
            }
            String target = choose(scores, current);
            String why = scores.why(target, current, cib.settings().resourceStickiness());
            Optional<String> waiting = waitingFor(unit, target);
            if (waiting.isPresent()) {
                String wait = "waiting for " + waiting.get() + " before start " + unit.id() + " on " + target;
                return members(unit, null, wait, wait, false);
            }
            return members(unit, target, why, null, false);
        }

        // A resource never runs on two nodes at once: one that moves is stopped first, and started on its new node
        // only once no other node may still run it (Pacemaker stops before it starts elsewhere). The decision's
        // node stays the target, so that what is colocated with it follows at once.
        private Decision stopBeforeStart(Decision decision) {
            Map<String, String> members = new LinkedHashMap<>();
            Map<String, String> memberWhy = new LinkedHashMap<>(decision.memberWhy());
            List<String> waits = new ArrayList<>();
            for (Map.Entry<String, String> e : decision.members().entrySet()) {
                String member = e.getKey();
                String want = e.getValue();
                String now = runtime.nodeOf(member).orElse(null);
                // why a silent node is not waited for: it dropped the resource when it lost the store
                if (now != null && want != null && !now.equals(want) && !snapshot.silentForNodeTimeout(now)) {
                    members.put(member, null);
                    memberWhy.put(member, "to move to " + want + ": " + memberWhy.getOrDefault(member,
                            decision.why()));
                    continue;
                }
                List<String> holders = !starts(want, now) ? List.of() : nodes.stream()
                        .filter(n -> !n.equals(want) && mayStillRun(member, n)).toList();
                if (!holders.isEmpty()) {
                    members.put(member, null);
                    waits.add(member + " waits before it starts on " + want + ": " + String.join(", ", holders
                            .stream().map(n -> n + (blocked(member, n) ? " reports it blocked after a failed stop"
                                    + " (" + Hint.cleanupResourceOn(member, n) + ")" : " reports it still running"))
                            .toList()));
                    continue;
                }
                members.put(member, want);
            }
            if (waits.isEmpty()) {
                return new Decision(decision.node(), members, decision.why(), memberWhy, decision.note(),
                        decision.noteAlways());
            }
            List<String> notes = new ArrayList<>(waits);
            if (decision.note() != null) {
                notes.add(0, decision.note());
            }
            return new Decision(decision.node(), members, decision.why(), memberWhy, String.join("; ", notes), true);
        }

        private boolean blocked(String primitive, String node) {
            return cib.report(node).map(r -> r.resources().get(primitive))
                    .filter(s -> ResourceState.BLOCKED.equals(s.state())).isPresent();
        }

        // Whether the member starts on a node it does not run on now.
        private static boolean starts(String want, String now) {
            return want != null && !want.equals(now);
        }

        // Started, or blocked after a failed stop, by the node's last report; a node silent for the node timeout has
        // dropped what it ran (ClusterSnapshot#silentForNodeTimeout).
        private boolean mayStillRun(String primitive, String node) {
            boolean reported = cib.report(node).map(r -> r.resources().get(primitive))
                    .filter(s -> s.started() || ResourceState.BLOCKED.equals(s.state())).isPresent();
            return reported && !snapshot.silentForNodeTimeout(node);
        }

        // The members in order: a disabled member stops, and so do the members after it, since a group starts its
        // members one after the other; an unmanaged member keeps its placement.
        private Decision members(Unit unit, String target, String why, String note, boolean noteAlways) {
            Map<String, String> members = new LinkedHashMap<>();
            Map<String, String> memberWhy = new LinkedHashMap<>();
            String stoppedBy = null;
            List<String> memberNotes = new ArrayList<>();
            for (String member : unit.members()) {
                ResourceMeta meta = meta(member);
                String now = runtime.nodeOf(member).orElse(null);
                if (!meta.managed()) {
                    members.put(member, now);
                    memberNotes.add(unmanagedNote(member, now));
                } else if (target != null && (stoppedBy != null || !meta.enabled())) {
                    stoppedBy = stoppedBy == null ? member : stoppedBy;
                    members.put(member, null);
                    String stopped = member.equals(stoppedBy) ? member + " is disabled (pgpacer resource enable "
                            + member + ")" : member + " stays stopped: it follows " + stoppedBy + " in group "
                            + unit.id();
                    memberNotes.add(stopped);
                    memberWhy.put(member, stopped);
                } else {
                    members.put(member, target);
                }
            }
            if (memberNotes.isEmpty()) {
                return new Decision(target, members, why, note, noteAlways);
            }
            List<String> all = new ArrayList<>();
            if (note != null) {
                all.add(note);
            }
            all.addAll(memberNotes);
            return new Decision(target, members, why, memberWhy, String.join("; ", all), true);
        }

        private String unmanagedNote(String id, String node) {
            return id + " is unmanaged: pgpacer leaves it " + (node == null ? "stopped" : "on " + node)
                    + " and does not start, stop or move it (pgpacer resource manage " + id + ")";
        }

        private ResourceMeta meta(String primitive) {
            return cib.resources().effectiveMeta(primitive);
        }

        // The best allowed node: the highest score, ties to the configured order; the current node is kept unless
        // another scores more than it plus resource-stickiness, or is preferred with INFINITY where it is not.
        private String choose(Scores scores, String current) {
            String best = null;
            for (String node : scores.allowed()) {
                if (best == null || scores.score(node) > scores.score(best)) {
                    best = node;
                }
            }
            if (current == null || !scores.allowed().contains(current)) {
                return best;
            }
            return leaves(scores.score(current), scores.score(best), cib.settings().resourceStickiness()) ? best
                    : current;
        }

        private Scores score(Unit unit) {
            Scores scores = new Scores(nodes);
            for (String node : nodes) {
                if (!snapshot.online(node)) {
                    scores.exclude(node, "is offline");
                } else if (cib.inStandby(node)) {
                    scores.exclude(node, "is in standby");
                } else if (cib.maintenance().covers(node)) {
                    scores.exclude(node, "is in maintenance");
                }
                for (String member : unit.members()) {
                    int count = runtime.failCount(member, node).count();
                    int threshold = migrationThreshold(member);
                    // why 0 is excluded: a migration-threshold of 0 means the resource never leaves for failures
                    if (threshold > 0 && count >= threshold) {
                        scores.exclude(node, "has " + member + " fail-count " + count
                                + " >= migration-threshold " + threshold + " (" + Hint.cleanupResourceOn(member, node)
                                + ")");
                    }
                }
            }
            for (Constraint c : cib.resources().constraints()) {
                if (c instanceof Constraint.Location l && l.resource().equals(unit.id())) {
                    location(scores, l);
                } else if (c instanceof Constraint.Colocation col && col.resource().equals(unit.id())) {
                    colocation(scores, unit, col);
                }
            }
            return scores;
        }

        private int migrationThreshold(String primitive) {
            Integer own = meta(primitive).migrationThreshold();
            return own != null ? own : cib.settings().migrationThreshold();
        }

        private void location(Scores scores, Constraint.Location l) {
            if (!nodes.contains(l.node())) {
                return;
            }
            String constraint = " (constraint " + l.id() + ")";
            if (l.score() <= Score.MINUS_INFINITY) {
                scores.exclude(l.node(), (Constraint.Location.BAN.equals(l.origin()) ? "is banned"
                        : "is avoided with -INFINITY") + constraint);
                return;
            }
            String what = Constraint.Location.MOVE.equals(l.origin()) ? "moved to " + l.node() + " with "
                    : (l.score() < 0 ? "avoids " : "prefers ") + l.node() + " with ";
            scores.add(l.node(), l.score(), what + Score.render(l.score()) + constraint);
        }

        private void colocation(Scores scores, Unit unit, Constraint.Colocation col) {
            String constraint = " (constraint " + col.id() + ")";
            if (col.withResource().equals(PostgresClone.ID)) {
                Set<String> where = postgresNodes(col.withRole());
                String role = roleWords(col.withRole());
                for (String node : nodes) {
                    boolean there = where.contains(node);
                    if (col.score() >= Score.INFINITY && !there) {
                        scores.exclude(node, "is not " + role + constraint);
                    } else if (col.score() <= Score.MINUS_INFINITY && there) {
                        scores.exclude(node, "is " + role + constraint);
                    } else if (there && col.score() > Score.MINUS_INFINITY) {
                        // an INFINITY colocation is met by excluding every other node; it adds no score
                        scores.add(node, col.score() >= Score.INFINITY ? 0 : col.score(), node + " is " + role
                                + constraint);
                    }
                }
                return;
            }
            Unit with = units.get(col.withResource());
            if (with == null) {
                return;
            }
            if (deciding.contains(with.id())) {
                cycleNotes.add("constraint " + col.id() + " is ignored: " + unit.id() + " and " + with.id()
                        + " depend on each other through colocation or order constraints");
                return;
            }
            String node = decide(with).node();
            for (String n : nodes) {
                boolean there = n.equals(node);
                if (col.score() >= Score.INFINITY && !there) {
                    scores.exclude(n, "does not run " + with.id() + (node == null ? ", which runs nowhere" : "")
                            + constraint);
                } else if (col.score() <= Score.MINUS_INFINITY && there) {
                    scores.exclude(n, "runs " + with.id() + constraint);
                } else if (there && col.score() > Score.MINUS_INFINITY) {
                    scores.add(n, col.score() >= Score.INFINITY ? 0 : col.score(), n + " runs " + with.id()
                            + constraint);
                }
            }
        }

        // The nodes where a role of the PostgreSQL clone runs: Master on the goal primary while it holds the lease,
        // Slave on a standby that streams, any role on a node told to run PostgreSQL that reports it running.
        private Set<String> postgresNodes(String role) {
            Set<String> where = new HashSet<>();
            for (String node : nodes) {
                NodeGoal goal = cib.goals().get(node);
                NodeReport report = cib.reports().get(node);
                boolean holds = PostgresClone.MASTER.equals(role) ? node.equals(primary)
                        : PostgresClone.SLAVE.equals(role) ? goal != null && goal.role() == Role.STANDBY
                                && report != null && report.pgState() == PgState.STANDBY && report.streaming()
                        : goal != null && goal.role() != Role.STOPPED && report != null && report.running();
                if (holds) {
                    where.add(node);
                }
            }
            return where;
        }

        private static String roleWords(String role) {
            return PostgresClone.MASTER.equals(role) ? "the primary holding the lease"
                    : PostgresClone.SLAVE.equals(role) ? "a streaming standby" : "running PostgreSQL";
        }

        // An order "first then start unit" holds the unit back until first completed: promote msPostgresql once the
        // primary holding the lease reports running as primary, start msPostgresql once PostgreSQL runs on the
        // unit's node, start of a resource once every member of it is placed and reported started there. Orders
        // of stop and demote only sequence stops, and a stop never waits here.
        private Optional<String> waitingFor(Unit unit, String target) {
            for (Constraint c : cib.resources().constraints()) {
                if (!(c instanceof Constraint.Ordering o) || !o.then().equals(unit.id())
                        || !o.thenAction().equals("start")) {
                    continue;
                }
                String first = o.firstAction() + " " + o.first();
                boolean done = switch (o.firstAction()) {
                    case "promote" -> primary != null && cib.report(primary)
                            .filter(r -> r.pgState() == PgState.PRIMARY).isPresent();
                    case "start" -> started(o, unit, target);
                    default -> true;
                };
                if (!done) {
                    return Optional.of(first);
                }
            }
            return Optional.empty();
        }

        private boolean started(Constraint.Ordering o, Unit unit, String target) {
            if (o.first().equals(PostgresClone.ID)) {
                return cib.report(target).filter(NodeReport::running).isPresent();
            }
            Unit first = units.get(o.first());
            if (first == null) {
                return true;
            }
            if (deciding.contains(first.id())) {
                cycleNotes.add("constraint " + o.id() + " is ignored: " + unit.id() + " and " + first.id()
                        + " depend on each other through colocation or order constraints");
                return true;
            }
            Decision decision = decide(first);
            return decision.members().entrySet().stream().allMatch(m -> m.getValue() != null
                    && cib.report(m.getValue()).map(r -> r.resources().get(m.getKey()))
                            .filter(s -> s.started()).isPresent());
        }
    }

    /**
     * Whether a resource leaves {@code currentScore}'s node for the best other one: only when that scores more than
     * the current node plus {@code stickiness}, or is preferred with INFINITY where the current node is not (so that
     * {@code resource move} works under the default stickiness INFINITY). Equal scores never move it.
     */
    static boolean leaves(int currentScore, int bestScore, int stickiness) {
        if (bestScore >= Score.INFINITY && currentScore < Score.INFINITY) {
            return true;
        }
        return bestScore > Score.add(currentScore, stickiness);
    }

    /** Per data node: the score, the constraints that made it, or the reason the node is excluded. */
    static final class Scores {

        private final List<String> nodes;
        private final Map<String, Integer> scores = new LinkedHashMap<>();
        private final Map<String, List<String>> reasons = new LinkedHashMap<>();
        private final Map<String, String> excluded = new LinkedHashMap<>();

        Scores(List<String> nodes) {
            this.nodes = nodes;
            nodes.forEach(n -> {
                scores.put(n, 0);
                reasons.put(n, new ArrayList<>());
            });
        }

        /**
         * Excludes {@code node}, keeping the first reason given.
         *
         * @param predicate what is true of the node, without it: {@code is offline}, {@code has vip fail-count 1}
         */
        void exclude(String node, String predicate) {
            excluded.putIfAbsent(node, predicate);
        }

        /** Adds {@code score} (above -INFINITY, which {@link #exclude} is for) to {@code node}, saturating. */
        void add(String node, int score, String reason) {
            scores.put(node, Score.add(scores.get(node), score));
            reasons.get(node).add(reason);
        }

        int score(String node) {
            return scores.get(node);
        }

        /** The nodes not excluded, in the configured order. */
        List<String> allowed() {
            return nodes.stream().filter(n -> !excluded.containsKey(n)).toList();
        }

        /**
         * Why the excluded nodes are, nodes with the same reason together, in the configured order: {@code n1 is
         * offline; n2, n3 are not the primary holding the lease (constraint c1)}.
         */
        String excludedText() {
            Map<String, List<String>> byReason = new LinkedHashMap<>();
            nodes.stream().filter(excluded::containsKey)
                    .forEach(n -> byReason.computeIfAbsent(excluded.get(n), r -> new ArrayList<>()).add(n));
            List<String> parts = new ArrayList<>();
            byReason.forEach((predicate, which) -> parts.add(String.join(", ", which) + " "
                    + (which.size() == 1 ? predicate : plural(predicate))));
            return String.join("; ", parts);
        }

        // "is offline" -> "are offline", "has ..." -> "have ...", "does not run" -> "do not run", "runs" -> "run"
        private static String plural(String predicate) {
            for (String[] verb : new String[][] {{"is ", "are "}, {"has ", "have "}, {"does ", "do "},
                    {"runs ", "run "}}) {
                if (predicate.startsWith(verb[0])) {
                    return verb[1] + predicate.substring(verb[0].length());
                }
            }
            return predicate;
        }

        /** Why {@code target} was chosen over {@code current} (null: the unit ran nowhere). */
        String why(String target, String current, int stickiness) {
            List<String> parts = new ArrayList<>();
            if (current != null && !current.equals(target)) {
                if (excluded.containsKey(current)) {
                    parts.add(current + " " + excluded.get(current));
                } else if (score(target) >= Score.INFINITY) {
                    parts.add(target + " is preferred with INFINITY, which outweighs resource-stickiness");
                } else {
                    parts.add(target + " scores " + Score.render(score(target)) + ", more than " + current + "'s "
                            + Score.render(score(current)) + " plus resource-stickiness " + Score.render(stickiness));
                }
            }
            parts.addAll(reasons.get(target));
            if (reasons.get(target).isEmpty()) {
                parts.add(target.equals(current) ? "with the rest of its group on " + target
                        : target + " is the first allowed node in the configured order");
            }
            return String.join("; ", parts);
        }
    }
}
