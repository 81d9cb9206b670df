package io.pgpacer.postgres.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.timeline.TimelineFork;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimelineHistoryFileTest {

    @Test
    void readsEveryForkOldestFirst() {
        // 00000003.history as PostgreSQL 15 writes it after two promotions
        String content = "1\t0/3000148\tno recovery target specified\n\n2\t0/50000D8\tno recovery target specified\n";
        assertEquals(List.of(new TimelineFork(1, Lsn.parse("0/3000148")), new TimelineFork(2, Lsn.parse("0/50000D8"))),
                TimelineHistoryFile.parse(content));
    }

    @Test
    void skipsCommentsAndRefusesGarbage() {
        assertEquals(List.of(new TimelineFork(4, Lsn.parse("1/A0"))),
                TimelineHistoryFile.parse("# written by hand\n4\t1/A0\tbefore 2024-01-01 00:00:00+00\n"));
        assertThrows(IllegalArgumentException.class, () -> TimelineHistoryFile.parse("two\t0/1\n"));
    }

    @Test
    void namesHistoryFilesAsPostgresqlDoes() {
        assertEquals("0000000A.history", TimelineHistoryFile.nameOf(10));
        assertEquals(10, TimelineHistoryFile.timelineOf("0000000A.history"));
        assertEquals(-1, TimelineHistoryFile.timelineOf("00000001000000000000000A"));
    }
}
