package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ClusterView;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.store.CibJson;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code pgpacer history}: one line per promotion, oldest first, as the API lists them. */
class HistoryCommandTest {

    private static final Cib HISTORY = Cib.EMPTY
            .withHistoryEntry(new PromotionRecord("node1", 0, Lsn.parse("0/1528138"), 1, "2026-11-24T04:00:00Z",
                    "initial start (initdb)", true))
            .withHistoryEntry(new PromotionRecord("node2", 1, Lsn.parse("0/3000148"), 2, "2026-11-24T04:10:00.123456789Z",
                    "switchover", true))
            .withHistoryEntry(new PromotionRecord("node3", 2, Lsn.parse("0/5000A0"), 3, "2026-11-24T04:20:00Z",
                    "failover", false));

    // Issue 15.6: every column as wide as its content, and the first entry is an initial start, not "0 -> 1".
    @Test
    void everyPromotionIsOneLineInAlignedColumns() {
        assertEquals("""
                #  NODE   OLD TL  SWITCH LSN  NEW TL  TIME                      REASON
                1  node1  -       -           1       Tue Nov 24 04:00:00 2026  initial start (initdb)
                2  node2  1       0/3000148   2       Tue Nov 24 04:10:00 2026  switchover
                3  node3  2       0/5000A0    3       Tue Nov 24 04:20:00 2026  failover (not confirmed by PostgreSQL)
                """, HistoryCommand.render(ClusterView.history(HISTORY), ZoneOffset.UTC));
    }

    @Test
    void anInitialStartWithExistingDataEndedNoTimelineEither() {
        Cib adopted = Cib.EMPTY.withHistoryEntry(new PromotionRecord("node1", 3, Lsn.parse("0/1528138"), 3,
                "2026-11-24T04:00:00Z", "initial start (existing data)", true));
        assertEquals("""
                #  NODE   OLD TL  SWITCH LSN  NEW TL  TIME                      REASON
                1  node1  -       -           3       Tue Nov 24 04:00:00 2026  initial start (existing data)
                """, HistoryCommand.render(ClusterView.history(adopted), ZoneOffset.UTC));
    }

    // Issue 15.7: the CLI's JSON is camelCase, as status --json and the CIB; times stay ISO-8601.
    @Test
    void historyJsonUsesTheCibNamesInCamelCase() throws Exception {
        JsonNode json = CibJson.mapper().readTree(CibJson.mapper().writeValueAsString(
                HistoryCommand.entries(ClusterView.history(HISTORY))));
        JsonNode initial = json.get(0);
        assertTrue(initial.get("initialStart").asBoolean(), initial.toString());
        assertTrue(initial.get("oldTimeline").isNull(), initial.toString());
        JsonNode switchover = json.get(1);
        assertEquals(List.of("node", "oldTimeline", "switchLsn", "newTimeline", "at", "reason", "confirmed",
                "initialStart"), fieldNames(switchover));
        assertEquals("0/3000148", switchover.get("switchLsn").asText());
        assertEquals("2026-11-24T04:10:00.123456789Z", switchover.get("at").asText());
        assertFalse(switchover.get("initialStart").asBoolean());
    }

    @Test
    void anEmptyHistorySaysSo() {
        assertEquals("No promotion recorded yet: the cluster has not started.\n",
                HistoryCommand.render(List.of(), ZoneOffset.UTC));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
