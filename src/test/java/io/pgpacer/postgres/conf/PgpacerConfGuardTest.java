package io.pgpacer.postgres.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The commit guard in the rendered configuration: appended to the operator's own preload libraries, once. */
class PgpacerConfGuardTest {

    private static Map<String, String> parameters(Map<String, String> user, boolean guard) {
        return PgpacerConf.parameters(new PgpacerConf.Inputs(15, "10.0.0.5", 5433, "/run/pgpacer", "node1", user,
                null, "", guard));
    }

    @Test
    void theGuardIsPreloadedAfterTheOperatorsLibraries() {
        assertEquals("pgpacer_guard", parameters(Map.of(), true).get("shared_preload_libraries"));
        assertEquals("pg_stat_statements, auto_explain, pgpacer_guard",
                parameters(Map.of("shared_preload_libraries", "pg_stat_statements, auto_explain"), true)
                        .get("shared_preload_libraries"));
        assertEquals("pgpacer_guard, pg_stat_statements",
                parameters(Map.of("Shared_Preload_Libraries", "pgpacer_guard, pg_stat_statements"), true)
                        .get("shared_preload_libraries"));
    }

    @Test
    void withoutTheGuardTheOperatorsValueStaysAsItIs() {
        assertFalse(parameters(Map.of(), false).containsKey("shared_preload_libraries"));
        assertEquals("pg_stat_statements",
                parameters(Map.of("shared_preload_libraries", "pg_stat_statements"), false)
                        .get("shared_preload_libraries"));
    }
}
