package io.pgpacer.pcs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a shell script of {@code pcs} commands (the reference's {@code cluster_setup.sh}: {@code pcs -f FILE property
 * set ...}, {@code resource create ...}, {@code constraint ...}) into the same model as a CIB. Commands that configure
 * nothing ({@code cluster cib}, {@code cib-push}) are skipped; anything else that is not understood is listed.
 */
public final class PcsScriptReader {

    private final String name;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private final Map<String, String> defaults = new LinkedHashMap<>();
    private final List<String> nodes = new ArrayList<>();
    private final Map<String, String> addresses = new LinkedHashMap<>();
    private final List<PacemakerConfig.Primitive> primitives = new ArrayList<>();
    private final List<PacemakerConfig.Group> groups = new ArrayList<>();
    private final List<PacemakerConfig.Clone> clones = new ArrayList<>();
    private final List<PacemakerConfig.Constraint> constraints = new ArrayList<>();
    private final List<ImportNote> notes = new ArrayList<>();

    private PcsScriptReader(String name) {
        this.name = name;
    }

    /** Whether a line of {@code script} starts with a {@code pcs} command, the mark of a pcs script. */
    public static boolean isPcsScript(String script) {
        return script.lines().map(String::strip).anyMatch(l -> l.startsWith("pcs ") || l.equals("pcs"));
    }

    /** @throws ImportException when the script cannot be split into words (an unclosed quote) */
    public static PacemakerConfig read(String name, String script) {
        PcsScriptReader reader = new PcsScriptReader(name);
        for (List<String> command : ShellWords.commands(name, script)) {
            reader.command(command);
        }
        return new PacemakerConfig(PacemakerConfig.Source.PCS_SCRIPT, reader.properties, reader.defaults,
                reader.nodes, reader.addresses, reader.primitives, reader.groups, reader.clones, reader.constraints,
                reader.notes);
    }

    private void command(List<String> words) {
        if (!words.get(0).equals("pcs")) {
            notes.add(new ImportNote(ImportNote.Kind.NOT_IMPORTED, words.get(0), "not a pcs command; left out"));
            return;
        }
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < words.size(); i++) {
            // why: -f FILE only says which CIB copy pcs edits; the script's commands are read in order either way
            if (words.get(i).equals("-f") && i + 1 < words.size()) {
                i++;
            } else {
                rest.add(words.get(i));
            }
        }
        String shown = "pcs " + String.join(" ", rest.subList(0, Math.min(2, rest.size())));
        if (rest.size() < 2) {
            notes.add(new ImportNote(ImportNote.Kind.NOT_IMPORTED, shown, "configures nothing; left out"));
            return;
        }
        String area = rest.get(0);
        String verb = rest.get(1);
        List<String> args = rest.subList(2, rest.size());
        switch (area + " " + verb) {
            case "cluster cib", "cluster cib-push", "cluster start", "cluster enable", "cluster stop" -> {
                // the mechanics of applying a script, not configuration
            }
            case "cluster auth", "host auth" -> notes.add(new ImportNote(ImportNote.Kind.NOT_IMPORTED, shown,
                    "not needed: pgpacer's agents and CLI use the API token (api.token-file) instead of pcsd's"
                            + " hacluster login; its password was not written anywhere"));
            case "cluster setup" -> setup(args);
            case "property set" -> properties.putAll(pairs(args));
            case "resource defaults", "resource op" -> {
                List<String> values = args.isEmpty() || !args.get(0).equals("update") ? args
                        : args.subList(1, args.size());
                if (verb.equals("op")) {
                    notes.add(new ImportNote(ImportNote.Kind.NOT_IMPORTED, shown + " " + String.join(" ", values),
                            "operation defaults are not imported; each resource's operations are"));
                } else {
                    defaults.putAll(pairs(values));
                }
            }
            case "resource create" -> create(args);
            case "resource master", "resource promotable", "resource clone" -> clone(verb, args);
            case "resource group" -> group(args);
            case "resource meta" -> meta(args);
            case "constraint colocation" -> colocation(args);
            case "constraint order" -> order(args);
            case "constraint location" -> location(args);
            case "stonith create" -> primitives.add(new PacemakerConfig.Primitive(args.isEmpty() ? "stonith"
                    : args.get(0), "stonith:" + (args.size() > 1 ? args.get(1) : ""), Map.of(), Map.of(),
                    List.of()));
            default -> notes.add(new ImportNote(ImportNote.Kind.NOT_IMPORTED, shown,
                    "not a pcs command that the import reads; left out"));
        }
    }

    // pcs 0.9: setup --name NAME NODE...; pcs 0.10+: setup NAME NODE [addr=ADDRESS]...
    private void setup(List<String> args) {
        List<String> words = new ArrayList<>(args);
        int nameFlag = words.indexOf("--name");
        if (nameFlag >= 0 && nameFlag + 1 < words.size()) {
            properties.put("cluster-name", words.get(nameFlag + 1));
            words.remove(nameFlag + 1);
            words.remove(nameFlag);
        } else if (!words.isEmpty()) {
            properties.put("cluster-name", words.remove(0));
        }
        String last = null;
        for (String word : words) {
            if (word.startsWith("addr=") && last != null) {
                addresses.putIfAbsent(last, word.substring("addr=".length()));
            } else if (!word.startsWith("-") && !word.contains("=") && !List.of("transport", "totem", "quorum")
                    .contains(word)) {
                nodes.add(word);
                last = word;
            }
        }
    }

    private void create(List<String> args) {
        if (args.size() < 2) {
            notes.add(new ImportNote(ImportNote.Kind.NOT_IMPORTED, "pcs resource create " + String.join(" ", args),
                    "names no resource type; left out"));
            return;
        }
        String id = args.get(0);
        String agent = agent(args.get(1));
        Map<String, String> params = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        Map<String, String> cloneMeta = new LinkedHashMap<>();
        List<PacemakerConfig.Op> ops = new ArrayList<>();
        String section = "params";
        String group = null;
        String cloneKind = null;
        Map<String, String> op = null;
        String opName = null;
        List<String> rest = args.subList(2, args.size());
        for (int i = 0; i < rest.size(); i++) {
            String word = rest.get(i);
            switch (word) {
                case "op", "meta" -> {
                    section = word;
                    continue;
                }
                case "clone", "promotable", "master" -> {
                    section = "clone";
                    cloneKind = word;
                    continue;
                }
                case "--group" -> {
                    group = i + 1 < rest.size() ? rest.get(++i) : null;
                    continue;
                }
                case "--disabled" -> {
                    meta.put("target-role", "Stopped");
                    continue;
                }
                default -> {
                }
            }
            if (word.startsWith("--")) {
                continue;
            }
            int eq = word.indexOf('=');
            if (section.equals("op") && eq < 0) {
                if (opName != null) {
                    ops.add(op(opName, op));
                }
                opName = word;
                op = new LinkedHashMap<>();
            } else if (eq > 0) {
                String key = word.substring(0, eq);
                String value = word.substring(eq + 1);
                switch (section) {
                    case "op" -> op.put(key, value);
                    case "meta" -> meta.put(key, value);
                    case "clone" -> cloneMeta.put(key, value);
                    default -> params.put(key, value);
                }
            }
        }
        if (opName != null) {
            ops.add(op(opName, op));
        }
        primitives.add(new PacemakerConfig.Primitive(id, agent, params, meta, ops));
        if (group != null) {
            addToGroup(group, List.of(id));
        }
        if (cloneKind != null) {
            if (!cloneKind.equals("clone")) {
                cloneMeta.put("promotable", "true");
            }
            clones.add(new PacemakerConfig.Clone(id + "-clone", id, cloneMeta));
        }
    }

    private static PacemakerConfig.Op op(String name, Map<String, String> options) {
        return new PacemakerConfig.Op(name, options.get("interval"), options.get("timeout"), options.get("on-fail"),
                options.get("role"));
    }

    // pcs resolves a bare type by searching the installed agents; these are the ones a PostgreSQL cluster uses.
    private static String agent(String type) {
        if (type.contains(":")) {
            return type;
        }
        return "ocf:heartbeat:" + type;
    }

    private void clone(String verb, List<String> args) {
        if (args.isEmpty()) {
            return;
        }
        // pcs 0.9: resource master NAME RESOURCE OPTIONS; pcs 0.10: resource promotable RESOURCE [NAME] OPTIONS
        String first = args.get(0);
        String second = args.size() > 1 && !args.get(1).contains("=") ? args.get(1) : null;
        boolean firstIsResource = primitives.stream().anyMatch(p -> p.id().equals(first));
        String cloneId = verb.equals("master") && second != null ? first
                : second != null && firstIsResource ? second : first + (verb.equals("master") ? "-master" : "-clone");
        String resource = verb.equals("master") && second != null ? second : first;
        Map<String, String> meta = pairs(args.subList(second == null ? 1 : 2, args.size()));
        if (!verb.equals("clone")) {
            meta.put("promotable", "true");
        }
        clones.add(new PacemakerConfig.Clone(cloneId, resource, meta));
    }

    private void group(List<String> args) {
        if (args.size() >= 3 && args.get(0).equals("add")) {
            addToGroup(args.get(1), args.subList(2, args.size()).stream().filter(w -> !w.startsWith("--")).toList());
        } else {
            notes.add(new ImportNote(ImportNote.Kind.NOT_IMPORTED, "pcs resource group " + String.join(" ", args),
                    "only 'group add' is read; left out"));
        }
    }

    private void addToGroup(String id, List<String> members) {
        for (int i = 0; i < groups.size(); i++) {
            PacemakerConfig.Group g = groups.get(i);
            if (g.id().equals(id)) {
                List<String> all = new ArrayList<>(g.members());
                all.addAll(members);
                groups.set(i, new PacemakerConfig.Group(id, all, g.meta()));
                return;
            }
        }
        groups.add(new PacemakerConfig.Group(id, members, Map.of()));
    }

    private void meta(List<String> args) {
        if (args.isEmpty()) {
            return;
        }
        String id = args.get(0);
        Map<String, String> values = pairs(args.subList(1, args.size()));
        for (int i = 0; i < primitives.size(); i++) {
            PacemakerConfig.Primitive p = primitives.get(i);
            if (p.id().equals(id)) {
                Map<String, String> meta = new LinkedHashMap<>(p.meta());
                meta.putAll(values);
                primitives.set(i, new PacemakerConfig.Primitive(p.id(), p.agent(), p.params(), meta, p.operations()));
                return;
            }
        }
        notes.add(new ImportNote(ImportNote.Kind.NOT_IMPORTED, "pcs resource meta " + String.join(" ", args),
                "names no primitive created earlier in the script; left out"));
    }

    // colocation add [ROLE] A with [ROLE] B [SCORE] [id=ID]
    private void colocation(List<String> args) {
        List<String> words = new ArrayList<>(args);
        if (words.isEmpty() || !words.remove(0).equals("add")) {
            notes.add(new ImportNote(ImportNote.Kind.NOT_IMPORTED, "pcs constraint colocation " + String.join(" ", args),
                    "only 'colocation add' is read; left out"));
            return;
        }
        String id = takeOption(words, "id");
        String rscRole = isRole(words.get(0)) ? words.remove(0) : null;
        int with = words.indexOf("with");
        if (with != 1 || words.size() < 3) {
            notes.add(new ImportNote(ImportNote.Kind.NOT_IMPORTED, "pcs constraint colocation " + String.join(" ", args),
                    "not of the form 'add [ROLE] A with [ROLE] B [SCORE]'; left out"));
            return;
        }
        String rsc = words.get(0);
        int next = 2;
        String withRole = isRole(words.get(next)) && words.size() > next + 1 ? words.get(next++) : null;
        String withRsc = words.get(next);
        String score = words.size() > next + 1 ? words.get(next + 1) : "INFINITY";
        if (score.startsWith("score=")) {
            score = score.substring("score=".length());
        }
        constraints.add(new PacemakerConfig.Colocation(id != null ? id : "colocation-" + rsc + "-" + withRsc + "-"
                + score, rsc, rscRole, withRsc, withRole, score));
    }

    // order [ACTION] A then [ACTION] B [OPTION=VALUE]...
    private void order(List<String> args) {
        List<String> words = new ArrayList<>(args);
        String id = takeOption(words, "id");
        String score = takeOption(words, "score");
        String kind = takeOption(words, "kind");
        String symmetrical = takeOption(words, "symmetrical");
        int then = words.indexOf("then");
        if (then < 1 || then > 2 || words.size() - then - 1 < 1 || words.size() - then - 1 > 2) {
            notes.add(new ImportNote(ImportNote.Kind.NOT_IMPORTED, "pcs constraint order " + String.join(" ", args),
                    "not of the form '[ACTION] A then [ACTION] B'; left out"));
            return;
        }
        String firstAction = then == 2 ? words.get(0) : "start";
        String first = words.get(then - 1);
        String thenAction = words.size() - then - 1 == 2 ? words.get(then + 1) : "start";
        String thenRsc = words.get(words.size() - 1);
        String strength = score != null ? score : kind;
        constraints.add(new PacemakerConfig.Order(id != null ? id : "order-" + first + "-" + thenRsc + "-"
                + (strength == null ? "mandatory" : strength), firstAction, first, thenAction, thenRsc, strength,
                symmetrical));
    }

    // location A prefers|avoids NODE[=SCORE]...; location A rule [score=S] EXPRESSION
    private void location(List<String> args) {
        if (args.size() < 3) {
            notes.add(new ImportNote(ImportNote.Kind.NOT_IMPORTED, "pcs constraint location " + String.join(" ", args),
                    "incomplete; left out"));
            return;
        }
        String rsc = args.get(0);
        String how = args.get(1);
        if (how.equals("rule")) {
            List<String> words = new ArrayList<>(args.subList(2, args.size()));
            String id = takeOption(words, "id");
            String score = takeOption(words, "score");
            takeOption(words, "role");
            constraints.add(new PacemakerConfig.RuleLocation(id != null ? id : "location-" + rsc, rsc,
                    List.of(new PacemakerConfig.Rule(score == null ? "INFINITY" : score,
                            List.of(String.join(" ", words)), null))));
            return;
        }
        if (!how.equals("prefers") && !how.equals("avoids")) {
            notes.add(new ImportNote(ImportNote.Kind.NOT_IMPORTED, "pcs constraint location " + String.join(" ", args),
                    "only 'prefers', 'avoids' and 'rule' are read; left out"));
            return;
        }
        for (String target : args.subList(2, args.size())) {
            int eq = target.indexOf('=');
            String node = eq < 0 ? target : target.substring(0, eq);
            String score = eq < 0 ? "INFINITY" : target.substring(eq + 1);
            if (how.equals("avoids")) {
                score = score.startsWith("-") ? score.substring(1) : "-" + score;
            }
            constraints.add(new PacemakerConfig.Location("location-" + rsc + "-" + node + "-" + score, rsc, node,
                    score));
        }
    }

    private static boolean isRole(String word) {
        return List.of("master", "slave", "promoted", "unpromoted", "started").contains(word.toLowerCase(Locale.ROOT));
    }

    private static String takeOption(List<String> words, String key) {
        for (int i = 0; i < words.size(); i++) {
            if (words.get(i).startsWith(key + "=")) {
                return words.remove(i).substring(key.length() + 1);
            }
        }
        return null;
    }

    private static Map<String, String> pairs(List<String> words) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                values.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return values;
    }
}
