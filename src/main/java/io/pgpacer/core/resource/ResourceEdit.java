package io.pgpacer.core.resource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

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

        @Override
        public List<String> names() {
            return group == null ? Arrays.asList(id) : Arrays.asList(id, group);
        }
    }

    /** {@code pcs resource delete ID}: a primitive or a group (with its members), and the constraints naming it. */
    record Delete(String id) implements ResourceEdit {

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

        @Override
        public List<String> names() {
            return Arrays.asList(id);
        }
    }

    /** {@code enable|disable} ({@code enabled}) and {@code manage|unmanage} ({@code managed}); null leaves it. */
    record SetMeta(String id, Boolean enabled, Boolean managed) implements ResourceEdit {

        @Override
        public List<String> names() {
            return Arrays.asList(id);
        }
    }

    /** {@code pcs constraint ... add}; a null id is generated the way pcs names constraints. */
    record AddConstraint(Constraint constraint) implements ResourceEdit {

        @Override
        public List<String> names() {
            return constraint.resources();
        }
    }

    /** {@code pcs constraint remove ID}. */
    record RemoveConstraint(String id) implements ResourceEdit {

        @Override
        public List<String> names() {
            return List.of();
        }
    }

    /** {@code pcs resource ban ID NODE}: a location constraint of -INFINITY ({@code cli-ban-ID-on-NODE}). */
    record Ban(String id, String node) implements ResourceEdit {

        @Override
        public List<String> names() {
            return Arrays.asList(id);
        }
    }

    /** {@code pcs resource move ID NODE}: a location constraint of INFINITY ({@code cli-prefer-ID}). */
    record Move(String id, String node) implements ResourceEdit {

        @Override
        public List<String> names() {
            return Arrays.asList(id);
        }
    }

    /** {@code pcs resource clear ID [NODE]}: removes the constraints that move and ban created. */
    record Clear(String id, String node) implements ResourceEdit {

        @Override
        public List<String> names() {
            return Arrays.asList(id);
        }
    }
}
