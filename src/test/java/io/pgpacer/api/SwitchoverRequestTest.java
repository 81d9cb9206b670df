package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The query of POST /switchover: every wrong parameter is named with the form it should have. */
class SwitchoverRequestTest {

    private static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");

    private static String refusal(Map<String, String> query) {
        return assertThrows(IllegalArgumentException.class, () -> SwitchoverRequest.parse(query, NOW)).getMessage();
    }

    @Test
    void defaultsAreAtOnceToTheBestStandbyWithin16MB() {
        assertEquals(new SwitchoverRequest(null, 0, 16 << 20), SwitchoverRequest.parse(Map.of(), NOW));
        assertEquals(new SwitchoverRequest("node2", Instant.parse("2026-11-24T11:00:00Z").toEpochMilli(), 1024),
                SwitchoverRequest.parse(Map.of("to", "node2", "at", "2026-11-24T11:00:00Z", "max-lag", "1kB"), NOW));
    }

    @Test
    void badParametersAreNamed() {
        assertEquals("unknown parameter 'node'; switchover takes to, at and max-lag", refusal(Map.of("node", "n2")));
        assertEquals("at 'tomorrow' is not an ISO-8601 instant; give e.g. 2026-11-24T03:00:00Z",
                refusal(Map.of("at", "tomorrow")));
        assertEquals("at 2026-11-24T09:00:00Z is in the past (now 2026-11-24T10:00:00Z); omit it to switch over at once",
                refusal(Map.of("at", "2026-11-24T09:00:00Z")));
        assertEquals("at 9999-12-31T00:00:00Z is more than 31 days ahead; schedule a switchover within the next 31"
                + " days", refusal(Map.of("at", "9999-12-31T00:00:00Z")));
        assertEquals(Instant.parse("2026-12-25T10:00:00Z").toEpochMilli(), SwitchoverRequest.parse(Map.of("at",
                "2026-12-25T10:00:00Z"), NOW).notBefore(), "31 days ahead is still accepted");
        assertEquals("query parameter 'max-lag': expected a number of bytes with an optional unit B, kB, MB, GB or TB"
                + " (like 1048576, 1024kB or 16MB), got 'lots'", refusal(Map.of("max-lag", "lots")));
    }
}
