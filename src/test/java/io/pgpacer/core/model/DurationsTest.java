package io.pgpacer.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one duration grammar: what it reads, what it refuses, and that huge values cannot wrap around. */
class DurationsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "500ms, 500", "1.5s, 1500", "10, 10000", "10s, 10000", "5m, 300000", "1h, 3600000", "0, 0", "' 3S ', 3000",
        "0.25s, 250", "1.5ms, 2", "99999999999999999999999h, 9223372036854775807",
    })
    void readsEveryFormOnce(String text, long millis) {
        assertEquals(Optional.of(millis), Durations.parse(text));
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource({"-1s", "soon", "1d", "1.s", "'.5s'", "1 h 2m", "''"})
    void refusesWhatIsNotADuration(String text) {
        assertEquals(Optional.empty(), Durations.parse(text));
    }

    @Test
    void aRangeNamesTheLimitAndTheValue() {
        Durations.Range range = new Durations.Range(1_000, 600_000);
        assertEquals(Optional.of("500ms is too short; use at least 1s"), range.problem(500));
        assertEquals(Optional.of("1h is too long; use at most 10m"), range.problem(3_600_000));
        assertEquals(Optional.of("that is too long; use at most 10m"), range.problem(Long.MAX_VALUE));
        assertEquals(Optional.empty(), range.problem(1_000));
        assertEquals("1s to 10m", range.text());
    }
}
