package io.pgpacer.store;

import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.CommitGuardReport;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.PromotionPhases;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.resource.Constraint;
import io.pgpacer.core.resource.ResourceEdit;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The JSON form of the CIB, of store commands and of their results: what the Raft log, the snapshots and
 * the API carry. Commands are tagged by their simple record name ({@code {"type":"AcquireLease",...}}) and
 * LSNs are written as PostgreSQL prints them ({@code "0/3000148"}).
 *
 * <p>Commands are decoded strictly (an unknown or missing property is bad input and is refused with a
 * message naming it); a CIB is decoded tolerantly (unknown properties ignored, missing ones take their
 * defaults, 0 for a missing number), so that a snapshot or a read answered by a member one version ahead
 * still loads.
 *
 * <p>A node report is read tolerantly wherever it appears, commands included: agents are upgraded one at a time, so
 * the members apply reports of agents one version behind and one version ahead. A property added since the first
 * release that it lacks takes its default ({@code commitGuard}: unknown), a property it does not know is ignored, and
 * so is, in its commit guard, a property or a state it does not know (the state reads as unknown): a command refused
 * for any of them would leave that node's reports unapplied and the node counted offline.
 *
 * <p>A history entry's {@code phases} is written only when known and read as null when absent, in commands too: a
 * {@code RecordPromotion} of an agent one version behind has none, and one of this version must stay readable by the
 * members one version behind, which do not know the property.
 */
public final class CibJson {

    /** A CIB as a snapshot file holds it, with the Raft position it reflects. */
    public record Snapshot(long term, long index, Cib cib) {
    }

    /**
     * The store's readers and writers, built on first use. Why a holder: a reader prepares the deserializers of its
     * whole type graph when it is made, a fifth of a second for the CIB's, which a CLI command that only reads a
     * status from the API would otherwise pay at start.
     */
    private static final class Codecs {
        static final ObjectMapper MAPPER = mapper();
        static final ObjectWriter COMMAND_WRITER = MAPPER.writerFor(StoreCommand.class);
        static final ObjectReader COMMAND_READER = MAPPER.readerFor(StoreCommand.class)
                .with(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);
        static final ObjectReader CIB_READER = MAPPER.readerFor(Cib.class)
                .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .without(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        static final ObjectReader SNAPSHOT_READER = MAPPER.readerFor(Snapshot.class)
                .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .without(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        static final ObjectReader TREE_READER = MAPPER.readerFor(JsonNode.class);
        static final ObjectReader RESULT_READER = MAPPER.readerFor(CommandResult.class)
                .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    private CibJson() {
    }

    /**
     * A new mapper configured for the CIB types, strict about unknown properties (the right default for
     * operator input such as a CIB replace request). Callers may configure their copy further.
     */
    public static ObjectMapper mapper() {
        SimpleModule module = new SimpleModule("pgpacer-cib");
        module.addSerializer(Lsn.class, new LsnSerializer());
        module.addDeserializer(Lsn.class, new LsnDeserializer());
        // why: the core stays free of Jackson annotations, so the polymorphism is declared here.
        module.setMixInAnnotation(StoreCommand.class, StoreCommandTypes.class);
        module.registerSubtypes(Arrays.stream(StoreCommand.class.getPermittedSubclasses())
                .map(type -> new NamedType(type, type.getSimpleName())).toArray(NamedType[]::new));
        module.setMixInAnnotation(Constraint.class, ConstraintTypes.class);
        module.registerSubtypes(new NamedType(Constraint.Colocation.class, "colocation"),
                new NamedType(Constraint.Ordering.class, "order"), new NamedType(Constraint.Location.class, "location"));
        module.setDeserializerModifier(new TolerantRecords());
        module.setMixInAnnotation(ResourceEdit.class, ResourceEditTypes.class);
        module.registerSubtypes(Arrays.stream(ResourceEdit.class.getPermittedSubclasses())
                .map(type -> new NamedType(type, editTag(type))).toArray(NamedType[]::new));
        return JsonMapper.builder()
                .addModule(module)
                // why: derived accessors such as Lease.isFree() are not state; only record components are.
                .visibility(PropertyAccessor.IS_GETTER, Visibility.NONE)
                .withConfigOverride(PromotionPhases.class, phases -> phases.setIncludeAsProperty(
                        JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL)))
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    public static byte[] encode(StoreCommand command) {
        return write(Codecs.COMMAND_WRITER, command);
    }

    /** @throws IllegalArgumentException naming what is wrong when the bytes are not a valid command */
    public static StoreCommand decodeCommand(byte[] json) {
        return read(Codecs.COMMAND_READER, json, "store command");
    }

    public static byte[] encode(Cib cib) {
        return write(Codecs.MAPPER.writer(), cib);
    }

    /** @throws IllegalArgumentException naming what is wrong when the bytes are not a CIB */
    public static Cib decodeCib(byte[] json) {
        return read(Codecs.CIB_READER, json, "CIB");
    }

    public static byte[] encode(CommandResult result) {
        return write(Codecs.MAPPER.writer(), result);
    }

    /** @throws IllegalArgumentException naming what is wrong when the bytes are not a command result */
    public static CommandResult decodeResult(byte[] json) {
        JsonNode tree = read(Codecs.TREE_READER, json, "command result");
        if (tree.isObject() && !tree.has("lease")) {
            // why: a member of an older version names the lease effect only in its message (a rolling upgrade)
            boolean applied = tree.path("applied").asBoolean();
            String message = tree.path("message").asText("");
            CommandResult.LeaseEffect lease = !applied && message.equals("already held")
                    ? CommandResult.LeaseEffect.ALREADY_HELD
                    : applied && message.endsWith("lease released") ? CommandResult.LeaseEffect.RELEASED
                    : CommandResult.LeaseEffect.NONE;
            ((ObjectNode) tree).put("lease", lease.name());
        }
        try {
            return Codecs.RESULT_READER.readValue(tree);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a command result: " + e.getMessage(), e);
        }
    }

    public static byte[] encode(Snapshot snapshot) {
        return write(Codecs.MAPPER.writer(), snapshot);
    }

    /** @throws IllegalArgumentException naming what is wrong when the bytes are not a CIB snapshot */
    public static Snapshot decodeSnapshot(byte[] json) {
        Snapshot snapshot = read(Codecs.SNAPSHOT_READER, json, "CIB snapshot");
        if (snapshot.cib() == null) {
            throw new IllegalArgumentException("not a CIB snapshot: it has no 'cib' property");
        }
        return snapshot;
    }

    private static byte[] write(ObjectWriter writer, Object value) {
        try {
            return writer.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            // why: every type written here is a plain record of strings, numbers and collections.
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    private static <T> T read(ObjectReader reader, byte[] json, String what) {
        try {
            T value = reader.readValue(json);
            if (value == null) {
                throw new IllegalArgumentException("not a " + what + ": the JSON is null");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a " + what + ": " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")"), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a " + what + ": " + e.getMessage(), e);
        }
    }

    /** Declares the command tag; applied to {@link StoreCommand} as a mix-in. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
    private interface StoreCommandTypes {
    }

    // SetMeta -> set-meta, AddConstraint -> add-constraint
    private static String editTag(Class<?> type) {
        return type.getSimpleName().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Declares the resource change tag ({@code "change": "create"}, {@code "set-meta"}, ...); a mix-in. Not
     * {@code type}: a created resource has a {@code type} of its own, and a key given twice is refused.
     */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "change")
    private interface ResourceEditTypes {
    }

    /** Declares the constraint tag ({@code colocation}, {@code order}, {@code location}); a mix-in. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
    private interface ConstraintTypes {
    }

    /**
     * Reads every {@link NodeReport} through {@link TolerantReportDeserializer}, and every {@link PromotionRecord}
     * through {@link PromotionRecordDeserializer}.
     */
    private static final class TolerantRecords extends BeanDeserializerModifier {
        @Override
        public JsonDeserializer<?> modifyDeserializer(DeserializationConfig config, BeanDescription description,
                JsonDeserializer<?> deserializer) {
            if (description.getBeanClass() == NodeReport.class) {
                return new TolerantReportDeserializer(deserializer);
            }
            return description.getBeanClass() == PromotionRecord.class ? new PromotionRecordDeserializer(deserializer)
                    : deserializer;
        }
    }

    /** Reads a record's JSON object as a tree, lets {@link #rewrite} adjust it, then the record's deserializer. */
    private abstract static class RewritingDeserializer extends DelegatingDeserializer {
        RewritingDeserializer(JsonDeserializer<?> recordDeserializer) {
            super(recordDeserializer);
        }

        /** Adjusts the object before the record's own deserializer reads it. */
        abstract void rewrite(ObjectNode object);

        @Override
        public Object deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            JsonNode tree = context.readTree(parser);
            if (tree instanceof ObjectNode object) {
                rewrite(object);
            }
            try (JsonParser replay = tree.traverse(parser.getCodec())) {
                replay.nextToken();
                return _delegatee.deserialize(replay, context);
            }
        }
    }

    /** A history entry without {@code phases} (written before they were measured, or not measured) reads as null. */
    private static final class PromotionRecordDeserializer extends RewritingDeserializer {
        PromotionRecordDeserializer(JsonDeserializer<?> recordDeserializer) {
            super(recordDeserializer);
        }

        @Override
        protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
            return new PromotionRecordDeserializer(newDelegatee);
        }

        @Override
        void rewrite(ObjectNode entry) {
            if (!entry.has("phases")) {
                entry.putNull("phases");
            }
        }
    }

    /**
     * A node report with the properties this version does not know left out, and those it lacks given as null (so
     * that the record takes their defaults), before the record's own deserializer reads it: even a reader that is
     * strict about missing and unknown properties, as the command reader is, then takes it.
     */
    private static final class TolerantReportDeserializer extends RewritingDeserializer {
        private static final Set<String> KNOWN = components(NodeReport.class);
        private static final Set<String> GUARD_KNOWN = components(CommitGuardReport.class);
        private static final Set<String> GUARD_STATES = Arrays.stream(CommitGuardReport.State.values())
                .map(Enum::name).collect(Collectors.toUnmodifiableSet());
        /**
         * The properties added since agents of an earlier version may run beside this one. The others (node,
         * sequence, ...) were there from the first release: a report without one is bad input, refused as before.
         */
        private static final Set<String> ADDED_LATER = Set.of("commitGuard");

        TolerantReportDeserializer(JsonDeserializer<?> recordDeserializer) {
            super(recordDeserializer);
        }

        @Override
        protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
            return new TolerantReportDeserializer(newDelegatee);
        }

        @Override
        void rewrite(ObjectNode report) {
            report.retain(KNOWN);
            for (String name : ADDED_LATER) {
                if (!report.has(name)) {
                    report.putNull(name);
                }
            }
            if (report.get("commitGuard") instanceof ObjectNode guard) {
                guard.retain(GUARD_KNOWN);
                // why: a state added in a later release reads as unknown here, not as a refused report.
                if (guard.get("state") != null && !GUARD_STATES.contains(guard.get("state").asText())) {
                    guard.putNull("state");
                }
            }
        }
    }

    private static Set<String> components(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName)
                .collect(Collectors.toUnmodifiableSet());
    }

    private static final class LsnSerializer extends StdScalarSerializer<Lsn> {
        LsnSerializer() {
            super(Lsn.class);
        }

        @Override
        public void serialize(Lsn lsn, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(lsn.toString());
        }
    }

    private static final class LsnDeserializer extends StdScalarDeserializer<Lsn> {
        LsnDeserializer() {
            super(Lsn.class);
        }

        @Override
        public Lsn deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String text = parser.getValueAsString();
            if (text == null) {
                return (Lsn) context.handleUnexpectedToken(Lsn.class, parser);
            }
            try {
                return Lsn.parse(text);
            } catch (IllegalArgumentException e) {
                throw context.weirdStringException(text, Lsn.class, e.getMessage());
            }
        }
    }
}
