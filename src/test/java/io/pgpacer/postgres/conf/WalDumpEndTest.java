package io.pgpacer.postgres.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgpacer.core.model.Lsn;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** pg_waldump's last words, as PostgreSQL 12-15 print them, and where they say the WAL ends. */
class WalDumpEndTest {

    private static final long SEGMENT = 16 * 1024 * 1024;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "zeroes after the last record | pg_waldump: error: error in WAL record at 0/1528FA8: invalid record length at 0/1529140: wanted 24, got 0 | 0/1528138 | 0/1529140",
        "PostgreSQL 12's wording      | pg_waldump: fatal: error in WAL record at 0/1528FA8: invalid record length at 0/1529140: wanted 24, got 0 | 0/1528138 | 0/1529140",
        "an old record in a recycled segment | pg_waldump: error: error in WAL record at 0/3000060: record with incorrect prev-link 0/1000028 at 0/3000098 | 0/3000028 | 0/3000098",
        "a recycled segment's page    | pg_waldump: error: error in WAL record at 0/3FFFF90: unexpected pageaddr 0/1000000 in log segment 000000010000000000000004, offset 0 | 0/3000028 | 0/4000000",
        "the next segment is missing  | pg_waldump: error: could not find file \"000000020000000100000002\": No such file or directory | 1/1000028 | 1/2000000",
        "nothing on this timeline yet | pg_waldump: error: could not find file \"000000030000000000000005\": No such file or directory | 0/5000060 | 0/5000060",
    })
    void readsWhereTheWalEnds(String situation, String output, String start, String end) {
        String printed = "Type                                           N      (%)          Record size      (%)\n"
                + "Total                                          3                           573 [14.01%]\n" + output;
        assertEquals(Lsn.parse(end), WalDumpEnd.parse(printed, Lsn.parse(start), SEGMENT), situation);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"Total 3", "pg_waldump: error: out of memory"})
    void refusesOutputThatDoesNotSay(String output) {
        assertThrows(IllegalArgumentException.class, () -> WalDumpEnd.parse(output, Lsn.ZERO, SEGMENT));
    }
}
