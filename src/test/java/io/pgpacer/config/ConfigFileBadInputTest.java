package io.pgpacer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every class of bad configuration file, read from disk as the agent reads it: one sentence naming the file, the
 * key and the fix, never a hang (FIFO) or an out-of-memory error (/dev/zero), never a silent last-wins.
 */
@Timeout(60)
class ConfigFileBadInputTest {

    @TempDir
    Path dir;

    private static final String BASE = """
            cluster: c
            node: n1
            nodes:
              - {name: n1, address: 127.0.0.1, api-port: 18008, raft-port: 17400, pg-port: 15432}
              - {name: n2, address: 127.0.0.2}
            postgresql:
              data-dir: DIR/{node}/data
              replication-password-file: DIR/repl.secret
            state-dir: DIR/state
            """;

    /** How a case changes the valid base: text appended, a line replaced, or the password file replaced. */
    private record Change(String append, String from, String to, String secret) {
    }

    private static Arguments bad(String title, Change change, String... expected) {
        return Arguments.of(title, change, List.of(expected));
    }

    private static Change append(String text) {
        return new Change(text, null, null, null);
    }

    private static Change replace(String from, String to) {
        return new Change("", from, to, null);
    }

    private static Change secret(String kind) {
        return new Change("", null, null, kind);
    }

    static Stream<Arguments> badFiles() {
        return Stream.of(
                bad("duplicate top-level key", append("cluster: d\n"),
                        "key 'cluster' is given twice at line 10", "give each key once"),
                bad("duplicate nested key", append("timings:\n  lease-time: 3s\n  lease-time: 5s\n"),
                        "key 'timings.lease-time' is given twice at line 12", "give each key once"),
                bad("duplicate key in a node", replace("{name: n2, address: 127.0.0.2}",
                        "{name: n2, address: 127.0.0.2, name: n3}"), "key 'nodes[1].name' is given twice at line 5"),
                bad("second document", append("---\nstate-dir: /etc\n"),
                        "a second document begins at line 11", "give one document"),
                bad("lease-time 100000h", append("timings: {lease-time: 100000h}\n"),
                        "key 'timings.lease-time': 100000h is too long; use at most 10m"),
                bad("overflowing duration", append("timings: {lease-time: 99999999999999999999999h}\n"),
                        "key 'timings.lease-time': that is too long; use at most 10m"),
                bad("sync-timeout 0", append("replication: {mode: sync, sync-timeout: 0}\n"),
                        "key 'replication.sync-timeout': 0 is too short; use at least 1s"),
                bad("bootstrap-wait 1000000h", append("timings: {bootstrap-wait: 1000000h}\n"),
                        "key 'timings.bootstrap-wait': 1000000h is too long; use at most 1h"),
                bad("monitor-interval 2h", append("timings: {monitor-interval: 2h}\n"),
                        "key 'timings.monitor-interval': 2h is too long; use at most 1m"),
                bad("restart-backoff 0", append("timings: {restart-backoff: 0}\n"),
                        "key 'timings.restart-backoff': 0 is too short; use at least 100ms"),
                bad("failure-timeout 100000h", append("failure-timeout: 100000h\n"),
                        "key 'failure-timeout': 100000h is too long; use at most 720h"),
                bad("migration-threshold 5000000", append("migration-threshold: 5000000\n"),
                        "key 'migration-threshold': expected a whole number from 1 to 1000000, got '5000000'"),
                bad("port out of range", replace("api-port: 18008", "api-port: 70000"),
                        "key 'nodes[0].api-port': expected a port number 1-65535, got '70000'"),
                bad("not a boolean", append("api: {auth-reads: maybe}\n"),
                        "key 'api.auth-reads': expected true or false, got 'maybe'"),
                bad("address 999.1.1.1", replace("address: 127.0.0.2", "address: 999.1.1.1"),
                        "key 'nodes[1].address': '999.1.1.1' is not an IPv4 address", "or a host name"),
                bad("address garbage!!", replace("address: 127.0.0.2", "address: garbage!!"),
                        "key 'nodes[1].address': 'garbage!!' is not an IPv4 address"),
                bad("bad IPv6 address", replace("address: 127.0.0.2", "address: 'fd00:::1:x'"),
                        "key 'nodes[1].address': 'fd00:::1:x' is not an IPv4 address"),
                bad("password with a line break", replace("replication-password-file: DIR/repl.secret",
                        "replication-password: \"a\\nb\""),
                        "key 'postgresql.replication-password': the value holds a line break", "write it on one line"),
                bad("data-dir with a line break", replace("data-dir: DIR/{node}/data",
                        "data-dir: \"/d\\n  replication-password: x\""),
                        "key 'postgresql.data-dir': the value holds a line break"),
                bad("parameter with a line break", append("postgresql:\n  parameters: {work_mem: \"4MB\\nfsync = off\"}\n"),
                        "key 'postgresql' is given twice"),
                bad("parameter value with a line break", replace("data-dir: DIR/{node}/data",
                        "data-dir: DIR/{node}/data\n  parameters: {work_mem: \"4MB\\nfsync = off\"}"),
                        "key 'postgresql.parameters.work_mem': the value holds a line break", "write it on one line"),
                bad("password file of two lines", secret("two lines"),
                        "key 'postgresql.replication-password-file': DIR/repl.secret holds more than one line",
                        "write the password alone on one line"),
                bad("password file missing", secret("missing"),
                        "key 'postgresql.replication-password-file': DIR/repl.secret: no such file"),
                bad("password file a directory", secret("directory"),
                        "key 'postgresql.replication-password-file': DIR/repl.secret: is a directory, not a file"),
                bad("password file a FIFO", secret("fifo"),
                        "key 'postgresql.replication-password-file': DIR/repl.secret: is not a regular file"),
                bad("password file /dev/zero", new Change("", "DIR/repl.secret", "/dev/zero", null),
                        "key 'postgresql.replication-password-file': /dev/zero: is not a regular file"),
                bad("password file too large", secret("large"),
                        "key 'postgresql.replication-password-file': DIR/repl.secret: is larger than 4 KiB"),
                bad("password file not UTF-8", secret("latin1"),
                        "key 'postgresql.replication-password-file': DIR/repl.secret: is not UTF-8 text"),
                bad("password file empty", secret("empty"),
                        "key 'postgresql.replication-password-file': DIR/repl.secret is empty; write the password"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void aBadConfigurationIsOneSentenceNamingTheKeyAndTheFix(String title, Change change, List<String> expected)
            throws IOException {
        Path file = write(change);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, null), title);
        assertOneSentence(file, e, expected);
        assertFalse(Files.exists(dir.resolve("state")), "loading creates nothing");
    }

    static Stream<Arguments> badConfigurationFiles() {
        return Stream.of(
                Arguments.of("/dev/zero", "is not a regular file"),
                Arguments.of("fifo", "is not a regular file"),
                Arguments.of("directory", "is a directory, not a file"),
                Arguments.of("large", "is larger than 1 MiB"),
                Arguments.of("latin1", "is not UTF-8 text"),
                Arguments.of("missing", "no such file; pass the agent's YAML configuration with --config"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigurationFiles")
    void anUnusableConfigurationFileIsNamedWithTheReason(String kind, String expected) throws IOException {
        Path file = kind.equals("/dev/zero") ? Path.of("/dev/zero") : dir.resolve("agent.yaml");
        if (!kind.equals("/dev/zero")) {
            make(file, kind, BASE.replace("DIR", dir.toString()));
        }
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, null));
        assertTrue(e.getMessage().startsWith(file + ": " + expected), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void quotedNumbersAndBooleansAreWhatTheySayAndIpv6AndFractionsWork() throws IOException {
        Path file = write(new Change("timings: {lease-time: 1.5s}\napi: {auth-reads: \"true\"}\n",
                "{name: n2, address: 127.0.0.2}", "{name: n2, address: '::1', api-port: \"28109\"}", null));
        AgentConfig config = ConfigLoader.load(file, null);
        assertEquals("::1", config.nodes().get(1).address());
        assertEquals(28109, config.nodes().get(1).apiPort());
        assertTrue(config.api().authReads());
        assertEquals(Duration.ofMillis(1500), config.timings().leaseTime());
    }

    @Test
    void theReadmeListsEveryDurationKeyWithItsDefinedRange() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        for (DurationKey key : DurationKey.values()) {
            String row = "| `" + key.key() + "` | `" + io.pgpacer.core.model.Durations.render(
                    key.defaultValue().toMillis()) + "` | `" + io.pgpacer.core.model.Durations.render(
                    key.range().minMillis()) + "` to `" + io.pgpacer.core.model.Durations.render(
                    key.range().maxMillis()) + "`";
            assertTrue(readme.contains(row), "README.md lacks the row " + row);
        }
    }

    @Test
    void anOperatorCommandReadsNoPasswordFile() throws IOException {
        Path file = write(secret("missing"));
        AgentConfig cluster = ConfigLoader.loadCluster(file);
        assertEquals(List.of("n1", "n2"), cluster.nodes().stream().map(n -> n.name()).toList());
        assertNull(cluster.postgres().replicationPassword(), "no secret is read for an operator command");
        assertThrows(ConfigException.class, () -> ConfigLoader.load(file, null), "the agent still needs it");
    }

    private Path write(Change change) throws IOException {
        String text = BASE;
        if (change.from() != null) {
            assertTrue(text.contains(change.from()), change.from());
            text = text.replace(change.from(), change.to());
        }
        text = (text + change.append()).replace("DIR", dir.toString());
        Path file = dir.resolve("agent.yaml");
        Files.writeString(file, text);
        Path secret = dir.resolve("repl.secret");
        make(secret, change.secret() == null ? "valid" : change.secret(), "s3cret\n");
        return file;
    }

    // A file of the given kind at path: its content, or a directory, a FIFO, too large, not UTF-8, absent.
    private static void make(Path path, String kind, String content) throws IOException {
        switch (kind) {
            case "valid" -> Files.writeString(path, content);
            case "two lines" -> Files.writeString(path, "s3cret\nsecond\n");
            case "empty" -> Files.writeString(path, "\n");
            case "missing" -> Files.deleteIfExists(path);
            case "directory" -> Files.createDirectories(path);
            case "large" -> Files.writeString(path, content + "#" + "x".repeat(InputFiles.DOCUMENT_LIMIT) + "\n");
            case "latin1" -> Files.write(path, (content.strip() + " # caf\u00e9\n").getBytes(StandardCharsets.ISO_8859_1));
            case "fifo" -> {
                try {
                    Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
                    assertEquals(0, mkfifo.waitFor(), "mkfifo " + path);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            default -> throw new IllegalArgumentException(kind);
        }
    }

    private void assertOneSentence(Path file, ConfigException e, List<String> expected) {
        String message = e.getMessage();
        assertTrue(message.startsWith(file + ": "), "names the file: " + message);
        for (String part : expected) {
            String wanted = part.replace("DIR", dir.toString());
            assertTrue(message.contains(wanted), "expected '" + wanted + "' in: " + message);
        }
        assertEquals(1, message.lines().count(), "one line: " + message);
        assertFalse(message.contains("Exception") || message.contains("\tat "), "no internals: " + message);
        assertFalse(message.contains("s3cret"), "no secret: " + message);
    }
}
