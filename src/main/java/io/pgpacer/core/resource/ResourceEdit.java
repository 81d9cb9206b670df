package io.pgpacer.core.resource;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One operator change of the resources or constraints, as the CLI verbs and the API express it ({@code pgpacer
 * resource create|delete|update|enable|disable|manage|unmanage|ban|move|clear}, {@code constraint add|remove}).
 * {@link ResourceEdits#apply} turns it into new {@link Resources}.
 */
public sealed interface ResourceEdit {

    /** The resource and group ids the change names. */
    List<String> names();

    /** {@code pcs resource create ID TYPE params... op ... [--group GROUP]}. */
    record Create(String id, String type, Map<String, String> params, List<Operation> operations,
            Integer migrationThreshold, String group, boolean disabled) implements ResourceEdit {

        public Create {
            required(id, "id");
            required(type, "type");
            params = present(params, "params");
            operations = present(operations, "operations");
        }

        @Override
        public List<String> names() {
            return group == null ? Arrays.asList(id) : Arrays.asList(id, group);
        }
    }

    /** {@code pcs resource delete ID}: a primitive or a group (with its members), and the constraints naming it. */
    record Delete(String id) implements ResourceEdit {

        public Delete {
            required(id, "id");
        }

        @Override
        public List<String> names() {
            return Arrays.asList(id);
        }
    }

    /**
     * {@code pcs resource update ID params... op ...}: parameters given replace those of the same name (an empty
     * value removes one); operations given replace those of the same name and role.
     */
    record Update(String id, Map<String, String> params, List<Operation> operations, Integer migrationThreshold)
            implements ResourceEdit {

        public Update {
            required(id, "id");
            params = present(params, "params");
            operations = present(operations, "operations");
        }

        @Override
        public List<String> names() {
            return Arrays.asList(id);
        }
    }

    /** {@code enable|disable} ({@code enabled}) and {@code manage|unmanage} ({@code managed}); null leaves it. */
    record SetMeta(String id, Boolean enabled, Boolean managed) implements ResourceEdit {

        public SetMeta {
            required(id, "id");
        }

        @Override
        public List<String> names() {
            return Arrays.asList(id);
        }
    }

    /** {@code pcs constraint ... add}; a null id is generated the way pcs names constraints. */
    record AddConstraint(Constraint constraint) implements ResourceEdit {

        public AddConstraint {
            if (constraint == null) {
                throw new IllegalArgumentException("the change has no 'constraint'; give the constraint to add");
            }
        }

        @Override
        public List<String> names() {
            return constraint.resources();
        }
    }

    /** {@code pcs constraint remove ID}. */
    record RemoveConstraint(String id) implements ResourceEdit {

        public RemoveConstraint {
            required(id, "id");
        }

        @Override
        public List<String> names() {
            return List.of();
        }
    }

    /** {@code pcs resource ban ID NODE}: a location constraint of -INFINITY ({@code cli-ban-ID-on-NODE}). */
    record Ban(String id, String node) implements ResourceEdit {

        public Ban {
            required(id, "id");
            required(node, "node");
        }

        @Override
        public List<String> names() {
            return Arrays.asList(id);
        }
    }

    /** {@code pcs resource move ID NODE}: a location constraint of INFINITY ({@code cli-prefer-ID}). */
    record Move(String id, String node) implements ResourceEdit {

        public Move {
            required(id, "id");
            required(node, "node");
        }

        @Override
        public List<String> names() {
            return Arrays.asList(id);
        }
    }

    /** {@code pcs resource clear ID [NODE]}: removes the constraints that move and ban created. */
    record Clear(String id, String node) implements ResourceEdit {

        public Clear {
            required(id, "id");
        }

        @Override
        public List<String> names() {
            return Arrays.asList(id);
        }
    }

    // why: a change read from JSON may leave out what it names; say which key, instead of a NullPointerException
    // deep in apply() (found by the fuzzer).
    private static void required(String value, String key) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("the change has no '" + key + "'; give it");
        }
    }

    // why: a change read from JSON may leave out a collection or hold a null in it; absent means none, a null
    // entry is refused here, in words, instead of a NullPointerException deep in apply().
    private static Map<String, String> present(Map<String, String> values, String what) {
        if (values == null) {
            return Map.of();
        }
        values.forEach((name, value) -> {
            if (name == null || value == null) {
                throw new IllegalArgumentException(what + " '" + name + "' has no value; give NAME=VALUE");
            }
        });
        return Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    private static <T> List<T> present(List<T> values, String what) {
        if (values == null) {
            return List.of();
        }
        if (values.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException(what + " holds an empty entry; give each one in full");
        }
        return List.copyOf(values);
    }
}
