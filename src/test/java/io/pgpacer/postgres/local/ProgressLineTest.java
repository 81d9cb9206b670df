package io.pgpacer.postgres.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.postgres.CopyProgress;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The progress lines of PostgreSQL 15's pg_basebackup and pg_rewind, as they print them with stderr not a terminal. */
class ProgressLineTest {

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        // pg_basebackup --progress, as seen here on PostgreSQL 15.
        "28694/93760 kB (30%), 0/1 tablespace                     | 28694 | 93760 | 30",
        "93770/93770 kB (100%), 1/1 tablespace                    | 93770 | 93770 | 100",
        // right-aligned: the done part is padded to the width of the total.
        "    0/93760 kB (0%), 0/1 tablespace                      | 0     | 93760 | 0",
        // --verbose adds the file being copied.
        "62742/93760 kB (66%), 0/1 tablespace (data/base/5/16384) | 62742 | 93760 | 66",
        // pg_rewind --progress, as seen here on PostgreSQL 15 (right-aligned too).
        "    24/271909 kB (0%) copied                             | 24     | 271909 | 0",
        "108224/271909 kB (39%) copied                            | 108224 | 271909 | 39",
        "pg_rewind: need to copy 265 MB (total source directory size is 284 MB) | - | - | -",
        // terabytes stay exact.
        "3221225472/4294967296 kB (75%), 0/3 tablespaces          | 3221225472 | 4294967296 | 75",
        // anything else is no progress.
        "waiting for checkpoint                                   | -     | -     | -",
        "pg_basebackup: error: could not connect to server        | -     | -     | -",
        "pg_rewind: servers diverged at WAL location 0/A000000 on timeline 1 | - | - | -",
        "12/34 MB (5%)                                            | -     | -     | -",
        "12/34 kB (250%)                                          | -     | -     | -",
        "                                                         | -     | -     | -",
    })
    void readsOnlyProgressLines(String line, Long done, Long total, Integer percent) {
        Optional<CopyProgress> expected = done == null ? Optional.empty()
                : Optional.of(new CopyProgress(done, total, percent));
        assertEquals(expected, ProgressLine.parse(line == null ? "" : line));
    }

    @ParameterizedTest(name = "[{index}] {0} kB -> {1}")
    @CsvSource(delimiter = '|', value = {
        "0          | 0 kB",
        "1023       | 1023 kB",
        "1024       | 1.0 MB",
        "93760      | 91.6 MB",
        "1258291    | 1.2 GB",
        "3565158    | 3.4 GB",
        "4294967296 | 4.0 TB",
    })
    void sizesReadAsPgSizePrettyWouldShowThem(long kb, String shown) {
        assertEquals(shown + " of " + shown + " (100 %)", new CopyProgress(kb, kb, 100).describe());
    }
}
