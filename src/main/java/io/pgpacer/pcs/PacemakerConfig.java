package io.pgpacer.pcs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a Pacemaker cluster's configuration says, read from a CIB or a pcs script, in Pacemaker's own words: the
 * values are kept as written ({@code INFINITY}, {@code 10s}, {@code Promoted}); the translation interprets them.
 *
 * @param nodes the node names the input lists ({@code <nodes>} of a CIB, {@code pcs cluster setup}); may be empty
 * @param nodeAddresses addresses the input gives ({@code pcs cluster setup NODE addr=ADDRESS}); a CIB has none
 * @param readNotes what the reader left out on purpose (a pcs password, a command that configures nothing)
 */
public record PacemakerConfig(Source source, Map<String, String> properties, Map<String, String> resourceDefaults,
        List<String> nodes, Map<String, String> nodeAddresses, List<Primitive> primitives, List<Group> groups,
        List<Clone> clones, List<Constraint> constraints, List<ImportNote> readNotes) {

    public PacemakerConfig {
        properties = copy(properties);
        resourceDefaults = copy(resourceDefaults);
        nodes = List.copyOf(nodes);
        nodeAddresses = copy(nodeAddresses);
        primitives = List.copyOf(primitives);
        groups = List.copyOf(groups);
        clones = List.copyOf(clones);
        constraints = List.copyOf(constraints);
        readNotes = List.copyOf(readNotes);
    }

    /** Where the configuration was read from. */
    public enum Source {
        CIB("CIB"), PCS_SCRIPT("pcs script");

        private final String text;

        Source(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /**
     * A primitive resource.
     *
     * @param agent {@code class:provider:type} or {@code class:type} ({@code ocf:heartbeat:IPaddr2}, {@code systemd:pgbouncer})
     */
    public record Primitive(String id, String agent, Map<String, String> params, Map<String, String> meta,
            List<Op> operations) {

        public Primitive {
            params = copy(params);
            meta = copy(meta);
            operations = List.copyOf(operations);
        }

        public Optional<String> param(String name) {
            return Optional.ofNullable(params.get(name));
        }
    }

    /** An operation as written: {@code op monitor interval=10s timeout=60s on-fail=restart role=Master}. */
    public record Op(String name, String interval, String timeout, String onFail, String role) {
    }

    public record Group(String id, List<String> members, Map<String, String> meta) {

        public Group {
            members = List.copyOf(members);
            meta = copy(meta);
        }
    }

    /** A clone, promotable or not, of one primitive. */
    public record Clone(String id, String primitive, Map<String, String> meta) {

        public Clone {
            meta = copy(meta);
        }
    }

    /** A constraint, in Pacemaker's words. */
    public sealed interface Constraint permits Colocation, Order, Location, RuleLocation {
        String id();
    }

    /** {@code rsc} (in {@code rscRole}) with {@code withRsc} (in {@code withRole}); roles may be null. */
    public record Colocation(String id, String rsc, String rscRole, String withRsc, String withRole, String score)
            implements Constraint {
    }

    /** {@code firstAction first then thenAction then}; {@code symmetrical} as written, or null. */
    public record Order(String id, String firstAction, String first, String thenAction, String then, String score,
            String symmetrical) implements Constraint {
    }

    public record Location(String id, String rsc, String node, String score) implements Constraint {
    }

    /** A location decided by rules on node attributes ({@code pgsql-status eq HS:sync}), each with its score. */
    public record RuleLocation(String id, String rsc, List<Rule> rules) implements Constraint {

        public RuleLocation {
            rules = List.copyOf(rules);
        }
    }

    /** One rule: its score and its expressions as text ({@code pgsql-status eq HS:sync}), joined by its operator. */
    public record Rule(String score, List<String> expressions, String booleanOp) {

        public Rule {
            expressions = List.copyOf(expressions);
        }

        public String text() {
            return String.join(" " + (booleanOp == null ? "and" : booleanOp) + " ", expressions);
        }
    }

    private static Map<String, String> copy(Map<String, String> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
