package io.pgpacer.core.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.model.Lsn;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The standby-stall rule, one row per sequence of looks: a stall is only received WAL standing while the upstream is ahead. */
class ReceiptStallTest {

    private static final long TIMEOUT = 5_000;

    /** One look: when, what the standby had received, where its upstream was. */
    private record Look(long at, String received, String upstream) {
    }

    private record Row(String situation, List<Look> looks, Optional<String> failure) {
    }

    private static final List<Row> ROWS = List.of(
            new Row("receipt keeps up with the upstream", List.of(new Look(0, "0/3000000", "0/3000000"),
                    new Look(2_000, "0/3000100", "0/3000100"), new Look(9_000, "0/3000200", "0/3000200")),
                    Optional.empty()),
            new Row("both idle for a long time: nothing to receive", List.of(new Look(0, "0/3000000", "0/3000000"),
                    new Look(60_000, "0/3000000", "0/3000000")), Optional.empty()),
            new Row("the upstream's report lags behind what the standby received", List.of(
                    new Look(0, "0/3000200", "0/3000100"), new Look(60_000, "0/3000200", "0/3000100")),
                    Optional.empty()),
            new Row("idle for a minute, then the upstream writes: timed from when it got ahead, not from the last"
                    + " receipt", List.of(new Look(0, "0/3000000", "0/3000000"),
                            new Look(60_000, "0/3000000", "0/3000100"), new Look(64_000, "0/3000000", "0/3000100")),
                    Optional.empty()),
            new Row("the upstream ahead of a standing receipt for longer than the timeout", List.of(
                    new Look(0, "0/3000000", "0/3000000"), new Look(60_000, "0/3000000", "0/3000100"),
                    new Look(65_001, "0/3000000", "0/3000400")),
                    Optional.of("replication stalled: received WAL at 0/3000000 for 65.0 s while node1 is at"
                            + " 0/3000400")),
            new Row("receipt moves, slowly, behind a busy upstream: not stalled", List.of(
                    new Look(0, "0/3000000", "0/5000000"), new Look(4_000, "0/3100000", "0/5000000"),
                    new Look(8_000, "0/3200000", "0/5000000"), new Look(12_000, "0/3300000", "0/5000000")),
                    Optional.empty()),
            new Row("receipt stops behind the upstream", List.of(new Look(0, "0/3000000", "0/3000000"),
                    new Look(1_000, "0/3000100", "0/3000200"), new Look(6_000, "0/3000100", "0/3000300"),
                    new Look(6_500, "0/3000100", "0/3000300")),
                    Optional.of("replication stalled: received WAL at 0/3000100 for 5.5 s while node1 is at"
                            + " 0/3000300")),
            new Row("the standby catches up just before the timeout: the clock starts over", List.of(
                    new Look(0, "0/3000000", "0/3000100"), new Look(4_900, "0/3000100", "0/3000100"),
                    new Look(9_000, "0/3000100", "0/3000100")), Optional.empty()));

    @Test
    void everySequenceHasItsVerdict() {
        for (Row row : ROWS) {
            ReceiptStall stall = null;
            Look last = null;
            for (Look look : row.looks()) {
                stall = stall == null ? ReceiptStall.start(Lsn.parse(look.received()), look.at())
                        : stall.next(Lsn.parse(look.received()), Lsn.parse(look.upstream()), look.at());
                last = look;
            }
            assertEquals(row.failure(), stall.failure(last.at(), TIMEOUT, "node1", Lsn.parse(last.upstream())),
                    row.situation());
        }
    }
}
