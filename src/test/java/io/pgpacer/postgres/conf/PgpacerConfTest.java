package io.pgpacer.postgres.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PgpacerConfTest {

    @Test
    void quotesSingleQuotesAndBackslashes() {
        assertEquals("'on'", PgpacerConf.quote("on"));
        assertEquals("'it''s'", PgpacerConf.quote("it's"));
        assertEquals("'C:\\\\data'", PgpacerConf.quote("C:\\data"));
        assertEquals("''", PgpacerConf.quote(""));
    }

    @Test
    void refusesValuesSpanningLines() {
        assertThrows(IllegalArgumentException.class, () -> PgpacerConf.quote("a\nb"));
    }

    @Test
    void primaryHasNoUpstreamAndStandbyFollowsTheLatestTimeline() {
        Map<String, String> primary = PgpacerConf.parameters(inputs(15, Map.of(), null));
        Map<String, String> standby = PgpacerConf.parameters(inputs(15, Map.of(), "host=10.0.0.1 port=5432"));

        assertFalse(primary.containsKey("primary_conninfo"));
        assertFalse(primary.containsKey("recovery_target_timeline"));
        assertEquals("host=10.0.0.1 port=5432", standby.get("primary_conninfo"));
        assertEquals("latest", standby.get("recovery_target_timeline"));
        for (Map<String, String> parameters : List.of(primary, standby)) {
            assertEquals("replica", parameters.get("wal_level"));
            assertEquals("on", parameters.get("hot_standby"));
            assertEquals("on", parameters.get("wal_log_hints"));
            assertEquals("on", parameters.get("hot_standby_feedback"));
            assertEquals("5s", parameters.get("wal_sender_timeout"));
            assertEquals("5433", parameters.get("port"));
            assertEquals("10.0.0.5", parameters.get("listen_addresses"));
            assertEquals("/run/pgpacer", parameters.get("unix_socket_directories"));
            assertEquals("node1", parameters.get("cluster_name"));
        }
    }

    @Test
    void keepsWalForStandbysInTheFormTheMajorVersionKnows() {
        assertEquals("256MB", PgpacerConf.parameters(inputs(13, Map.of(), null)).get("wal_keep_size"));
        Map<String, String> pg12 = PgpacerConf.parameters(inputs(12, Map.of(), null));
        assertEquals("16", pg12.get("wal_keep_segments"));
        assertFalse(pg12.containsKey("wal_keep_size"));
    }

    @Test
    void operatorParametersOverrideDefaultsButNotManagedSettings() {
        Map<String, String> user = new LinkedHashMap<>();
        user.put("Max_Wal_Senders", "20");
        user.put("shared_buffers", "1GB");

        Map<String, String> parameters = PgpacerConf.parameters(inputs(15, user, null));

        assertEquals("20", parameters.get("max_wal_senders"));
        assertEquals("1GB", parameters.get("shared_buffers"));
        assertFalse(parameters.containsKey("Max_Wal_Senders"));
    }

    @Test
    void rejectsManagedAndInvalidOperatorParameters() {
        assertTrue(rejection(Map.of("port", "5432")).contains("managed by pgpacer"));
        assertTrue(rejection(Map.of("PRIMARY_CONNINFO", "host=x")).contains("managed by pgpacer"));
        assertTrue(rejection(Map.of("wal_level", "minimal")).contains("use replica or logical"));
        assertTrue(rejection(Map.of("bad name", "1")).contains("not valid"));
        assertTrue(rejection(Map.of("work_mem", "4MB\nport = 1")).contains("line break"));
        PgpacerConf.validateUserParameters(Map.of("wal_level", "logical", "auto_explain.log_min_duration", "1s"));
    }

    @Test
    void rendersOneQuotedParameterPerLine() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("port", "5432");
        parameters.put("primary_conninfo", "host=a passfile='/x y'");

        String text = PgpacerConf.render(parameters);

        assertTrue(text.startsWith("# Written by pgpacer"), text);
        assertTrue(text.contains("\nport = '5432'\n"), text);
        assertTrue(text.contains("\nprimary_conninfo = 'host=a passfile=''/x y'''\n"), text);
    }

    private static String rejection(Map<String, String> parameters) {
        return assertThrows(IllegalArgumentException.class, () -> PgpacerConf.validateUserParameters(parameters))
                .getMessage();
    }

    private static PgpacerConf.Inputs inputs(int major, Map<String, String> user, String conninfo) {
        return new PgpacerConf.Inputs(major, "10.0.0.5", 5433, "/run/pgpacer", "node1", user, conninfo, "");
    }

    @Test
    void synchronousStandbyNamesQuoteEveryName() {
        assertEquals("ANY 2 (\"node-2\", \"Node3\")", PgpacerConf.synchronousStandbyNames(List.of("node-2", "Node3"), 2));
        assertEquals("\"node2\"", PgpacerConf.synchronousStandbyNames(List.of("node2"), 1));
        assertEquals("", PgpacerConf.synchronousStandbyNames(List.of(), 0));
    }
}
