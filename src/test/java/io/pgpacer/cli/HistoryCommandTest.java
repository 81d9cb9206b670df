package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.api.ClusterView;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.model.Lsn;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code pgpacer history}: one line per promotion, oldest first, as the API lists them. */
class HistoryCommandTest {

    @Test
    void everyPromotionIsOneLineInOrder() {
        Cib cib = Cib.EMPTY
                .withHistoryEntry(new PromotionRecord("node1", 0, Lsn.parse("0/1528138"), 1, "2026-11-24T04:00:00Z",
                        "initial start (initdb)", true))
                .withHistoryEntry(new PromotionRecord("node2", 1, Lsn.parse("0/3000148"), 2, "2026-11-24T04:10:00Z",
                        "switchover", true))
                .withHistoryEntry(new PromotionRecord("node3", 2, Lsn.parse("0/5000A0"), 3, "2026-11-24T04:20:00Z",
                        "failover", false));
        assertEquals("""
                #   NODE         OLD TL  SWITCH LSN   NEW TL  TIME                     REASON
                1   node1        0       0/1528138    1       2026-11-24T04:00:00Z     initial start (initdb)
                2   node2        1       0/3000148    2       2026-11-24T04:10:00Z     switchover
                3   node3        2       0/5000A0     3       2026-11-24T04:20:00Z     failover (not confirmed by PostgreSQL)
                """, HistoryCommand.render(ClusterView.history(cib)));
    }

    @Test
    void anEmptyHistorySaysSo() {
        assertEquals("No promotion recorded yet: the cluster has not started.\n", HistoryCommand.render(List.of()));
    }
}
