package io.pgpacer.core.resource;

import java.util.Arrays;
import java.util.List;

/** A constraint on where and when resources run (Pacemaker's {@code <constraints>}). */
public sealed interface Constraint permits Constraint.Colocation, Constraint.Ordering, Constraint.Location {

    String id();

    /** The resources it names, subject first. */
    List<String> resources();

    /** As {@code pcs constraint} lists it. */
    String render();

    /**
     * {@code resource} runs where {@code withResource} runs (positive score) or away from it (negative); with a role
     * of the PostgreSQL clone, where that role runs ({@code colocation add master-group with master msPostgresql}).
     *
     * @param withRole {@link PostgresClone#MASTER}, {@link PostgresClone#SLAVE} or null (wherever it is started)
     */
    record Colocation(String id, String resource, String withResource, String withRole, int score)
            implements Constraint {

        @Override
        public List<String> resources() {
            return Arrays.asList(resource, withResource);
        }

        @Override
        public String render() {
            return resource + " with " + (withRole == null ? "" : withRole.toLowerCase(java.util.Locale.ROOT) + " ")
                    + withResource + " (score:" + Score.render(score) + ") (id:" + id + ")";
        }
    }

    /**
     * {@code thenAction} of {@code then} happens only after {@code firstAction} of {@code first} succeeded
     * ({@code order promote msPostgresql then start master-group}); not symmetrical, as in the reference.
     *
     * @param firstAction {@code start}, {@code stop}, {@code promote} or {@code demote}
     */
    record Ordering(String id, String firstAction, String first, String thenAction, String then)
            implements Constraint {

        public static final List<String> ACTIONS = List.of("start", "stop", "promote", "demote");

        @Override
        public List<String> resources() {
            return Arrays.asList(then, first);
        }

        @Override
        public String render() {
            return firstAction + " " + first + " then " + thenAction + " " + then + " (id:" + id + ")";
        }
    }

    /**
     * {@code resource} prefers {@code node} (positive score), avoids it (negative) or must never run there
     * (-INFINITY).
     *
     * @param origin {@code user} for {@code constraint add location}; {@code move} and {@code ban} for the
     *     constraints {@code resource move} and {@code resource ban} create, which {@code resource clear} removes
     */
    record Location(String id, String resource, String node, int score, String origin) implements Constraint {

        public static final String USER = "user";
        public static final String MOVE = "move";
        public static final String BAN = "ban";

        @Override
        public List<String> resources() {
            return Arrays.asList(resource);
        }

        @Override
        public String render() {
            return resource + (score < 0 ? " avoids " : " prefers ") + node + " (score:" + Score.render(score)
                    + ")" + (USER.equals(origin) ? "" : " (" + origin + ")") + " (id:" + id + ")";
        }
    }
}
