package io.pgpacer.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The example configuration the package and the tarball ship is one every node's agent accepts as it is. */
class ExampleConfigurationTest {

    private static final Path EXAMPLE = Path.of("src/packaging/etc/pgpacer.yaml");

    @Test
    void theShippedExampleLoadsForEveryNode() throws IOException {
        // check() validates as each node's agent would, without reading the password file (it lives on the hosts).
        ConfigLoader.check(Path.of("/etc/pgpacer/pgpacer.yaml"), Files.readString(EXAMPLE));
        AgentConfig cluster = ConfigLoader.loadCluster(EXAMPLE);
        assertEquals(3, cluster.nodes().size());
        assertEquals(Path.of("/var/lib/pgpacer/data"), cluster.postgres().dataDir());
    }
}
