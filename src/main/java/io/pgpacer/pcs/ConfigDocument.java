package io.pgpacer.pcs;

import io.pgpacer.config.StrictYaml;
import java.util.Map;

/** Writes the configuration document an import produced, as every configuration pgpacer writes is written. */
public final class ConfigDocument {

    private ConfigDocument() {
    }

    public static String render(Map<String, Object> document) {
        return StrictYaml.write(document);
    }
}
