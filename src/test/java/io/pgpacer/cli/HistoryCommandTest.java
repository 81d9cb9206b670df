package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ClusterView;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.DiscardLog;
import io.pgpacer.core.cib.DiscardReport;
import io.pgpacer.core.cib.DiscardedTransaction;
import io.pgpacer.core.cib.PromotionPhases;
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

    // Issue 18: where the time of each change of primary went, on one line under it, and in the JSON as a typed part.
    @Test
    void thePhasesOfAPromotionAreOneLineUnderItAndPartOfItsJson() throws Exception {
        PromotionPhases failover = PromotionPhases.between(1000, List.of(
                new PromotionPhases.PhaseEnd(PromotionPhases.Phase.DETECTION, 3310),
                new PromotionPhases.PhaseEnd(PromotionPhases.Phase.DECISION, 3350),
                new PromotionPhases.PhaseEnd(PromotionPhases.Phase.LEASE, 3470),
                new PromotionPhases.PhaseEnd(PromotionPhases.Phase.PROMOTE, 3820),
                new PromotionPhases.PhaseEnd(PromotionPhases.Phase.VIP, 3840),
                new PromotionPhases.PhaseEnd(PromotionPhases.Phase.FIRST_WRITE, 4050)));
        PromotionPhases switchover = PromotionPhases.between(0, List.of(
                new PromotionPhases.PhaseEnd(PromotionPhases.Phase.HANDOVER, 310),
                new PromotionPhases.PhaseEnd(PromotionPhases.Phase.DECISION, 330),
                new PromotionPhases.PhaseEnd(PromotionPhases.Phase.LEASE, 345),
                new PromotionPhases.PhaseEnd(PromotionPhases.Phase.PROMOTE, 690),
                new PromotionPhases.PhaseEnd(PromotionPhases.Phase.FIRST_WRITE, 905)));
        Cib timed = Cib.EMPTY
                .withHistoryEntry(new PromotionRecord("node1", 0, Lsn.parse("0/1528138"), 1, "2026-11-24T04:00:00Z",
                        "initial start (initdb)", true))
                .withHistoryEntry(new PromotionRecord("node2", 1, Lsn.parse("0/3000148"), 2, "2026-11-24T04:10:00Z",
                        "switchover", true, switchover))
                .withHistoryEntry(new PromotionRecord("node3", 2, Lsn.parse("0/5000A0"), 3, "2026-11-24T04:20:00Z",
                        "failover", true, failover));
        assertEquals("""
                #  NODE   OLD TL  SWITCH LSN  NEW TL  TIME                      REASON
                1  node1  -       -           1       Tue Nov 24 04:00:00 2026  initial start (initdb)
                2  node2  1       0/3000148   2       Tue Nov 24 04:10:00 2026  switchover
                   phases: hand-over 0.31 s, decision 0.02 s, lease 0.02 s, promote 0.35 s, first write 0.22 s (total 0.91 s)
                3  node3  2       0/5000A0    3       Tue Nov 24 04:20:00 2026  failover
                   phases: detection 2.31 s, decision 0.04 s, lease 0.12 s, promote 0.35 s, vip 0.02 s, first write 0.21 s (total 3.05 s)
                """, HistoryCommand.render(ClusterView.history(timed), ZoneOffset.UTC));

        JsonNode json = CibJson.mapper().readTree(CibJson.mapper().writeValueAsString(
                HistoryCommand.entries(ClusterView.history(timed))));
        assertFalse(json.get(0).has("phases"), "an initial start has no phases: " + json.get(0));
        JsonNode phases = json.get(2).get("phases");
        assertEquals(3050, phases.get("totalMillis").asLong(), phases.toString());
        assertEquals("DETECTION", phases.get("times").get(0).get("phase").asText(), phases.toString());
        assertEquals(2310, phases.get("times").get(0).get("millis").asLong(), phases.toString());
        assertEquals(failover, CibJson.mapper().treeToValue(phases, PromotionPhases.class));

        JsonNode api = CibJson.mapper().readTree(CibJson.mapper().writeValueAsString(ClusterView.history(timed)));
        assertEquals(failover, CibJson.mapper().treeToValue(api.get(2).get("phases"), PromotionPhases.class),
                "GET /history carries them: " + api.get(2));
        assertFalse(api.get(0).has("phases"), api.get(0).toString());
    }

    @Test
    void anEmptyHistorySaysSo() {
        assertEquals("No promotion recorded yet: the cluster has not started.\n",
                HistoryCommand.render(List.of(), ZoneOffset.UTC));
    }

    // Issue 17.3: a report belongs to the promotion the cluster ran on when it was made; /history keeps Patroni's
    // shape, an entry without reports has no "discarded" at all.
    @Test
    void theLostTransactionReportsAreListedUnderTheirPromotionAndAsATable() throws Exception {
        DiscardReport report = DiscardReport.read("node1", "2026-11-24T04:10:05Z", "pg_rewind", 2, "diverged",
                1, Lsn.parse("0/3000148"), Lsn.parse("0/3000400"), List.of(
                        new DiscardedTransaction(730, DiscardedTransaction.Outcome.COMMITTED, "2026-11-24T04:09:59Z",
                                Lsn.parse("0/3000300"), List.of(new DiscardedTransaction.RelationChange(
                                        "1663/5/16384", "postgres", "public.lost", 2, 0, 1))),
                        new DiscardedTransaction(731, DiscardedTransaction.Outcome.UNFINISHED, null,
                                Lsn.parse("0/3000380"), List.of(new DiscardedTransaction.RelationChange(
                                        "1663/16394/16999", "sales", null, 1, 0, 0)))));
        Cib cib = HISTORY.withDiscards(DiscardLog.EMPTY.with(report));
        List<ClusterView.HistoryEntry> history = ClusterView.history(cib);

        JsonNode json = CibJson.mapper().readTree(CibJson.mapper().writeValueAsString(history));
        assertFalse(json.get(0).has("discarded"), json.toPrettyString());
        assertEquals(730, json.get(1).get("discarded").get(0).get("transactions").get(0).get("xid").asLong());
        assertFalse(json.get(2).has("discarded"), json.toPrettyString());
        assertEquals(List.of(report), HistoryCommand.discardReports(history, "node1"));
        assertEquals(List.of(), HistoryCommand.discardReports(history, "node2"));
        assertEquals("""
                discarded-transactions: node1 (pg_rewind) discards 1 committed transaction (3 rows: public.lost 3) \
                written past 0/3000148 on timeline 1 (to 0/3000400); 1 more aborted or unfinished
                  read at Tue Nov 24 04:10:05 2026, before the pg_rewind; the cluster was on timeline 2
                  XID  OUTCOME     ENDED                     LSN        ROWS (+inserted ~updated -deleted)
                  730  committed   Tue Nov 24 04:09:59 2026  0/3000300  public.lost +2 -1
                  731  unfinished  -                         0/3000380  sales:1663/16394/16999 +1
                """, HistoryCommand.renderDiscarded(List.of(report), null, ZoneOffset.UTC));
        assertEquals("No lost-transaction report of node2 is recorded: no pg_rewind or rebuild of node2 ran since the"
                + " cluster began, or its report is older than the latest 20.\n",
                HistoryCommand.renderDiscarded(List.of(), "node2", ZoneOffset.UTC));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
