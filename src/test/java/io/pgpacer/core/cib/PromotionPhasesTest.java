package io.pgpacer.core.cib;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.cib.PromotionPhases.Phase;
import io.pgpacer.core.cib.PromotionPhases.PhaseEnd;
import io.pgpacer.core.cib.PromotionPhases.PhaseTime;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The phases between observed instants: each from the previous end, never negative, adding up to the total. */
class PromotionPhasesTest {

    private record Row(String why, long start, List<PhaseEnd> ends, List<PhaseTime> expected, long total) {
    }

    private static PhaseEnd end(Phase phase, long at) {
        return new PhaseEnd(phase, at);
    }

    private static PhaseTime time(Phase phase, long millis) {
        return new PhaseTime(phase, millis);
    }

    @Test
    void eachPhaseRunsFromThePreviousEndToItsOwn() {
        List<Row> rows = List.of(
                new Row("a failover with a writer VIP", 1000,
                        List.of(end(Phase.DETECTION, 3310), end(Phase.DECISION, 3350), end(Phase.LEASE, 3470),
                                end(Phase.PROMOTE, 3820), end(Phase.VIP, 3840), end(Phase.FIRST_WRITE, 4050)),
                        List.of(time(Phase.DETECTION, 2310), time(Phase.DECISION, 40), time(Phase.LEASE, 120),
                                time(Phase.PROMOTE, 350), time(Phase.VIP, 20), time(Phase.FIRST_WRITE, 210)), 3050),
                new Row("without a writer VIP the first write follows the promotion", 0,
                        List.of(end(Phase.HANDOVER, 300), end(Phase.DECISION, 350), end(Phase.LEASE, 360),
                                end(Phase.PROMOTE, 700), end(Phase.FIRST_WRITE, 900)),
                        List.of(time(Phase.HANDOVER, 300), time(Phase.DECISION, 50), time(Phase.LEASE, 10),
                                time(Phase.PROMOTE, 340), time(Phase.FIRST_WRITE, 200)), 900),
                new Row("an end seen before the previous one makes a phase of 0, and the total runs to the last", 100,
                        List.of(end(Phase.PROMOTE, 500), end(Phase.VIP, 800), end(Phase.FIRST_WRITE, 650)),
                        List.of(time(Phase.PROMOTE, 400), time(Phase.VIP, 300), time(Phase.FIRST_WRITE, 0)), 700),
                new Row("an end at the start is a phase of 0 (a failure report that released the lease)", 5000,
                        List.of(end(Phase.DETECTION, 5000), end(Phase.DECISION, 5030)),
                        List.of(time(Phase.DETECTION, 0), time(Phase.DECISION, 30)), 30));
        for (Row row : rows) {
            PromotionPhases phases = PromotionPhases.between(row.start(), row.ends());
            assertEquals(row.expected(), phases.times(), row.why());
            assertEquals(row.total(), phases.totalMillis(), row.why());
            assertEquals(row.total(), phases.times().stream().mapToLong(PhaseTime::millis).sum(),
                    row.why() + ": the phases add up to the total");
        }
    }

    @Test
    void renderedInOperatorWordsWithSecondsToTheHundredth() {
        PromotionPhases phases = PromotionPhases.between(1000, List.of(end(Phase.DETECTION, 3310),
                end(Phase.DECISION, 3350), end(Phase.LEASE, 3470), end(Phase.PROMOTE, 3820), end(Phase.VIP, 3840),
                end(Phase.FIRST_WRITE, 4050)));
        assertEquals("detection 2.31 s, decision 0.04 s, lease 0.12 s, promote 0.35 s, vip 0.02 s, first write 0.21 s"
                + " (total 3.05 s)", phases.render());
        assertEquals(Optional.of(350L), phases.millis(Phase.PROMOTE));
        assertEquals(Optional.empty(), phases.millis(Phase.HANDOVER));
        assertEquals("first_write", Phase.FIRST_WRITE.label());
        assertEquals("hand-over", Phase.HANDOVER.words());
    }
}
