package io.pgpacer.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresSettingsTest {

    @Test
    void toStringMasksPasswords() {
        String text = settings(Map.of()).toString();

        assertFalse(text.contains("su-secret"), text);
        assertFalse(text.contains("repl-secret"), text);
        assertTrue(text.contains("superuserPassword=********"), text);
    }

    @Test
    void rejectsParametersPgpacerManages() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> settings(Map.of("listen_addresses", "*")));

        assertTrue(error.getMessage().contains("listen_addresses"), error.getMessage());
    }

    @Test
    void rejectsAnInvalidPort() {
        assertThrows(IllegalArgumentException.class, () -> new PostgresSettings(null, Path.of("/d"), Path.of("/r"),
                "*", 0, "postgres", "postgres", null, "replicator", null, Map.of(), List.of(), "node1"));
    }

    @Test
    void keepsTheOperatorsParameterOrder() {
        Map<String, String> ordered = new java.util.LinkedHashMap<>();
        ordered.put("work_mem", "4MB");
        ordered.put("shared_buffers", "1GB");
        ordered.put("max_connections", "50");

        assertEquals(List.of("work_mem", "shared_buffers", "max_connections"),
                List.copyOf(settings(ordered).parameters().keySet()));
    }

    private static PostgresSettings settings(Map<String, String> parameters) {
        return new PostgresSettings(null, Path.of("/var/lib/pgpacer/data"), Path.of("/run/pgpacer"), "*", 5432,
                "postgres", "postgres", "su-secret", "replicator", "repl-secret", parameters, List.of(), "node1");
    }
}
