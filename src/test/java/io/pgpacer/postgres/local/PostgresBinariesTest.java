package io.pgpacer.postgres.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.postgres.PostgresBinariesNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PostgresBinariesTest {

    @Test
    void detectsTheInstalledPostgresql() {
        PostgresBinaries binaries = PostgresBinaries.locate(null);

        assertTrue(binaries.majorVersion() >= 12, binaries.toString());
        for (String program : PostgresBinaries.REQUIRED_PROGRAMS) {
            assertTrue(Files.isExecutable(Path.of(binaries.program(program))), program);
        }
    }

    @Test
    void anExplicitBinDirectoryIsUsedAsGiven() {
        PostgresBinaries detected = PostgresBinaries.locate(null);

        assertEquals(detected, PostgresBinaries.locate(detected.binDir()));
    }

    @Test
    void aWrongExplicitBinDirectorySaysWhatIsMissingAndHowToInstall() {
        PostgresBinariesNotFoundException error = assertThrows(PostgresBinariesNotFoundException.class,
                () -> PostgresBinaries.locate(Path.of("/opt/no-postgres-here/bin")));

        String message = error.getMessage();
        assertTrue(message.contains("/opt/no-postgres-here/bin"), message);
        assertTrue(message.contains("lacks postgres, pg_ctl, initdb"), message);
        assertTrue(message.contains("apt-get install postgresql"), message);
        assertTrue(message.contains("dnf install postgresqlNN-server"), message);
        assertTrue(message.contains("postgresql.bin-dir"), message);
    }
}
