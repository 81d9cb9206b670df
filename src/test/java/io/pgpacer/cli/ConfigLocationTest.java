package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgpacer.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where an operator command finds the cluster's configuration, and what it says when it finds none. */
class ConfigLocationTest {

    @TempDir
    Path dir;

    @Test
    void theOptionComesFirstThenTheEnvironmentThenTheDefaultFile() throws IOException {
        Path option = dir.resolve("option.yaml");
        Path fromEnvironment = Files.createFile(dir.resolve("env.yaml"));
        Path defaultFile = Files.createFile(dir.resolve("default.yaml"));
        Map<String, String> environment = Map.of("PGPACER_CONFIG", fromEnvironment.toString());
        assertEquals(option, AgentTarget.configFile(option, environment, defaultFile));
        assertEquals(fromEnvironment, AgentTarget.configFile(null, environment, defaultFile));
        assertEquals(defaultFile, AgentTarget.configFile(null, Map.of(), defaultFile));
    }

    @Test
    void noConfigurationAnywhereNamesTheThreePlacesAndTheFixInOneSentence() {
        Path defaultFile = dir.resolve("pgpacer.yaml");
        ConfigException e = assertThrows(ConfigException.class,
                () -> AgentTarget.configFile(null, Map.of(), defaultFile));
        assertEquals("no configuration found: no --config option, no $PGPACER_CONFIG in the environment and no "
                + defaultFile + "; give --config FILE, or export PGPACER_CONFIG=FILE (the demo prints its own line)",
                e.getMessage());
    }

    @Test
    void aVariableThatNamesNoFileIsSaidSoInsteadOfFallingBack() throws IOException {
        Path defaultFile = Files.createFile(dir.resolve("pgpacer.yaml"));
        Path missing = dir.resolve("gone.yaml");
        ConfigException e = assertThrows(ConfigException.class,
                () -> AgentTarget.configFile(null, Map.of("PGPACER_CONFIG", missing.toString()), defaultFile));
        assertEquals("$PGPACER_CONFIG names " + missing + ", which does not exist; export PGPACER_CONFIG=FILE with"
                + " the cluster's configuration, or give --config FILE", e.getMessage());
    }

    @Test
    void theDemosLinesAreShellWordsThatRunAsPrinted() {
        assertEquals("export PGPACER_CONFIG=/var/tmp/pgpacer-demo/cluster.yaml",
                DemoCommand.exportLine(Path.of("/var/tmp/pgpacer-demo/cluster.yaml")));
        assertEquals("export PGPACER_CONFIG='/tmp/it'\\''s a demo/cluster.yaml'",
                DemoCommand.exportLine(Path.of("/tmp/it's a demo/cluster.yaml")));
        assertEquals("pgpacer", DemoCommand.launcher(Map.of()));
        assertEquals("/opt/pgpacer/bin/pgpacer", DemoCommand.launcher(Map.of("PGPACER_COMMAND",
                "/opt/pgpacer/bin/pgpacer")));
        assertEquals("'/home/a b/bin/pgpacer'", DemoCommand.launcher(Map.of("PGPACER_COMMAND", "/home/a b/bin/pgpacer")));
    }
}
