package io.pgpacer.pcs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Writes a configuration document (maps, lists, strings, numbers) as YAML through Jackson, so that quoting is
 * always right. Kept here until the CLI's own configuration writer can be shared.
 */
public final class ConfigDocument {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR));

    private ConfigDocument() {
    }

    public static String render(Map<String, Object> document) {
        try {
            return YAML.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            // why unchecked: a tree of maps, lists and scalars always serializes
            throw new UncheckedIOException(e);
        }
    }
}
