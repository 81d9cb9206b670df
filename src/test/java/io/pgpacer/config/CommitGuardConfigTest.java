package io.pgpacer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Key {@code postgresql.commit-guard}: its default, its three modes (YAML's bare on/off too) and a bad value. */
class CommitGuardConfigTest {

    private static final Path FILE = Path.of("/etc/pgpacer/cluster.yaml");

    private static String config(String guardLine) {
        return """
                cluster: pgcluster
                node: pg-151
                nodes:
                  - {name: pg-151, address: 10.0.0.1}
                  - {name: pg-152, address: 10.0.0.2}
                  - {name: pg-153, address: 10.0.0.3}
                postgresql:
                  data-dir: /var/lib/pgpacer/data
                """ + guardLine;
    }

    @Test
    void theModeIsAutoUnlessSaidOtherwise() {
        assertEquals(CommitGuardMode.AUTO, ConfigLoader.parse(FILE, config(""), null).postgres().commitGuard());
        assertEquals(CommitGuardMode.ON,
                ConfigLoader.parse(FILE, config("  commit-guard: on\n"), null).postgres().commitGuard());
        assertEquals(CommitGuardMode.OFF,
                ConfigLoader.parse(FILE, config("  commit-guard: \"off\"\n"), null).postgres().commitGuard());
        assertEquals(CommitGuardMode.AUTO,
                ConfigLoader.parse(FILE, config("  commit-guard: auto\n"), null).postgres().commitGuard());
    }

    @Test
    void anUnknownModeIsRefusedByName() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(FILE, config("  commit-guard: always\n"), null));
        assertEquals(FILE + ": key 'postgresql.commit-guard': 'always' is not a mode; use auto, on or off",
                e.getMessage());
    }
}
