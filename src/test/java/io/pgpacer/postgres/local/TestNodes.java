package io.pgpacer.postgres.local;

import io.pgpacer.os.FreePorts;
import io.pgpacer.postgres.PostgresSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Nodes of a test cluster under {@code target/pg-it/<random>}, on free loopback ports. Closing stops
 * every postmaster its instances started (falling back to SIGKILL of that pid only) and deletes the files.
 */
final class TestNodes implements AutoCloseable {
    static final String SUPERUSER = "postgres";
    static final String REPLICATION_USER = "replicator";
    // Characters that libpq's passfile and conninfo formats must escape: the test proves the escaping.
    static final String REPLICATION_PASSWORD = "s3:cr\\et 'pw'";
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    // Test-only speed-ups; the product defaults keep fsync on.
    private static final Map<String, String> FAST_TEST_PARAMETERS = Map.of(
            "fsync", "off", "max_connections", "20", "shared_buffers", "16MB");

    private static final PostgresBinaries BINARIES = PostgresBinaries.locate(null);

    private final Path root;
    private final List<LocalPostgresInstance> instances = new ArrayList<>();

    TestNodes() {
        root = Path.of("target", "pg-it", UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static PostgresBinaries binaries() {
        return BINARIES;
    }

    Path root() {
        return root;
    }

    PostgresSettings settings(String nodeName) {
        return settings(nodeName, Map.of());
    }

    PostgresSettings settings(String nodeName, Map<String, String> extraParameters) {
        Map<String, String> parameters = new LinkedHashMap<>(FAST_TEST_PARAMETERS);
        parameters.putAll(extraParameters);
        return settings(nodeName, FreePorts.next(), parameters);
    }

    static PostgresSettings settings(Path root, String nodeName, int port, Map<String, String> parameters) {
        return new PostgresSettings(BINARIES.binDir(), root.resolve(nodeName).resolve("data"),
                root.resolve(nodeName).resolve("run"), "127.0.0.1", port, "postgres", SUPERUSER, null,
                REPLICATION_USER, REPLICATION_PASSWORD, parameters, List.of(), nodeName);
    }

    private PostgresSettings settings(String nodeName, int port, Map<String, String> parameters) {
        return settings(root, nodeName, port, parameters);
    }

    LocalPostgresInstance instance(PostgresSettings settings) {
        LocalPostgresInstance instance = new LocalPostgresInstance(settings, BINARIES, START_TIMEOUT, Duration.ofSeconds(20));
        instances.add(instance);
        return instance;
    }

    @Override
    public void close() throws IOException {
        for (LocalPostgresInstance instance : instances) {
            try {
                instance.close();
            } finally {
                // pid() is non-zero only while the process this instance started is alive: never a reused pid.
                long pid = instance.pid();
                if (pid != 0) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
        if (Boolean.getBoolean("pg-it.keep")) {
            return; // -Dpg-it.keep=true keeps the data and logs for a post-mortem
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
