package io.pgpacer.core.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Pacemaker's score arithmetic: -INFINITY wins over everything, INFINITY over every finite score, and finite sums
 * saturate without reaching -INFINITY.
 */
class ScoreTest {

    @ParameterizedTest(name = "{0} + {1} = {2}")
    @CsvSource({
        "100, -50, 50",
        "INFINITY, 1, INFINITY",
        "INFINITY, -INFINITY, -INFINITY",
        "-INFINITY, INFINITY, -INFINITY",
        "-INFINITY, -INFINITY, -INFINITY",
        "999999, 5, INFINITY",
        "-999999, -5, -999999",
        "INFINITY, -1, INFINITY",
        "-999999, INFINITY, INFINITY",
        "0, 0, 0",
    })
    void sumsSaturate(String a, String b, String sum) {
        assertEquals(Score.parse(sum), Score.add(Score.parse(a), Score.parse(b)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "INFINITY, INFINITY",
        "+inf, INFINITY",
        "-Infinity, -INFINITY",
        "+100, 100",
        "1000000, INFINITY",
        "-7, -7",
    })
    void parsesAndRendersAsPcsWritesThem(String text, String rendered) {
        assertEquals(rendered, Score.render(Score.parse(text)));
    }

    @ParameterizedTest
    @CsvSource({"1000001", "many", "''"})
    void refusesWhatIsNotAScore(String text) {
        assertThrows(IllegalArgumentException.class, () -> Score.parse(text));
    }
}
