package io.pgpacer.core.resource;

import io.pgpacer.core.model.Durations;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the words of pcs-style resource and constraint commands ({@code ip=198.18.0.50 cidr_netmask=24 op monitor
 * interval=10s timeout=20s on-fail=restart meta migration-threshold=3}, {@code master-group with master msPostgresql
 * INFINITY}, {@code promote msPostgresql then start master-group}, {@code vip prefers node1=50}). Each problem is an
 * {@link IllegalArgumentException} that names the word and what is expected there.
 */
public final class ResourceSyntax {

    /** Parameters, operations and meta attributes of {@code resource create|update}. */
    public record Definition(Map<String, String> params, List<Operation> operations, Integer migrationThreshold) {
    }

    private ResourceSyntax() {
    }

    public static Definition definition(List<String> words) {
        Map<String, String> params = new LinkedHashMap<>();
        List<Operation> operations = new ArrayList<>();
        Integer migrationThreshold = null;
        String section = "params";
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            if (word.equals("op")) {
                if (i + 1 >= words.size()) {
                    throw new IllegalArgumentException("'op' needs an operation name: start, stop, monitor, promote"
                            + " or demote, then key=value options");
                }
                int end = i + 2;
                while (end < words.size() && words.get(end).contains("=")) {
                    end++;
                }
                operations.add(operation(words.get(i + 1), words.subList(i + 2, end)));
                i = end - 1;
                section = "params";
                continue;
            }
            if (word.equals("meta")) {
                section = "meta";
                continue;
            }
            int eq = word.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected NAME=VALUE, 'op NAME ...' or 'meta NAME=VALUE', got '"
                        + word + "'");
            }
            String name = word.substring(0, eq).trim();
            String value = word.substring(eq + 1).trim();
            if (section.equals("meta")) {
                if (!name.equals("migration-threshold")) {
                    throw new IllegalArgumentException("unknown meta attribute '" + name + "'; the meta attribute here"
                            + " is migration-threshold (use 'resource enable|disable|manage|unmanage' for the others)");
                }
                // why 0 for INFINITY: the resource then never leaves a node for its failures, as Pacemaker means it
                migrationThreshold = value.equalsIgnoreCase("INFINITY") ? 0 : wholeNumber(name, value);
            } else {
                params.put(name, value);
            }
        }
        return new Definition(params, operations, migrationThreshold);
    }

    // op NAME interval=10s timeout=20s on-fail=restart role=Master
    public static Operation operation(String name, List<String> options) {
        Operation defaults = Primitive.defaultOperation(name);
        long interval = name.equals("monitor") ? defaults.intervalMillis() : 0;
        long timeout = defaults.timeoutMillis();
        OnFail onFail = defaults.onFail();
        String role = null;
        for (String option : options) {
            int eq = option.indexOf('=');
            String key = option.substring(0, eq);
            String value = option.substring(eq + 1);
            switch (key) {
                case "interval" -> interval = duration("op " + name + " interval", value);
                case "timeout" -> timeout = duration("op " + name + " timeout", value);
                case "on-fail" -> onFail = OnFail.parse(value);
                case "role" -> role = role(value);
                default -> throw new IllegalArgumentException("unknown option '" + key + "' of op " + name
                        + "; options are interval, timeout, on-fail, role");
            }
        }
        return new Operation(name, interval, timeout, onFail, role);
    }

    /** {@code A with [master|slave] B [SCORE] [id=ID]}. */
    public static Constraint colocation(List<String> words) {
        List<String> rest = new ArrayList<>(words);
        String id = takeId(rest);
        if (rest.size() < 3 || !rest.get(1).equals("with")) {
            throw new IllegalArgumentException("expected 'RESOURCE with [master|slave] RESOURCE [SCORE]', got '"
                    + String.join(" ", words) + "'");
        }
        String resource = rest.get(0);
        int next = 2;
        String role = null;
        if (rest.size() > 3 && isRole(rest.get(2))) {
            role = role(rest.get(2));
            next = 3;
        }
        String with = rest.get(next);
        int score = rest.size() > next + 1 ? Score.parse(rest.get(next + 1)) : Score.INFINITY;
        if (rest.size() > next + 2) {
            throw new IllegalArgumentException("unexpected '" + rest.get(next + 2) + "' after the score");
        }
        return new Constraint.Colocation(id, resource, with, role, score);
    }

    /** {@code [ACTION] A then [ACTION] B [id=ID]}; the action is start when not given. */
    public static Constraint order(List<String> words) {
        List<String> rest = new ArrayList<>(words);
        String id = takeId(rest);
        int then = rest.indexOf("then");
        if (then < 1 || then > 2 || rest.size() - then - 1 < 1 || rest.size() - then - 1 > 2) {
            throw new IllegalArgumentException("expected '[ACTION] RESOURCE then [ACTION] RESOURCE' (actions start,"
                    + " stop, promote, demote), got '" + String.join(" ", words) + "'");
        }
        String firstAction = then == 2 ? rest.get(0) : "start";
        String first = rest.get(then - 1);
        String thenAction = rest.size() - then - 1 == 2 ? rest.get(then + 1) : "start";
        String thenResource = rest.get(rest.size() - 1);
        return new Constraint.Ordering(id, firstAction, first, thenAction, thenResource);
    }

    /** {@code A prefers|avoids NODE[=SCORE] [id=ID] [origin=move|ban]}. */
    public static Constraint location(List<String> words) {
        List<String> rest = new ArrayList<>(words);
        String id = takeId(rest);
        String origin = Constraint.Location.USER;
        for (int i = 0; i < rest.size(); i++) {
            if (rest.get(i).startsWith("origin=")) {
                origin = rest.remove(i).substring("origin=".length());
                break;
            }
        }
        if (rest.size() != 3 || !(rest.get(1).equals("prefers") || rest.get(1).equals("avoids"))) {
            throw new IllegalArgumentException("expected 'RESOURCE prefers|avoids NODE[=SCORE]', got '"
                    + String.join(" ", words) + "'");
        }
        boolean prefers = rest.get(1).equals("prefers");
        String target = rest.get(2);
        int eq = target.indexOf('=');
        String node = eq < 0 ? target : target.substring(0, eq);
        int score = eq < 0 ? Score.INFINITY : Score.parse(target.substring(eq + 1));
        return new Constraint.Location(id, rest.get(0), node, prefers ? score : -score, origin);
    }

    /**
     * A constraint from one line: its type, then its words ({@code colocation pgbouncer with master msPostgresql
     * INFINITY id=c1}), as {@link #line} writes it.
     */
    public static Constraint constraint(String line) {
        List<String> words = new ArrayList<>(List.of(line.trim().split("\\s+")));
        String type = words.isEmpty() ? "" : words.remove(0);
        return switch (type) {
            case "colocation" -> colocation(words);
            case "order" -> order(words);
            case "location" -> location(words);
            default -> throw new IllegalArgumentException("unknown constraint type '" + type + "' in '" + line
                    + "'; types are colocation, order, location");
        };
    }

    /** The one-line form {@link #constraint} reads back. */
    public static String line(Constraint c) {
        if (c instanceof Constraint.Colocation col) {
            return "colocation " + col.resource() + " with " + (col.withRole() == null ? ""
                    : col.withRole().toLowerCase(Locale.ROOT) + " ") + col.withResource() + " "
                    + Score.render(col.score()) + " id=" + col.id();
        } else if (c instanceof Constraint.Ordering order) {
            return "order " + order.firstAction() + " " + order.first() + " then " + order.thenAction() + " "
                    + order.then() + " id=" + order.id();
        }
        Constraint.Location loc = (Constraint.Location) c;
        return "location " + loc.resource() + (loc.score() < 0 ? " avoids " : " prefers ") + loc.node() + "="
                + Score.render(Math.abs(loc.score())) + " id=" + loc.id()
                + (Constraint.Location.USER.equals(loc.origin()) ? "" : " origin=" + loc.origin());
    }

    private static String takeId(List<String> words) {
        for (int i = 0; i < words.size(); i++) {
            if (words.get(i).startsWith("id=")) {
                return words.remove(i).substring(3);
            }
        }
        return null;
    }

    private static boolean isRole(String word) {
        return List.of("master", "slave", "promoted", "unpromoted", "started").contains(word.toLowerCase(Locale.ROOT));
    }

    // Pacemaker 2.1 says Promoted/Unpromoted where 1.1 said Master/Slave; both are read.
    private static String role(String word) {
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "master", "promoted" -> PostgresClone.MASTER;
            case "slave", "unpromoted" -> PostgresClone.SLAVE;
            case "started" -> null;
            default -> throw new IllegalArgumentException("unknown role '" + word + "'; roles are master and slave");
        };
    }

    private static long duration(String what, String value) {
        return Durations.parse(value).orElseThrow(() -> new IllegalArgumentException(what + " '" + value
                + "' is not " + Durations.ACCEPTED));
    }

    private static int wholeNumber(String what, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + value + "' is not a whole number");
        }
    }
}
