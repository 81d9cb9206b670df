package io.pgpacer.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the YAML (or JSON) an operator wrote: the configuration file and the CIB document. Stricter than YAML
 * itself where YAML would silently lose what was written: a key given twice (YAML keeps the last) and a second
 * document after {@code ---} (a reader takes the first) are refused, naming the key and the line.
 */
public final class StrictYaml {

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
    // why quoted numbers: a string that looks like a number ("5", a node named 151) must read back as a string.
    private static final ObjectMapper WRITER = new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build());
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '(.*)'", Pattern.DOTALL);

    /** The text is not one valid YAML document; the message says what and where, without quoting the text. */
    public static final class InvalidYamlException extends RuntimeException {
        InvalidYamlException(String message) {
            super(message);
        }
    }

    private StrictYaml() {
    }

    /**
     * The tree of the one document in {@code text}; null when the text holds no document.
     *
     * @throws InvalidYamlException naming the line and what is wrong
     */
    public static JsonNode read(String text) {
        try (JsonParser parser = YAML.createParser(text)) {
            JsonNode root = YAML.readTree(parser);
            if (root != null && parser.nextToken() != null) {
                throw new InvalidYamlException("a second document begins at line " + line(parser)
                        + " (after '---'); give one document, without '---' between parts");
            }
            return root;
        } catch (StreamConstraintsException e) {
            // why not the parser's words: they name its settings, which an operator cannot change
            throw new InvalidYamlException("is nested deeper or holds longer values than a configuration ever needs;"
                    + " check that this is the right file");
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            Matcher duplicate = DUPLICATE.matcher(e.getOriginalMessage());
            if (duplicate.lookingAt()) {
                return rethrow("key '" + path(e, duplicate.group(1)) + "' is given twice" + where
                        + "; give each key once (YAML would keep only the last)");
            }
            return rethrow("is not valid YAML" + where + ": " + withoutQuotedLines(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new IllegalStateException("reading a string cannot fail", e);
        }
    }

    /**
     * A document pgpacer writes for an operator or a host (a configuration, the CIB document) as YAML that
     * {@link #read} reads back as the same tree: no {@code ---}, quotes only where a value needs them.
     *
     * @param document a tree of maps, lists and scalars, or a {@link JsonNode}
     */
    public static String write(Object document) {
        try {
            return WRITER.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            // why unchecked: a tree of maps, lists and scalars always serializes
            throw new IllegalStateException("cannot write the document as YAML: " + e.getOriginalMessage(), e);
        }
    }

    private static JsonNode rethrow(String message) {
        throw new InvalidYamlException(message);
    }

    // The dotted path of the duplicate key ('timings.lease-time', 'nodes[0].name'), as refusals name keys.
    private static String path(JsonProcessingException e, String key) {
        if (!(e.getProcessor() instanceof JsonParser parser) || parser.getParsingContext() == null
                || parser.getParsingContext().getParent() == null) {
            return key;
        }
        StringBuilder path = new StringBuilder();
        List<com.fasterxml.jackson.core.JsonStreamContext> chain = new ArrayList<>();
        for (var c = parser.getParsingContext().getParent(); c != null && !c.inRoot(); c = c.getParent()) {
            chain.add(0, c);
        }
        for (var c : chain) {
            if (c.inArray()) {
                path.append('[').append(Math.max(0, c.getCurrentIndex())).append(']');
            } else if (c.getCurrentName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(c.getCurrentName());
            }
        }
        return path.length() == 0 ? key : path + "." + key;
    }

    private static int line(JsonParser parser) {
        return parser.currentLocation().getLineNr();
    }

    /**
     * A whole number, written plainly ({@code 8008}) or in quotes ({@code "8008"}): YAML's quotes make it text, but
     * an operator means the number either way. Empty for anything else.
     */
    public static OptionalLong wholeNumber(JsonNode value) {
        if (value == null) {
            return OptionalLong.empty();
        }
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return OptionalLong.of(value.asLong());
        }
        if (value.isTextual() && value.asText().strip().matches("-?\\d{1,18}")) {
            return OptionalLong.of(Long.parseLong(value.asText().strip()));
        }
        return OptionalLong.empty();
    }

    /** {@code true} or {@code false}, written plainly or in quotes; empty for anything else. */
    public static Optional<Boolean> bool(JsonNode value) {
        if (value == null) {
            return Optional.empty();
        }
        if (value.isBoolean()) {
            return Optional.of(value.asBoolean());
        }
        String text = value.isTextual() ? value.asText().strip() : "";
        return text.equals("true") || text.equals("false") ? Optional.of(Boolean.valueOf(text)) : Optional.empty();
    }

    // why: the YAML parser quotes the offending line (after each "in 'reader', line ..."), which may hold a
    // password; only its explanation is kept.
    private static String withoutQuotedLines(String parserMessage) {
        List<String> kept = new ArrayList<>();
        boolean quoted = false;
        for (String line : parserMessage.lines().map(String::strip).toList()) {
            if (!quoted && !line.isEmpty() && !line.equals("^") && !line.startsWith("in '")) {
                kept.add(line);
            }
            quoted = line.startsWith("in '");
        }
        return kept.isEmpty() ? "syntax error" : String.join("; ", kept);
    }
}
