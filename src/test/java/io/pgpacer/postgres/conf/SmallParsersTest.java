package io.pgpacer.postgres.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** postmaster.pid, version lines, WAL file names, listen addresses and identifiers. */
class SmallParsersTest {
    // Captured from a PostgreSQL 15 hot standby; the status line is padded to a fixed width.
    private static final String STANDBY_PID_FILE = """
            3120
            /work/main/target/pg-it/abc/node2/data
            1763939174
            40123
            /work/main/target/pg-it/abc/node2/run
            127.0.0.1
              1234567    131074
            standby \n""";

    @Test
    void readsThePostmasterPidFileOfAHotStandby() {
        PostmasterPidFile file = PostmasterPidFile.parse(STANDBY_PID_FILE);

        assertEquals(3120, file.pid());
        assertEquals(40123, file.port());
        assertEquals("/work/main/target/pg-it/abc/node2/run", file.socketDirectory());
        assertEquals("standby", file.status());
        assertTrue(file.acceptsConnections());
    }

    @Test
    void aPostmasterStillStartingHasNoStatusYet() {
        PostmasterPidFile file = PostmasterPidFile.parse("3120\n/data\n1763939174\n40123\n");

        assertNull(file.status());
        assertFalse(file.acceptsConnections());
        assertFalse(PostmasterPidFile.parse(STANDBY_PID_FILE.replace("standby ", "starting")).acceptsConnections());
        assertTrue(PostmasterPidFile.parse(STANDBY_PID_FILE.replace("standby ", "ready   ")).acceptsConnections());
    }

    @Test
    void aSingleUserBackendWritesItsPidNegated() {
        assertEquals(4242, PostmasterPidFile.parse("-4242\n/data\n").pid());
        assertThrows(IllegalArgumentException.class, () -> PostmasterPidFile.parse("\n"));
    }

    @Test
    void readsMajorVersions() {
        assertEquals(15, ServerVersion.parse("postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n").major());
        assertEquals(17, ServerVersion.parse("postgres (PostgreSQL) 17beta1").major());
        assertEquals(12, ServerVersion.parse("postgres (PostgreSQL) 12.22").major());
        ServerVersion old = ServerVersion.parse("postgres (PostgreSQL) 9.6.24");
        assertEquals(9, old.major());
        assertFalse(old.isSupported());
        assertThrows(IllegalArgumentException.class, () -> ServerVersion.parse("bash: postgres: not found"));
    }

    @Test
    void readsTheTimelineFromAWalFileName() {
        assertEquals(1, WalFileNames.timeline("000000010000000000000003"));
        assertEquals(0x1A, WalFileNames.timeline("0000001A00000002000000FF"));
        assertThrows(IllegalArgumentException.class, () -> WalFileNames.timeline("00000001.history"));
    }

    @Test
    void namesTheSegmentOfAPositionAndTheLastSegmentOfATimeline() {
        long mb16 = 16L << 20;
        assertEquals("000000010000000000000003", WalFileNames.segmentOf(1, io.pgpacer.core.model.Lsn.parse(
                "0/3000060"), mb16));
        assertEquals("0000000200000002000000FF", WalFileNames.segmentOf(2, io.pgpacer.core.model.Lsn.parse(
                "2/FF000000"), mb16));
        assertEquals("000000010000000000000C1F", WalFileNames.segmentOf(1, io.pgpacer.core.model.Lsn.parse(
                "0/C1F00000"), 1L << 20));
        java.util.List<String> pgWal = java.util.List.of("000000010000000000000003", "000000010000000000000005",
                "00000002.history", "000000020000000000000004", "archive_status", "000000010000000000000002");
        assertEquals(java.util.Optional.of("000000010000000000000005"), WalFileNames.lastSegment(pgWal, 1,
                "000000010000000000000003"));
        assertEquals(java.util.Optional.empty(), WalFileNames.lastSegment(pgWal, 2, "000000020000000000000005"));
        assertEquals(io.pgpacer.core.model.Lsn.parse("0/6000000"), WalDumpEnd.endOf("000000010000000000000005",
                mb16));
    }

    @Test
    void monitorsOverLoopbackWheneverPostgresListensThere() {
        assertEquals("127.0.0.1", ListenAddresses.monitorHost("*"));
        assertEquals("10.0.0.5,127.0.0.1", ListenAddresses.forNode("10.0.0.5", false));
        assertEquals("127.0.0.1", ListenAddresses.monitorHost(ListenAddresses.forNode("10.0.0.5", false)));
        assertEquals("127.0.0.1", ListenAddresses.forNode("127.0.0.1", false));
        assertEquals("2001:db8::5,::1", ListenAddresses.forNode("2001:db8::5", false));
        assertEquals("*", ListenAddresses.forNode("10.0.0.5", true));
        assertEquals("127.0.0.1", ListenAddresses.monitorHost("10.0.0.5, localhost"));
        assertEquals("::1", ListenAddresses.monitorHost("::"));
        assertEquals("10.0.0.5", ListenAddresses.monitorHost("10.0.0.5,10.0.0.6"));
        assertThrows(IllegalArgumentException.class, () -> ListenAddresses.monitorHost(" "));
    }

    @Test
    void quotesIdentifiers() {
        assertEquals("\"replicator\"", SqlQuoting.identifier("replicator"));
        assertEquals("\"a\"\"b\"", SqlQuoting.identifier("a\"b"));
    }
}
