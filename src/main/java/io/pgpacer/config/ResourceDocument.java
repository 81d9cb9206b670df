package io.pgpacer.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.core.resource.Constraint;
import io.pgpacer.core.resource.Group;
import io.pgpacer.core.resource.Operation;
import io.pgpacer.core.resource.PostgresClone;
import io.pgpacer.core.resource.Primitive;
import io.pgpacer.core.resource.ResourceEdits;
import io.pgpacer.core.resource.ResourceKind;
import io.pgpacer.core.resource.ResourceMeta;
import io.pgpacer.core.resource.ResourceSyntax;
import io.pgpacer.core.resource.Resources;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The {@code resources} and {@code constraints} keys of the CIB document ({@code pgpacer cib query}) and of the agents'
 * configuration file (the resources a new cluster starts with): primitives with their
 * parameters, operations in pcs words ({@code monitor interval=10s timeout=20s on-fail=restart}) and meta attributes,
 * groups, and one line per constraint ({@code colocation pgbouncer with master msPostgresql INFINITY id=...}).
 */
public final class ResourceDocument {

    private ResourceDocument() {
    }

    public static Map<String, Object> renderResources(Resources resources) {
        Map<String, Object> doc = new LinkedHashMap<>();
        Map<String, Object> clone = new LinkedHashMap<>();
        clone.put("operations", resources.postgres().operations().stream().map(Operation::render).toList());
        meta(clone, resources.postgres().meta());
        doc.put(PostgresClone.ID, clone);
        List<Map<String, Object>> primitives = new ArrayList<>();
        for (Primitive p : resources.primitives()) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", p.id());
            item.put("type", p.kind().text());
            item.put("params", p.params());
            item.put("operations", p.operations().stream().map(Operation::render).toList());
            meta(item, p.meta());
            primitives.add(item);
        }
        doc.put("primitives", primitives);
        List<Map<String, Object>> groups = new ArrayList<>();
        for (Group g : resources.groups()) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", g.id());
            item.put("members", g.members());
            meta(item, g.meta());
            groups.add(item);
        }
        doc.put("groups", groups);
        return doc;
    }

    public static List<String> renderConstraints(Resources resources) {
        return resources.constraints().stream().map(ResourceSyntax::line).toList();
    }

    private static void meta(Map<String, Object> item, ResourceMeta meta) {
        item.put("target-role", meta.enabled() ? "Started" : "Stopped");
        item.put("is-managed", meta.managed());
        if (meta.migrationThreshold() != null) {
            item.put("migration-threshold", meta.migrationThreshold());
        }
    }

    /**
     * The resources the two keys describe, or null when the document has neither (a document saved before they
     * existed keeps the current resources). Problems are added, each naming its key.
     */
    public static Resources parse(JsonNode resourcesKey, JsonNode constraintsKey, List<String> dataNodes,
            List<String> problems) {
        if (resourcesKey == null && constraintsKey == null) {
            return null;
        }
        int before = problems.size();
        PostgresClone clone = PostgresClone.DEFAULT;
        List<Primitive> primitives = new ArrayList<>();
        List<Group> groups = new ArrayList<>();
        if (resourcesKey != null && !resourcesKey.isNull()) {
            if (!resourcesKey.isObject()) {
                problems.add("key 'resources': expected a mapping with " + PostgresClone.ID + ", primitives and groups,"
                        + " as 'pgpacer cib query' writes it");
                return null;
            }
            unknownKeys(resourcesKey, "resources", List.of(PostgresClone.ID, "primitives", "groups"), problems);
            JsonNode cloneNode = resourcesKey.get(PostgresClone.ID);
            if (cloneNode != null) {
                clone = new PostgresClone(operations(cloneNode.get("operations"), "resources." + PostgresClone.ID,
                        problems), meta(cloneNode, "resources." + PostgresClone.ID, problems));
            }
            int i = 0;
            for (JsonNode item : list(resourcesKey.get("primitives"), "resources.primitives", problems)) {
                primitives.add(primitive(item, "resources.primitives[" + i++ + "]", problems));
            }
            i = 0;
            for (JsonNode item : list(resourcesKey.get("groups"), "resources.groups", problems)) {
                String key = "resources.groups[" + i++ + "]";
                List<String> members = new ArrayList<>();
                list(item.get("members"), key + ".members", problems).forEach(m -> members.add(m.asText()));
                groups.add(new Group(id(item, key, problems), members, meta(item, key, problems)));
            }
        }
        List<Constraint> constraints = new ArrayList<>();
        int i = 0;
        for (JsonNode item : list(constraintsKey, "constraints", problems)) {
            try {
                constraints.add(ResourceSyntax.constraint(item.asText()));
            } catch (IllegalArgumentException e) {
                problems.add("key 'constraints[" + i + "]': " + e.getMessage());
            }
            i++;
        }
        if (problems.size() > before) {
            return null;
        }
        Resources resources = new Resources(clone, primitives, groups, List.of());
        for (Constraint c : constraints) {
            resources = c.id() == null ? ResourceEdits.withConstraintNamed(resources, c) : resources.withConstraint(c);
        }
        resources.problems(dataNodes).forEach(p -> problems.add("key 'resources': " + p));
        return resources;
    }

    private static Primitive primitive(JsonNode item, String key, List<String> problems) {
        unknownKeys(item, key, List.of("id", "type", "params", "operations", "target-role", "is-managed",
                "migration-threshold"), problems);
        ResourceKind kind = null;
        try {
            kind = ResourceKind.parse(text(item.get("type")));
        } catch (IllegalArgumentException e) {
            problems.add("key '" + key + ".type': " + e.getMessage());
        }
        Map<String, String> params = new LinkedHashMap<>();
        JsonNode paramsNode = item.get("params");
        if (paramsNode != null && paramsNode.isObject()) {
            paramsNode.fields().forEachRemaining(e -> {
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    problems.add("key '" + key + ".params." + e.getKey() + "': expected one value, got "
                            + e.getValue());
                } else {
                    params.put(e.getKey(), e.getValue().asText());
                }
            });
        } else if (paramsNode != null && !paramsNode.isNull()) {
            problems.add("key '" + key + ".params': expected a mapping of parameter names to values");
        }
        return new Primitive(id(item, key, problems), kind, params, operations(item.get("operations"), key, problems),
                meta(item, key, problems));
    }

    private static List<Operation> operations(JsonNode value, String key, List<String> problems) {
        List<Operation> operations = new ArrayList<>();
        for (JsonNode item : list(value, key + ".operations", problems)) {
            List<String> words = List.of(item.asText().trim().split("\\s+"));
            try {
                operations.add(ResourceSyntax.operation(words.get(0), words.subList(1, words.size())));
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                problems.add("key '" + key + ".operations': '" + item.asText() + "': " + e.getMessage());
            }
        }
        return operations;
    }

    private static ResourceMeta meta(JsonNode item, String key, List<String> problems) {
        // An explicit null ("target-role:" with nothing after it) is a mistake to name, not the default.
        JsonNode roleNode = item.get("target-role");
        String role = roleNode == null ? "Started" : text(roleNode);
        if (!"Started".equals(role) && !"Stopped".equals(role)) {
            problems.add("key '" + key + ".target-role': expected Started or Stopped, got "
                    + (role == null ? "nothing" : "'" + role + "'"));
        }
        JsonNode managed = item.get("is-managed");
        Optional<Boolean> isManaged = StrictYaml.bool(managed);
        if (managed != null && isManaged.isEmpty()) {
            problems.add("key '" + key + ".is-managed': expected true or false, got '" + managed.asText() + "'");
        }
        JsonNode threshold = item.get("migration-threshold");
        OptionalLong migrationThreshold = StrictYaml.wholeNumber(threshold);
        if (threshold != null && (migrationThreshold.isEmpty()
                || migrationThreshold.getAsLong() != (int) migrationThreshold.getAsLong())) {
            problems.add("key '" + key + ".migration-threshold': expected a whole number, got '" + threshold.asText()
                    + "'");
            migrationThreshold = OptionalLong.empty();
        }
        return new ResourceMeta(!"Stopped".equals(role), isManaged.orElse(true),
                migrationThreshold.isEmpty() ? null : (int) migrationThreshold.getAsLong());
    }

    private static List<JsonNode> list(JsonNode value, String key, List<String> problems) {
        List<JsonNode> items = new ArrayList<>();
        if (value == null || value.isNull()) {
            return items;
        }
        if (!value.isArray()) {
            problems.add("key '" + key + "': expected a list");
            return items;
        }
        value.forEach(items::add);
        return items;
    }

    private static void unknownKeys(JsonNode item, String key, List<String> known, List<String> problems) {
        if (!item.isObject()) {
            problems.add("key '" + key + "': expected a mapping");
            return;
        }
        for (Iterator<String> it = item.fieldNames(); it.hasNext();) {
            String name = it.next();
            if (!known.contains(name)) {
                problems.add("unknown key '" + key + "." + name + "'; the keys are " + known);
            }
        }
    }

    // A missing id is named as missing, with its key, rather than validated as the id 'null'.
    private static String id(JsonNode item, String key, List<String> problems) {
        String id = text(item.get("id"));
        if (id == null || id.isBlank()) {
            problems.add("key '" + key + ".id' is missing: give each resource and group an id, such as pgbouncer");
        }
        return id;
    }

    private static String text(JsonNode value) {
        return value == null || value.isNull() ? null : value.asText();
    }

    /** One line per primitive, group or constraint that {@code after} adds, removes or changes. */
    public static List<String> diff(Resources before, Resources after) {
        List<String> lines = new ArrayList<>();
        if (after == null) {
            return lines;
        }
        if (!before.postgres().equals(after.postgres())) {
            lines.add("resource ~ " + PostgresClone.ID);
        }
        for (String id : union(before.ids(), after.ids())) {
            Object was = before.primitive(id).map(Object.class::cast).or(() -> before.group(id)).orElse(null);
            Object is = after.primitive(id).map(Object.class::cast).or(() -> after.group(id)).orElse(null);
            if (PostgresClone.ID.equals(id) || Objects.equals(was, is)) {
                continue;
            }
            lines.add("resource " + (was == null ? "+ " : is == null ? "- " : "~ ") + id);
        }
        List<String> oldLines = renderConstraints(before);
        List<String> newLines = renderConstraints(after);
        newLines.stream().filter(l -> !oldLines.contains(l)).forEach(l -> lines.add("constraint + " + l));
        oldLines.stream().filter(l -> !newLines.contains(l)).forEach(l -> lines.add("constraint - " + l));
        return lines;
    }

    private static List<String> union(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        b.stream().filter(x -> !all.contains(x)).forEach(all::add);
        return all;
    }
}
