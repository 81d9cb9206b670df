package io.pgpacer.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher (src/packaging/bin/pgpacer, the installed command and the checkout's) starts the CLI's commands from
 * a class-data sharing archive of their classes: it makes the archive on first use where it may write it, makes it
 * again when the jar is newer, leaves the agent without it, and an archive the JVM refuses (another jar's, garbage)
 * changes nothing a user sees. Real runs of the script on the jar that 'mvn package' built.
 */
class LauncherClassArchiveIT {

    private static final Path LAUNCHER = Path.of("src/packaging/bin/pgpacer").toAbsolutePath();
    private static final Path BUILT_JAR = Path.of("target/pgpacer.jar").toAbsolutePath();
    private static final String VERSION = "pgpacer " + System.getProperty("pgpacer.version", "0.1.0-SNAPSHOT");
    /** What -Xlog:class+load says of a class mapped from the archive the launcher gave. */
    private static final String MAIN_FROM_ARCHIVE = "io.pgpacer.cli.Main source: shared objects file";

    @TempDir
    Path dir;
    Path jar;
    Path archive;

    private record Run(int exitCode, String output) {
    }

    @BeforeEach
    void copyTheJar() throws IOException {
        jar = Files.copy(BUILT_JAR, dir.resolve("pgpacer.jar"));
        archive = dir.resolve("pgpacer.jsa");
    }

    // Both streams together: whatever the JVM would warn of reaches the user's terminal, so it must not be there.
    private Run launch(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PGPACER_JAR", jar.toString());
        builder.environment().remove("PGPACER_JAVA_OPTS");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().putAll(environment);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not end within 2 minutes");
        }
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private Run version() throws IOException, InterruptedException {
        return launch(Map.of(), "--version");
    }

    // The run's class loading, which says where each class came from.
    private String classLoading(String... args) throws IOException, InterruptedException {
        return launch(Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:stdout"), args).output();
    }

    @Test
    void theFirstCommandMakesTheArchiveAndTheNextOnesStartFromIt() throws Exception {
        assertEquals(new Run(0, VERSION + "\n"), version(), "the first run, which makes the archive, prints only"
                + " the version");
        assertTrue(Files.isRegularFile(archive), "the launcher made " + archive);
        assertEquals(new Run(0, VERSION + "\n"), version());
        String loading = classLoading("--version");
        assertTrue(loading.contains(MAIN_FROM_ARCHIVE), "pgpacer's classes come from the archive");
        // why picocli: its classes are compiled for Java 5, which Java 17 archives only in a static archive (all
        // but the few that the dump links for pgpacer's lambdas, CommandLine itself among them).
        assertTrue(loading.contains("picocli.CommandLine$Model$CommandSpec source: shared objects file"),
                "picocli's classes come from the archive");
        try (var files = Files.list(dir)) {
            assertEquals(List.of("pgpacer.jar", "pgpacer.jsa"), files.map(p -> p.getFileName().toString()).sorted()
                    .toList(), "no temporary file left beside the archive");
        }
    }

    @Test
    void theAgentStartsWithoutTheArchive() throws Exception {
        version();
        assertTrue(Files.isRegularFile(archive), "the launcher made " + archive);
        String loading = classLoading("agent", "--help");
        assertTrue(loading.contains("io.pgpacer.cli.Main source: "), loading);
        assertFalse(loading.contains(MAIN_FROM_ARCHIVE), "the agent's options are the same as before the archive");
    }

    @Test
    void aNewerJarGetsANewArchive() throws Exception {
        version();
        // A rebuilt jar (the same bytes do: the JVM checks the jar's modification time too), newer than the archive.
        Files.setLastModifiedTime(archive, FileTime.from(Instant.now().minusSeconds(3600)));
        Files.copy(BUILT_JAR, jar, StandardCopyOption.REPLACE_EXISTING);
        assertEquals(new Run(0, VERSION + "\n"), version());
        assertTrue(Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) >= 0,
                "the archive was made again after the jar changed");
        assertTrue(classLoading("--version").contains(MAIN_FROM_ARCHIVE), "the new archive is used");
    }

    @Test
    void anArchiveTheJvmRefusesOnlyCostsSpeed() throws Exception {
        // Another jar's archive, newer than this jar, so that the launcher keeps it: what a JVM upgrade leaves too.
        version();
        Files.copy(BUILT_JAR, jar, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(jar, FileTime.from(Files.getLastModifiedTime(archive).toInstant().minusSeconds(60)));
        assertEquals(new Run(0, VERSION + "\n"), version(), "an archive of another jar: no warning, same answer");
        assertFalse(classLoading("--version").contains(MAIN_FROM_ARCHIVE), "the JVM did without the stale archive");

        Files.write(archive, "not an archive".repeat(1000).getBytes(StandardCharsets.UTF_8));
        Files.setLastModifiedTime(archive, FileTime.from(Instant.now()));
        assertEquals(new Run(0, VERSION + "\n"), version(), "garbage in the archive's place: no warning");
        Run refused = launch(Map.of(), "no-such-command");
        assertEquals(2, refused.exitCode(), refused.output());
        assertTrue(refused.output().startsWith("pgpacer: unknown command 'no-such-command'"), refused.output());
    }
}
