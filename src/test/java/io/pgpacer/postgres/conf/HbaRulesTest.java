package io.pgpacer.postgres.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class HbaRulesTest {

    @Test
    void rendersLoopbackTrustReplicationAndRewindRulesThenOperatorLines() {
        String text = HbaRules.render(List.of("10.0.0.1", "10.0.0.2", "10.0.0.1"), "postgres", "replicator",
                List.of("hostssl all app 10.1.0.0/16 scram-sha-256"));

        assertEquals(List.of(
                "local all all peer",
                "host all all 127.0.0.1/32 trust",
                "host all all ::1/128 trust",
                "host replication replicator 127.0.0.1/32 scram-sha-256",
                "host replication replicator ::1/128 scram-sha-256",
                "host replication replicator 10.0.0.1/32 scram-sha-256",
                "host replication replicator 10.0.0.2/32 scram-sha-256",
                "host all postgres 10.0.0.1/32 scram-sha-256",
                "host all postgres 10.0.0.2/32 scram-sha-256",
                "hostssl all app 10.1.0.0/16 scram-sha-256"), rules(text));
    }

    @Test
    void writesAddressesAsPgHbaExpectsThem() {
        assertEquals("198.18.0.1/32", HbaRules.cidr("198.18.0.1"));
        assertEquals("fd00::1/128", HbaRules.cidr("fd00::1"));
        assertEquals("198.18.0.0/15", HbaRules.cidr("198.18.0.0/15"));
        assertEquals("db1.example.com", HbaRules.cidr("db1.example.com"));
        assertThrows(IllegalArgumentException.class, () -> HbaRules.cidr("10.0.0.1 trust"));
    }

    @Test
    void quotesRoleNamesThatAreKeywordsOrNotPlain() {
        assertEquals("replicator", HbaRules.roleToken("replicator"));
        assertEquals("\"replication\"", HbaRules.roleToken("replication"));
        assertEquals("\"all\"", HbaRules.roleToken("all"));
        assertEquals("\"Repl User\"", HbaRules.roleToken("Repl User"));
        assertThrows(IllegalArgumentException.class, () -> HbaRules.roleToken("a\"b"));
    }

    /** The rule lines with columns collapsed to single spaces, comments dropped. */
    private static List<String> rules(String text) {
        return Arrays.stream(text.split("\n"))
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(line -> line.strip().replaceAll("\\s+", " "))
                .toList();
    }
}
