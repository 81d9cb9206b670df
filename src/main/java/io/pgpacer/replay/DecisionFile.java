package io.pgpacer.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.pgpacer.config.StrictYaml;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterProperty;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.CommitGuardReport;
import io.pgpacer.core.cib.FailCount;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.Maintenance;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.ReaderVip;
import io.pgpacer.core.cib.ReaderVipPolicy;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.cib.Switchover;
import io.pgpacer.core.cib.SyncSet;
import io.pgpacer.core.decide.ClusterSnapshot;
import io.pgpacer.core.decide.Plan;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.resource.Constraint;
import io.pgpacer.core.resource.Group;
import io.pgpacer.core.resource.PostgresClone;
import io.pgpacer.core.resource.Primitive;
import io.pgpacer.core.resource.ResourceFailCount;
import io.pgpacer.core.resource.ResourceKind;
import io.pgpacer.core.resource.ResourceMeta;
import io.pgpacer.core.resource.ResourceRuntime;
import io.pgpacer.core.resource.ResourceState;
import io.pgpacer.core.resource.Resources;
import io.pgpacer.core.resource.Score;
import io.pgpacer.store.CibJson;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scheduler input as a file, version {@value #FORMAT}: what the golden scenarios pin, what the controller records
 * for each plan it acts on, and what {@code pgpacer simulate} replays (Pacemaker's {@code pe-input} files). YAML, or
 * JSON, which YAML reads too. Times are relative to the controller's clock: {@code heard: 100ms} means the controller
 * last saw that node's report change 100 ms before its now, so a recording replays to the same decision on any
 * machine. The cluster is either written out in the compact words of the golden scenarios ({@code nodes:},
 * {@code reports:}, {@code lease:} …; see {@code src/test/resources/scheduler/INDEX.md}) or, in a recording, given
 * whole as the CIB's JSON under {@code cib:} with the controller's observations beside it.
 */
public final class DecisionFile {

    /** The version of the format this pgpacer writes and reads; a recording says which version wrote it. */
    public static final int FORMAT = 1;

    /**
     * The key of {@code recorded:} that says whether the member that wrote the file was the controller: a what-if
     * asks the controller first, whose observations the decision is really made on.
     */
    public static final String BY_THE_CONTROLLER = "controller";

    /** The controller's clock of every loaded snapshot; only differences to it matter. */
    static final long NOW = 1_000_000_000L;

    /** The wall clock when a file gives none: 2027-01-15T08:00:00Z. */
    static final long DEFAULT_WALL_CLOCK = 1_800_000_000_000L;

    private static final ObjectMapper YAML_WRITER = new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build());
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

    private static final Set<String> COMMON_KEYS = Set.of("format", "description", "recorded", "expected",
            "controller-started", "wall-clock", "heard");
    private static final Set<String> COMPACT_KEYS = Set.of("nodes", "properties", "settings", "reports", "primary",
            "history", "goals", "lease", "fail-counts", "failed-actions", "standby", "maintenance", "sync-set",
            "switchover", "reader-vip", "resources");
    private static final Set<String> RECORDED_KEYS = Set.of("cib", "lease-seen", "switchover-seen");
    private static final Set<String> REPORT_KEYS = Set.of("pg", "timeline", "lsn", "upstream", "streaming", "heard",
            "resources", "reader-vip", "reader-vip-seen", "guard");
    /** The lease's generation in a compact file; a report's {@code guard} is under it. */
    private static final long LEASE_GENERATION = 4;

    /**
     * A loaded file: the snapshot to decide on, with what the file says about it.
     *
     * @param expected the explanation the file pins ({@code expected:}), or null when it pins none
     */
    public record Decision(String description, ClusterSnapshot snapshot, String expected) {
    }

    /** The file is not a decision this pgpacer can read; the message says what is wrong, in one sentence. */
    public static final class BadDecisionFileException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public BadDecisionFileException(String message) {
            super(message);
        }
    }

    private DecisionFile() {
    }

    /**
     * Reads a decision file's text.
     *
     * @throws BadDecisionFileException naming the key and what it must be
     */
    public static Decision read(String text) {
        JsonNode doc;
        try {
            doc = StrictYaml.read(text);
        } catch (StrictYaml.InvalidYamlException e) {
            throw new BadDecisionFileException("the file " + e.getMessage());
        }
        if (doc == null || !doc.isObject()) {
            throw new BadDecisionFileException("the file holds no decision: expected a mapping with 'format: "
                    + FORMAT + "' and a cluster ('nodes:' or 'cib:')");
        }
        return read(doc);
    }

    /** Reads a decision file's tree (YAML or JSON). */
    public static Decision read(JsonNode doc) {
        checkFormat(doc);
        boolean recorded = doc.has("cib");
        for (Iterator<String> names = doc.fieldNames(); names.hasNext();) {
            String key = names.next();
            if (COMMON_KEYS.contains(key) || (recorded ? RECORDED_KEYS : COMPACT_KEYS).contains(key)) {
                continue;
            }
            if ((recorded ? COMPACT_KEYS : RECORDED_KEYS).contains(key)) {
                throw new BadDecisionFileException(recorded ? "key '" + key + "' cannot stand beside 'cib:', which"
                        + " gives the whole cluster; remove one of them" : "key '" + key + "' belongs to a recording"
                        + " and needs 'cib:'; use the compact keys (nodes, reports, lease, ...) or give 'cib:'");
            }
            throw new BadDecisionFileException("unknown key '" + key + "'; a decision file of format " + FORMAT
                    + " has " + new TreeMap<>(Map.of("common", COMMON_KEYS, "compact", COMPACT_KEYS, "recorded",
                            RECORDED_KEYS)).entrySet().stream().map(e -> e.getKey() + " " + new java.util.TreeSet<>(
                                    e.getValue())).toList());
        }
        long wallClock = doc.has("wall-clock") ? instant(doc.get("wall-clock"), "wall-clock") : DEFAULT_WALL_CLOCK;
        long controllerSince = NOW - duration(doc.path("controller-started"), "controller-started", "60s");
        ClusterSnapshot snapshot = recorded ? recorded(doc, controllerSince, wallClock)
                : compact(doc, controllerSince, wallClock);
        String description = doc.hasNonNull("description") ? doc.get("description").asText() : null;
        String expected = doc.hasNonNull("expected") ? doc.get("expected").asText().stripTrailing() : null;
        return new Decision(description, snapshot, expected);
    }

    private static void checkFormat(JsonNode doc) {
        JsonNode format = doc.get("format");
        if (format == null) {
            throw new BadDecisionFileException("key 'format' is missing; a decision file starts with 'format: "
                    + FORMAT + "'");
        }
        if (!format.canConvertToInt() || !format.isIntegralNumber() && !format.asText().matches("\\d+")) {
            throw new BadDecisionFileException("key 'format' is '" + format.asText() + "'; it must be a whole number"
                    + " (this pgpacer reads format " + FORMAT + ")");
        }
        int version = format.asInt();
        if (version > FORMAT) {
            throw new BadDecisionFileException("the file is of format " + version + ", newer than the format " + FORMAT
                    + " this pgpacer reads; replay it with the pgpacer version that recorded it");
        }
        if (version < 1) {
            throw new BadDecisionFileException("key 'format' is " + version + "; formats start at 1");
        }
    }

    // --- a recording: the whole CIB and the controller's observations --------------------------------------

    private static ClusterSnapshot recorded(JsonNode doc, long controllerSince, long wallClock) {
        Cib cib;
        try {
            cib = CibJson.decodeCib(CibJson.mapper().writeValueAsBytes(doc.get("cib")));
        } catch (JsonProcessingException | RuntimeException e) {
            throw new BadDecisionFileException("key 'cib' is not a CIB: " + firstLine(e.getMessage()));
        }
        if (cib.nodes().isEmpty()) {
            throw new BadDecisionFileException("key 'cib' configures no node; give the CIB as 'pgpacer cib query"
                    + " --format json' prints it");
        }
        Map<String, Long> lastHeard = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("heard").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            lastHeard.put(e.getKey(), NOW - duration(e.getValue(), "heard." + e.getKey(), null));
        }
        long leaseSeenAt = NOW - duration(doc.path("lease-seen"), "lease-seen", "0ms");
        long switchoverSeenAt = NOW - duration(doc.path("switchover-seen"), "switchover-seen", "0ms");
        return new ClusterSnapshot(cib, NOW, lastHeard, leaseSeenAt, controllerSince, switchoverSeenAt, wallClock);
    }

    /**
     * The recording of {@code snapshot} and the plan the controller made of it: the whole CIB, the observations as
     * ages, and the plan's explanation as {@code expected:}.
     */
    public static ObjectNode record(ClusterSnapshot snapshot, Plan plan, String description, String recordedBy,
            Instant recordedAt) {
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.put("format", FORMAT);
        doc.put("description", description);
        ObjectNode recorded = doc.putObject("recorded");
        recorded.put("by", recordedBy);
        recorded.put("at", recordedAt.toString());
        doc.put("controller-started", durationText(snapshot.now() - snapshot.controllerSince()));
        doc.put("wall-clock", Instant.ofEpochMilli(snapshot.wallClock()).toString());
        ObjectNode heard = doc.putObject("heard");
        new TreeMap<>(snapshot.lastHeard()).forEach((node, at) -> heard.put(node, durationText(snapshot.now() - at)));
        doc.put("lease-seen", durationText(snapshot.leaseAge()));
        doc.put("switchover-seen", durationText(snapshot.switchoverAge()));
        doc.set("cib", CibJson.mapper().valueToTree(snapshot.cib()));
        doc.put("expected", plan.explain() + "\n");
        return doc;
    }

    /** The document as YAML, the form recordings are written in. */
    public static String yaml(JsonNode doc) {
        try {
            return YAML_WRITER.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always writes as YAML", e);
        }
    }

    /** A duration as the files write it: whole seconds as {@code 6s}, anything else in milliseconds. */
    public static String durationText(long millis) {
        return millis % 1000 == 0 && millis != 0 ? millis / 1000 + "s" : millis + "ms";
    }

    // --- the compact words of the golden scenarios -------------------------------------------------------

    private static ClusterSnapshot compact(JsonNode doc, long controllerSince, long wallClock) {
        List<NodeSpec> specs = new ArrayList<>();
        int i = 1;
        for (JsonNode n : doc.path("nodes")) {
            String name = n.isTextual() ? n.asText() : n.path("name").asText();
            boolean witness = n.path("witness").asBoolean(false);
            specs.add(new NodeSpec(name, "127.0.0.1", 8000 + i, 9000 + i, witness ? 0 : 5400 + i, witness));
            i++;
        }
        if (specs.isEmpty()) {
            throw new BadDecisionFileException("key 'nodes' is missing or empty; list the nodes, e.g. 'nodes: [n1, n2,"
                    + " n3]', or give the whole CIB as 'cib:'");
        }
        Cib cib = Cib.EMPTY.initializedAs("golden", specs, ClusterSettings.DEFAULTS);
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("properties").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> p = it.next();
            try {
                cib = ClusterProperty.named(p.getKey()).set(cib, p.getValue().asText());
            } catch (IllegalArgumentException e) {
                throw new BadDecisionFileException("key 'properties." + p.getKey() + "': " + e.getMessage());
            }
        }
        JsonNode readerVipPolicy = doc.path("settings").path("reader-vip");
        if (!readerVipPolicy.isMissingNode()) {
            ClusterSettings s = cib.settings();
            cib = cib.withSettings(new ClusterSettings(s.migrationThreshold(), s.leaseMillis(), s.nodeTimeoutMillis(),
                    s.bootstrapWaitMillis(), s.sync(), s.recovery(), enumValue(ReaderVipPolicy.class, readerVipPolicy,
                            "settings.reader-vip"), s.failureTimeoutMillis(), s.resourceStickiness(),
                    s.vipAddresses()));
        }
        Map<String, Long> lastHeard = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("reports").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String node = e.getKey();
            JsonNode r = e.getValue();
            String key = "reports." + node;
            for (Iterator<String> names = r.fieldNames(); names.hasNext();) {
                String name = names.next();
                if (!REPORT_KEYS.contains(name)) {
                    throw new BadDecisionFileException("unknown key '" + key + "." + name + "'; a report has "
                            + new java.util.TreeSet<>(REPORT_KEYS));
                }
            }
            Lsn lsn = lsn(r.path("lsn"), key + ".lsn", "0/0");
            PgState state = enumValue(PgState.class, r.path("pg"), key + ".pg");
            String upstream = r.hasNonNull("upstream") ? r.get("upstream").asText() : null;
            boolean streaming = r.has("streaming") ? r.get("streaming").asBoolean()
                    : upstream != null && state == PgState.STANDBY;
            Map<String, ResourceState> observed = new LinkedHashMap<>();
            r.path("resources").fields().forEachRemaining(rs -> observed.put(rs.getKey(),
                    new ResourceState(rs.getValue().asText(), true, "t")));
            CommitGuardReport guard = r.has("guard") ? new CommitGuardReport(enumValue(CommitGuardReport.State.class,
                    r.path("guard"), key + ".guard"), LEASE_GENERATION, 0, 0, 0, null) : CommitGuardReport.UNKNOWN;
            cib = cib.withReport(new NodeReport(node, 1, state, 0, r.path("timeline").asLong(1), lsn, lsn, upstream,
                    streaming, List.of(), null, null, null, r.path("reader-vip").asBoolean(false),
                    r.path("reader-vip-seen").asLong(0), observed, guard));
            if (!r.path("heard").asText().equals("never")) {
                lastHeard.put(node, NOW - duration(r.path("heard"), key + ".heard", "100ms"));
            }
        }
        // why beside the reports: a node the controller heard may have no report in the CIB, and a silent one may
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("heard").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().asText().equals("never")) {
                lastHeard.remove(e.getKey());
            } else {
                lastHeard.put(e.getKey(), NOW - duration(e.getValue(), "heard." + e.getKey(), null));
            }
        }
        JsonNode primary = doc.path("primary");
        if (!primary.isMissingNode()) {
            String node = primary.path("node").asText();
            long timeline = primary.path("timeline").asLong(1);
            cib = cib.withGoals(cib.goalsWithPrimary(node, "test", "test")).withHistoryEntry(new PromotionRecord(node,
                    timeline - 1, Lsn.parse("0/3000000"), timeline, "t", "test", true));
        }
        for (JsonNode h : doc.path("history")) {
            long timeline = h.path("timeline").asLong(1);
            cib = cib.withHistoryEntry(new PromotionRecord(h.path("node").asText(), timeline - 1,
                    lsn(h.path("switch-lsn"), "history.switch-lsn", "0/3000000"), timeline, "t", "test",
                    h.path("confirmed").asBoolean(true)));
        }
        Map<String, NodeGoal> goals = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("goals").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            goals.put(e.getKey(), goal(e.getValue().asText(), "goals." + e.getKey()));
        }
        if (!goals.isEmpty()) {
            cib = cib.withGoals(goals);
        }
        long leaseSeenAt = NOW;
        JsonNode lease = doc.path("lease");
        if (!lease.isMissingNode()) {
            String holder = lease.hasNonNull("holder") ? lease.get("holder").asText() : null;
            cib = cib.withLease(holder == null ? new Lease(null, LEASE_GENERATION, 0)
                    : new Lease(holder, LEASE_GENERATION, 17));
            leaseSeenAt = NOW - duration(lease.path("seen"), "lease.seen", "0ms");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("fail-counts").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = Instant.ofEpochMilli(wallClock - duration(e.getValue().path("failed"),
                    "fail-counts." + e.getKey() + ".failed", "1s")).toString();
            cib = cib.withFailCount(e.getKey(), new FailCount(e.getValue().path("count").asInt(), at));
        }
        List<FailedAction> failedActions = new ArrayList<>();
        for (JsonNode a : doc.path("failed-actions")) {
            failedActions.add(new FailedAction(a.path("node").asText(), a.path("operation").asText(),
                    a.path("rc").asInt(1), a.path("reason").asText(), a.path("at").asText("t")));
        }
        if (!failedActions.isEmpty()) {
            cib = cib.withFailedActions(failedActions);
        }
        cib = cib.withStandby(texts(doc.path("standby")));
        JsonNode m = doc.path("maintenance");
        if (!m.isMissingNode()) {
            cib = cib.withMaintenance(new Maintenance(m.path("cluster").asBoolean(false), texts(m.path("nodes"))));
        }
        JsonNode sync = doc.path("sync-set");
        if (!sync.isMissingNode()) {
            cib = cib.withSyncSet(new SyncSet(texts(sync.path("standbys")), sync.path("min-acks").asInt(1), 1));
        }
        JsonNode readerVip = doc.path("reader-vip");
        if (!readerVip.isMissingNode()) {
            cib = cib.withReaderVip(new ReaderVip(readerVip.hasNonNull("node") ? readerVip.get("node").asText() : null,
                    readerVip.path("version").asLong(1), "test"));
        }
        long switchoverSeenAt = NOW;
        JsonNode s = doc.path("switchover");
        if (!s.isMissingNode()) {
            Switchover.Phase phase = enumValue(Switchover.Phase.class, s.path("phase").isMissingNode()
                    ? JsonNodeFactory.instance.textNode("SCHEDULED") : s.path("phase"), "switchover.phase");
            long notBefore = s.has("not-before") ? wallClock + duration(s.get("not-before"), "switchover.not-before",
                    null) : 0;
            cib = cib.withSwitchover(new Switchover(s.path("from").asText(), s.hasNonNull("to") ? s.get("to").asText()
                    : null, notBefore, "t", 16 << 20, phase, s.hasNonNull("handover")
                            ? lsn(s.get("handover"), "switchover.handover", null) : null));
            switchoverSeenAt = NOW - duration(s.path("seen"), "switchover.seen", "100ms");
        }
        JsonNode resources = doc.path("resources");
        if (!resources.isMissingNode()) {
            cib = withResources(cib, resources, wallClock);
        }
        return new ClusterSnapshot(cib, NOW, lastHeard, leaseSeenAt, controllerSince, switchoverSeenAt, wallClock);
    }

    private static NodeGoal goal(String text, String key) {
        if (text.equals("primary")) {
            return NodeGoal.primary("test");
        }
        if (text.equals("stopped")) {
            return new NodeGoal(Role.STOPPED, null, "test");
        }
        if (text.startsWith("standby of ")) {
            return NodeGoal.standbyOf(text.substring("standby of ".length()).trim(), "test");
        }
        throw new BadDecisionFileException("key '" + key + "' is '" + text + "'; a goal is 'primary', 'stopped' or"
                + " 'standby of NODE'");
    }

    /**
     * The {@code resources:} section: {@code primitives} (id to {@code {ip: ADDRESS}} with optional {@code disabled},
     * {@code unmanaged}, {@code migration-threshold}), {@code groups} (id to members), {@code constraints} in pcs
     * words ({@code colocation A with master msPostgresql INFINITY}, {@code order promote msPostgresql then start A},
     * {@code location A prefers|avoids NODE SCORE [move|ban]}), {@code msPostgresql} meta ({@code disabled},
     * {@code unmanaged}), the controller's {@code placement} and the resources' {@code fail-counts}
     * ({@code {A: {NODE: {count: 1, failed: 11m}}}}).
     */
    private static Cib withResources(Cib cib, JsonNode section, long wallClock) {
        List<Primitive> primitives = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = section.path("primitives").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode p = e.getValue();
            Integer threshold = p.has("migration-threshold") ? p.get("migration-threshold").asInt() : null;
            primitives.add(new Primitive(e.getKey(), ResourceKind.IP, Map.of("ip", p.path("ip").asText("198.18.0.50")),
                    List.of(), new ResourceMeta(!p.path("disabled").asBoolean(false),
                            !p.path("unmanaged").asBoolean(false), threshold)));
        }
        List<Group> groups = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = section.path("groups").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            groups.add(new Group(e.getKey(), texts(e.getValue()), ResourceMeta.DEFAULT));
        }
        List<Constraint> constraints = new ArrayList<>();
        section.path("constraints").forEach(c -> constraints.add(constraint(c.asText())));
        JsonNode pg = section.path("msPostgresql");
        PostgresClone clone = PostgresClone.DEFAULT.withMeta(new ResourceMeta(!pg.path("disabled").asBoolean(false),
                !pg.path("unmanaged").asBoolean(false), null));
        Resources model = new Resources(clone, primitives, groups, constraints);
        List<String> problems = model.problems(cib.dataNodes().stream().map(NodeSpec::name).toList());
        // why the escape: a CIB stored before a rule existed (a constraint loop) must still be planned safely
        if (!problems.isEmpty() && !section.path("stored-before-validation").asBoolean(false)) {
            throw new BadDecisionFileException("key 'resources' is not a valid configuration: " + problems.get(0));
        }
        Map<String, String> placement = new LinkedHashMap<>();
        section.path("placement").fields().forEachRemaining(e -> placement.put(e.getKey(), e.getValue().asText()));
        List<ResourceFailCount> counts = new ArrayList<>();
        section.path("fail-counts").fields().forEachRemaining(r -> r.getValue().fields().forEachRemaining(n -> counts
                .add(new ResourceFailCount(r.getKey(), n.getKey(), n.getValue().path("count").asInt(),
                        Instant.ofEpochMilli(wallClock - duration(n.getValue().path("failed"),
                                "resources.fail-counts.failed", "1s")).toString()))));
        return cib.withResources(model).withResourceRuntime(new ResourceRuntime(7, placement, counts, Map.of()));
    }

    // "colocation A with [master|slave] B SCORE", "order ACTION A then ACTION B",
    // "location A prefers|avoids NODE SCORE [move|ban]"
    private static Constraint constraint(String text) {
        String[] w = text.trim().split("\\s+");
        try {
            switch (w[0]) {
                case "colocation": {
                    boolean role = w.length == 6;
                    String withRole = role ? (w[3].equals("master") ? PostgresClone.MASTER : PostgresClone.SLAVE)
                            : null;
                    String with = w[role ? 4 : 3];
                    return new Constraint.Colocation("colocation-" + w[1] + "-" + with, w[1], with, withRole,
                            Score.parse(w[w.length - 1]));
                }
                case "order":
                    return new Constraint.Ordering("order-" + w[1] + "-" + w[2] + "-then-" + w[4] + "-" + w[5], w[1],
                            w[2], w[4], w[5]);
                case "location": {
                    String origin = w.length > 5 ? w[5] : Constraint.Location.USER;
                    String id = switch (origin) {
                        case Constraint.Location.MOVE -> "cli-prefer-" + w[1];
                        case Constraint.Location.BAN -> "cli-ban-" + w[1] + "-on-" + w[3];
                        default -> "location-" + w[1] + "-" + w[3];
                    };
                    return new Constraint.Location(id, w[1], w[3], Score.parse(w[4]), origin);
                }
                default:
                    break;
            }
        } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
            // falls through to the one refusal below
        }
        throw new BadDecisionFileException("constraint '" + text + "' is not one of 'colocation A with [master|slave]"
                + " B SCORE', 'order ACTION A then ACTION B', 'location A prefers|avoids NODE SCORE [move|ban]'");
    }

    // --- values ----------------------------------------------------------------------------------------

    private static List<String> texts(JsonNode list) {
        List<String> values = new ArrayList<>();
        list.forEach(n -> values.add(n.asText()));
        return values;
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, JsonNode value, String key) {
        String text = value.asText().toUpperCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(text)) {
                return constant;
            }
        }
        throw new BadDecisionFileException("key '" + key + "' is '" + value.asText() + "'; it must be one of "
                + java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)
                        .replace('_', '-')).toList());
    }

    private static Lsn lsn(JsonNode value, String key, String orElse) {
        String text = value.isMissingNode() || value.isNull() ? orElse : value.asText();
        try {
            return Lsn.parse(text);
        } catch (RuntimeException e) {
            throw new BadDecisionFileException("key '" + key + "' is '" + text + "'; a WAL position is written as"
                    + " PostgreSQL prints it, like 0/3000148");
        }
    }

    private static long instant(JsonNode value, String key) {
        try {
            return Instant.parse(value.asText()).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new BadDecisionFileException("key '" + key + "' is '" + value.asText() + "'; it must be an instant"
                    + " like 2027-01-15T08:00:00Z");
        }
    }

    /** {@code 250ms}, {@code 6s}, {@code 1.5s}, {@code 5m}, {@code 1h}; {@code orElse} when the key is absent. */
    static long duration(JsonNode value, String key, String orElse) {
        if ((value.isMissingNode() || value.isNull()) && orElse == null) {
            throw new BadDecisionFileException("key '" + key + "' is missing; give a duration like 250ms or 6s");
        }
        String text = value.isMissingNode() || value.isNull() ? orElse : value.asText().trim();
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new BadDecisionFileException("key '" + key + "' is '" + text + "'; a duration is written like 250ms,"
                    + " 6s, 1.5s, 5m or 1h");
        }
        long unit = switch (m.group(2)) {
            case "ms" -> 1;
            case "s" -> 1_000;
            case "m" -> 60_000;
            default -> 3_600_000;
        };
        return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)).longValue();
    }

    private static String firstLine(String message) {
        return message == null ? "unreadable" : message.lines().findFirst().orElse("unreadable");
    }
}
