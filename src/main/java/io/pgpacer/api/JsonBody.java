package io.pgpacer.api;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.introspect.AnnotatedClassResolver;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpacer.core.resource.ResourceEdit;
import io.pgpacer.store.CibJson;
import java.io.IOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The JSON bodies of API requests, read strictly: one JSON value, no key twice in an object (last-wins would silently
 * drop what the operator wrote), and every refusal our sentence naming the field, its line and what is expected,
 * never the JSON library's words.
 */
public final class JsonBody {

    /** A body that is not what the endpoint expects; the message is the sentence to answer with 400. */
    public static final class InvalidBodyException extends Exception {
        InvalidBodyException(String message) {
            super(message);
        }
    }

    private static final ObjectMapper MAPPER = CibJson.mapper();

    private JsonBody() {
    }

    /**
     * The body as a JSON tree.
     *
     * @param expected what the endpoint expects, e.g. {@code expected a JSON object such as {...}}; ends each refusal
     */
    public static JsonNode tree(byte[] body, String expected) throws InvalidBodyException {
        try (JsonParser parser = MAPPER.createParser(body)) {
            if (parser.nextToken() == null) {
                throw new InvalidBodyException("the request body is empty; " + expected);
            }
            JsonNode tree = node(parser, expected);
            if (parser.nextToken() != null) {
                throw new InvalidBodyException("the request body has more after its JSON value, at " + at(parser
                        .currentTokenLocation()) + "; " + expected);
            }
            return tree;
        } catch (JsonProcessingException e) {
            throw new InvalidBodyException("the request body is not valid JSON: it breaks off or has an unexpected"
                    + " character at " + at(e.getLocation()) + "; " + expected);
        } catch (NumberFormatException e) {
            // why: Jackson reads a number such as 1e333666666 only when asked for it, and throws this unwrapped.
            throw new InvalidBodyException("the request body holds a number that cannot be read (its exponent is too"
                    + " large); " + expected);
        } catch (IOException e) {
            // why: over bytes in memory the only other failure is their encoding (Jackson guesses UTF-16 or UTF-32
            // from the first bytes and then meets an impossible character: CharConversionException).
            throw new InvalidBodyException("the request body is not JSON text in UTF-8; " + expected);
        }
    }

    /** The body of {@code POST /resources}: one resource change, as 'pgpacer resource' sends it. */
    public static ResourceEdit resourceEdit(byte[] body) throws InvalidBodyException {
        return value(body, ResourceEdit.class, "the body is one resource change as JSON, e.g. {\"change\":"
                + " \"delete\", \"id\": \"web\"} (what 'pgpacer resource' sends)");
    }

    /**
     * The body of {@code POST /properties}: a JSON object of property names to values, a null value returning the
     * property to its default.
     */
    public static Map<String, String> properties(byte[] body) throws InvalidBodyException {
        String expected = "the body is a JSON object of property names to values, e.g. {\"migration-threshold\":"
                + " \"3\"} (null: back to the default)";
        JsonNode tree = tree(body, expected);
        if (!tree.isObject() || tree.isEmpty()) {
            throw new InvalidBodyException("the request body is " + (tree.isObject() ? "an empty object"
                    : "not a JSON object") + "; " + expected);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : tree.properties()) {
            JsonNode value = entry.getValue();
            if (value.isContainerNode()) {
                throw new InvalidBodyException("the value of '" + entry.getKey() + "' is " + (value.isArray()
                        ? "an array" : "an object") + "; a property's value is a string, number or boolean, or null"
                        + " for its default");
            }
            values.put(entry.getKey(), value.isNull() ? null : value.asText());
        }
        return values;
    }

    /** The body as a {@code type}, a record or sealed interface of records that the CIB's JSON mapper reads. */
    public static <T> T value(byte[] body, Class<T> type, String expected) throws InvalidBodyException {
        JsonNode tree = tree(body, expected);
        // Jackson maps the literal null to a null value, which no caller can use.
        if (tree.isNull()) {
            throw new InvalidBodyException("the request body is the JSON literal null; " + expected);
        }
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw new InvalidBodyException(explain(e) + "; " + expected);
        }
    }

    // Builds the tree token by token, so that a repeated key is refused with its name and line.
    private static JsonNode node(JsonParser parser, String expected) throws IOException, InvalidBodyException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT) {
            ObjectNode object = MAPPER.createObjectNode();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonLocation location = parser.currentTokenLocation();
                parser.nextToken();
                JsonNode value = node(parser, expected);
                if (object.has(name)) {
                    throw new InvalidBodyException("the request body has the key '" + name + "' twice in one object"
                            + " (again at " + at(location) + "); give each key once");
                }
                object.set(name, value);
            }
            return object;
        }
        if (token == JsonToken.START_ARRAY) {
            ArrayNode array = MAPPER.createArrayNode();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                array.add(node(parser, expected));
            }
            return array;
        }
        JsonNodeFactory nodes = MAPPER.getNodeFactory();
        return switch (token) {
            case VALUE_STRING -> nodes.textNode(parser.getText());
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> nodes.numberNode(parser.getIntValue());
                case LONG -> nodes.numberNode(parser.getLongValue());
                default -> nodes.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> nodes.numberNode(parser.getDecimalValue());
            case VALUE_TRUE, VALUE_FALSE -> nodes.booleanNode(token == JsonToken.VALUE_TRUE);
            case VALUE_NULL -> nodes.nullNode();
            default -> throw new InvalidBodyException("the request body is not valid JSON: unexpected " + token
                    + " at " + at(parser.currentTokenLocation()) + "; " + expected);
        };
    }

    private static String at(JsonLocation location) {
        return location == null ? "an unknown place" : "line " + location.getLineNr() + ", column "
                + location.getColumnNr();
    }

    // The library's exception, in our words: which field, what it got wrong, what it accepts.
    private static String explain(JsonProcessingException e) {
        String field = e instanceof JsonMappingException mapping ? path(mapping.getPath()) : "";
        if (e instanceof InvalidTypeIdException typeId) {
            String key = typeKey(typeId.getBaseType());
            String where = field.isEmpty() ? "" : " of '" + field + "'";
            String allowed = String.join(", ", typeNames(typeId.getBaseType()));
            return typeId.getTypeId() == null ? "the key '" + key + "'" + where + " is missing; it is one of " + allowed
                    : "the '" + key + "'" + where + " '" + typeId.getTypeId() + "' is not known; it is one of " + allowed;
        }
        if (e instanceof UnrecognizedPropertyException unknown) {
            String known = unknown.getKnownPropertyIds() == null ? "" : "; the keys here are " + unknown
                    .getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
            return "the key '" + field + "' is not known" + known;
        }
        if (e instanceof ValueInstantiationException invalid && invalid.getCause() instanceof IllegalArgumentException
                refusal && refusal.getMessage() != null) {
            return refusal.getMessage();
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return (field.isEmpty() ? "the request body" : "the value of '" + field + "'") + " must be "
                    + describe(mismatch.getTargetType());
        }
        return field.isEmpty() ? "the request body does not have the expected shape"
                : "the value of '" + field + "' is not valid";
    }

    // The key that names the subtype, as the mapper declares it for the base type.
    private static String typeKey(JavaType base) {
        if (base == null) {
            return "type";
        }
        DeserializationConfig config = MAPPER.getDeserializationConfig();
        JsonTypeInfo.Value info = config.getAnnotationIntrospector().findPolymorphicTypeInfo(config,
                AnnotatedClassResolver.resolveWithoutSuperTypes(config, base.getRawClass()));
        return info == null || info.getPropertyName() == null ? "type" : info.getPropertyName();
    }

    private static List<String> typeNames(JavaType base) {
        if (base == null) {
            return List.of();
        }
        DeserializationConfig config = MAPPER.getDeserializationConfig();
        Collection<NamedType> subtypes = MAPPER.getSubtypeResolver().collectAndResolveSubtypesByTypeId(config,
                AnnotatedClassResolver.resolveWithoutSuperTypes(config, base.getRawClass()));
        return subtypes.stream().filter(NamedType::hasName).map(NamedType::getName).sorted().toList();
    }

    private static String path(List<JsonMappingException.Reference> references) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : references) {
            if (reference.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String describe(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord() || type.isInterface() && !Collection.class
                .isAssignableFrom(type)) {
            return "a JSON object";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a JSON array";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.stream(type.getEnumConstants()).map(c -> "'" + c + "'")
                    .collect(Collectors.joining(", "));
        }
        return "a " + type.getSimpleName();
    }
}
