package io.pgpacer.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.config.InputFiles;
import io.pgpacer.config.ResourceDocument;
import io.pgpacer.config.StrictYaml;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterProperty;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.command.StoreCommand.ReplaceConfiguration;
import io.pgpacer.core.resource.Resources;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The configuration part of the CIB as an operator reads and edits it ({@code pgpacer cib query}, {@code cib
 * replace}, Pacemaker's {@code cibadmin --query/--replace}): the cluster name, the members, the properties, the
 * settings that come from the agents' configuration file, the nodes in maintenance and in standby, the resources and
 * constraints ({@link ResourceDocument}), and the configuration epoch it was read at. No secrets and no volatile
 * status. The same tree is written as YAML or JSON; YAML parsing reads both.
 */
public final class CibDocument {

    /** The top-level keys, in the order a query writes them. */
    public static final List<String> KEYS = List.of("epoch", "cluster-name", "nodes", "properties", "settings",
            "maintenance-nodes", "standby-nodes", "resources", "constraints");

    /** The document does not validate; every problem names its key. */
    public static final class InvalidDocumentException extends RuntimeException {
        private final List<String> problems;

        InvalidDocumentException(List<String> problems) {
            super(String.join("\n", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    // why minimized quotes: the document is for people to edit; a string that would read back as a number,
    // boolean or null keeps its quotes.

    private CibDocument() {
    }

    /** The document of {@code cib}, as an ordered tree of maps, lists and strings. */
    public static Map<String, Object> render(Cib cib) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("epoch", cib.configEpoch());
        doc.put("cluster-name", cib.clusterName());
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (NodeSpec n : cib.nodes()) {
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("name", n.name());
            node.put("address", n.address());
            node.put("api-port", n.apiPort());
            node.put("raft-port", n.raftPort());
            if (!n.witness()) {
                node.put("pg-port", n.pgPort());
            }
            node.put("role", n.witness() ? "witness" : "data");
            nodes.add(node);
        }
        doc.put("nodes", nodes);
        Map<String, Object> properties = new LinkedHashMap<>();
        for (ClusterProperty p : ClusterProperty.values()) {
            String value = p.value(cib);
            properties.put(p.propertyName(), typed(value));
        }
        doc.put("properties", properties);
        doc.put("settings", settings(cib.settings()));
        doc.put("maintenance-nodes", cib.maintenance().nodes());
        doc.put("standby-nodes", cib.standby());
        doc.put("resources", ResourceDocument.renderResources(cib.resources()));
        doc.put("constraints", ResourceDocument.renderConstraints(cib.resources()));
        return doc;
    }

    // A YAML boolean or number where the value is one, so that it is written without quotes; strings that look like
    // numbers (a node named 007) keep theirs.
    private static Object typed(String value) {
        if (value.equals("true") || value.equals("false")) {
            return Boolean.valueOf(value);
        }
        return value.matches("\\d{1,18}") ? (Object) Long.valueOf(value) : value;
    }

    // Read-only here: they come from the agents' configuration file, which every agent reads at start.
    private static Map<String, String> settings(ClusterSettings s) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("lease-time", s.leaseMillis() + "ms");
        settings.put("node-timeout", s.nodeTimeoutMillis() + "ms");
        settings.put("bootstrap-wait", s.bootstrapWaitMillis() + "ms");
        settings.put("replication", s.sync().mode().name().toLowerCase(Locale.ROOT));
        settings.put("reader-vip", s.readerVip().name().toLowerCase(Locale.ROOT));
        if (s.vipAddresses().writer() != null) {
            settings.put("writer-vip-address", s.vipAddresses().writer());
        }
        if (s.vipAddresses().reader() != null) {
            settings.put("reader-vip-address", s.vipAddresses().reader());
        }
        return settings;
    }

    /** The document as YAML, with a header that says how to apply it. */
    public static String yaml(Map<String, Object> document) {
        return "# pgpacer CIB configuration. Edit, then apply with 'pgpacer cib replace FILE'.\n"
                + "# 'epoch' is the configuration it was queried at; 'nodes' and 'settings' are read-only here.\n"
                + StrictYaml.write(document);
    }

    /**
     * Validates a whole document against the current CIB and turns it into the command that applies it.
     *
     * @throws InvalidDocumentException listing every problem, each naming its key
     */
    public static ReplaceConfiguration parse(String text, Cib current) {
        if (text.length() > InputFiles.DOCUMENT_LIMIT) {
            throw new InvalidDocumentException(List.of("the document is larger than " + (InputFiles.DOCUMENT_LIMIT >> 20)
                    + " MiB, more than a CIB configuration ever needs; send what 'pgpacer cib query' wrote"));
        }
        JsonNode root;
        try {
            root = StrictYaml.read(text);
        } catch (StrictYaml.InvalidYamlException e) {
            throw new InvalidDocumentException(List.of("the document "
                    + e.getMessage().replaceFirst("^is not valid YAML", "is not valid YAML or JSON")));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidDocumentException(List.of("the document must be a mapping with the keys " + KEYS
                    + " (as 'pgpacer cib query' writes it)"));
        }
        List<String> problems = new ArrayList<>();
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                problems.add("unknown key '" + key + "'; the keys are " + String.join(", ", KEYS));
            }
        }
        // why through the text: compare with what a query wrote, as YAML reads it back (a name that looks like a
        // number is written without quotes and read back as a number)
        JsonNode rendered = StrictYaml.read(StrictYaml.write(render(current)));
        long epoch = epoch(root.get("epoch"), problems);
        JsonNode name = root.get("cluster-name");
        if (name != null && !sameValues(name, rendered.get("cluster-name"))) {
            problems.add("key 'cluster-name': the cluster is '" + current.clusterName() + "' and cannot be renamed,"
                    + " got '" + name.asText() + "'");
        }
        JsonNode nodes = root.get("nodes");
        if (nodes != null && !sameValues(nodes, rendered.get("nodes"))) {
            problems.add("key 'nodes': membership cannot be changed with 'cib replace'; add or remove members in the"
                    + " agents' configuration file. Restore 'nodes' as 'pgpacer cib query' wrote it");
        }
        Map<String, String> properties = properties(root.get("properties"), problems);
        readOnlySettings(root.get("settings"), rendered.get("settings"), problems);
        List<String> maintenance = names(root.get("maintenance-nodes"), "maintenance-nodes", problems);
        List<String> standby = names(root.get("standby-nodes"), "standby-nodes", problems);
        List<String> known = current.nodes().stream().map(NodeSpec::name).toList();
        for (String node : maintenance) {
            if (!known.contains(node)) {
                problems.add("key 'maintenance-nodes': unknown node '" + node + "'; configured nodes are " + known);
            }
        }
        List<String> dataNodes = current.dataNodes().stream().map(NodeSpec::name).toList();
        for (String node : standby) {
            if (!dataNodes.contains(node)) {
                problems.add("key 'standby-nodes': " + (known.contains(node) ? node + " is a witness and runs no"
                        + " resources" : "unknown data node '" + node + "'; data nodes are " + dataNodes));
            }
        }
        Resources resources = ResourceDocument.parse(root.get("resources"), root.get("constraints"), dataNodes,
                problems);
        if (!problems.isEmpty()) {
            throw new InvalidDocumentException(problems);
        }
        return new ReplaceConfiguration(epoch, properties, maintenance, standby, resources);
    }

    private static long epoch(JsonNode value, List<String> problems) {
        if (value == null) {
            problems.add("key 'epoch' is missing: keep the epoch 'pgpacer cib query' wrote, so that a configuration"
                    + " changed meanwhile is not overwritten");
            return -1;
        }
        java.util.OptionalLong epoch = StrictYaml.wholeNumber(value);
        if (epoch.isEmpty() || epoch.getAsLong() < 0) {
            problems.add("key 'epoch': expected a whole number >= 0, got '" + value.asText() + "'");
            return -1;
        }
        return epoch.getAsLong();
    }

    // Equal trees, scalars compared as text: 8008 and "8008" are the same port however YAML quotes them.
    private static boolean sameValues(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.isValueNode() && b.isValueNode()) {
            return a.isNull() == b.isNull() && a.asText().equals(b.asText());
        }
        if (a.isArray() && b.isArray() && a.size() == b.size()) {
            for (int i = 0; i < a.size(); i++) {
                if (!sameValues(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject() && b.isObject() && a.size() == b.size()) {
            for (Iterator<String> it = a.fieldNames(); it.hasNext();) {
                String key = it.next();
                if (!sameValues(a.get(key), b.get(key))) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static Map<String, String> properties(JsonNode value, List<String> problems) {
        Map<String, String> properties = new LinkedHashMap<>();
        if (value == null || value.isNull()) {
            return properties;
        }
        if (!value.isObject()) {
            problems.add("key 'properties': expected a mapping of property names to values, e.g."
                    + " 'migration-threshold: 3'");
            return properties;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = "properties." + e.getKey();
            try {
                ClusterProperty property = ClusterProperty.named(e.getKey());
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    problems.add("key '" + key + "': expected " + property.accepted() + ", got " + e.getValue());
                    continue;
                }
                properties.put(e.getKey(), property.parse(e.getValue().asText()));
            } catch (IllegalArgumentException ex) {
                problems.add("key '" + key + "': " + ex.getMessage());
            }
        }
        return properties;
    }

    private static void readOnlySettings(JsonNode value, JsonNode current, List<String> problems) {
        if (value == null || sameValues(value, current)) {
            return;
        }
        if (!value.isObject()) {
            problems.add("key 'settings': read-only; restore it as 'pgpacer cib query' wrote it");
            return;
        }
        TreeSet<String> keys = new TreeSet<>();
        value.fieldNames().forEachRemaining(keys::add);
        current.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            if (value.get(key) == null || current.get(key) == null ? value.get(key) != current.get(key)
                    : !sameValues(value.get(key), current.get(key))) {
                problems.add("key 'settings." + key + "' is read-only here (" + text(current.get(key)) + " -> "
                        + text(value.get(key)) + "): it comes from the agents' configuration file");
            }
        }
    }

    private static String text(JsonNode node) {
        return node == null ? "absent" : node.asText();
    }

    private static List<String> names(JsonNode value, String key, List<String> problems) {
        List<String> names = new ArrayList<>();
        if (value == null || value.isNull()) {
            return names;
        }
        if (!value.isArray()) {
            problems.add("key '" + key + "': expected a list of node names, e.g. [node2]");
            return names;
        }
        for (JsonNode item : value) {
            if (!item.isTextual() || item.asText().isBlank()) {
                problems.add("key '" + key + "': expected node names, got '" + item + "'");
            } else {
                names.add(item.asText());
            }
        }
        return names;
    }

    /**
     * What applying {@code replacement} to {@code current} changes, one line per change ({@code property
     * migration-threshold: 1 -> 3}); empty when nothing changes.
     */
    public static List<String> diff(Cib current, ReplaceConfiguration replacement) {
        List<String> lines = new ArrayList<>();
        for (ClusterProperty p : ClusterProperty.values()) {
            String before = p.value(current);
            String after = replacement.properties().getOrDefault(p.propertyName(), p.defaultValue());
            if (!before.equals(after)) {
                lines.add("property " + p.propertyName() + ": " + before + " -> " + after
                        + (replacement.properties().containsKey(p.propertyName()) ? "" : " (absent: the default)"));
            }
        }
        listDiff(lines, "maintenance-nodes", current.maintenance().nodes(), replacement.maintenanceNodes());
        listDiff(lines, "standby-nodes", current.standby(), replacement.standbyNodes());
        lines.addAll(ResourceDocument.diff(current.resources(), replacement.resources()));
        return lines;
    }

    private static void listDiff(List<String> lines, String key, List<String> before, List<String> after) {
        for (String node : new TreeSet<>(after)) {
            if (!before.contains(node)) {
                lines.add(key + ": + " + node);
            }
        }
        for (String node : before) {
            if (!after.contains(node)) {
                lines.add(key + ": - " + node);
            }
        }
    }
}
