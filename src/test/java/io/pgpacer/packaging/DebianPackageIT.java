package io.pgpacer.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The release artifacts that 'mvn package' builds: the Debian package's metadata and contents, its installation,
 * the command and the unit it installs, and a purge that removes what it installed and keeps a data directory
 * (S5); the tarball's contents and its command. Runs after 'package' (failsafe), as root, with dpkg and apt.
 */
class DebianPackageIT {

    private static final Path TARGET = Path.of("target");
    private static final String VERSION = System.getProperty("pgpacer.version", "0.1.0-SNAPSHOT");
    private static final Path DEB = TARGET.resolve("pgpacer_" + VERSION + "_all.deb").toAbsolutePath();
    private static final Path TARBALL = TARGET.resolve("pgpacer-" + VERSION + ".tar.gz").toAbsolutePath();

    /** Every path the package installs: nothing else may appear on the host but the unit's enablement. */
    private static final Set<String> INSTALLED = new TreeSet<>(List.of(
            "/etc/pgpacer",
            "/lib/systemd/system/pgpacer.service",
            "/usr/bin/pgpacer",
            "/usr/share/doc/pgpacer/README.md",
            "/usr/share/doc/pgpacer/dashboard.png",
            "/usr/share/doc/pgpacer/node-state-machine.md",
            "/usr/share/doc/pgpacer/resource-agents.md",
            "/usr/share/pgpacer/examples/pgpacer.yaml",
            "/usr/share/pgpacer/extension/pgpacer_guard/Makefile",
            "/usr/share/pgpacer/extension/pgpacer_guard/pgpacer_guard--1.0.sql",
            "/usr/share/pgpacer/extension/pgpacer_guard/pgpacer_guard.c",
            "/usr/share/pgpacer/extension/pgpacer_guard/pgpacer_guard.control",
            "/usr/share/pgpacer/pgpacer.jar",
            "/var/lib/pgpacer"));

    private record Run(int exitCode, String output) {
        Run assertSucceeded(String what) {
            assertEquals(0, exitCode, what + " failed:\n" + output);
            return this;
        }
    }

    private static Run run(String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(Map.of("DEBIAN_FRONTEND", "noninteractive", "LC_ALL", "C"));
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not end within 5 minutes");
        }
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    @Test
    void theDebianPackageNamesWhatItNeeds() throws Exception {
        String fields = run("dpkg-deb", "--field", DEB.toString(), "Package", "Architecture", "Depends")
                .assertSucceeded("dpkg-deb --field").output();
        assertTrue(fields.contains("Package: pgpacer"), fields);
        assertTrue(fields.contains("Architecture: all"), fields);
        for (String dependency : List.of("java17-runtime-headless", "postgresql (>= 12)", "iproute2", "iputils-arping")) {
            assertTrue(fields.contains(dependency), "Depends lacks " + dependency + ":\n" + fields);
        }
        String info = run("dpkg-deb", "--info", DEB.toString()).assertSucceeded("dpkg-deb --info").output();
        assertTrue(info.contains("postinst"), "the package enables its unit in postinst");
        assertTrue(info.contains("triggers"), "a JVM changed under /usr/lib/jvm makes postinst remake the CLI's"
                + " class-data sharing archive");
    }

    @Test
    void theDebianPackageHoldsExactlyTheListedFiles() throws Exception {
        Set<String> entries = new TreeSet<>();
        for (String line : run("dpkg-deb", "--contents", DEB.toString()).assertSucceeded("dpkg-deb --contents")
                .output().split("\n")) {
            String[] fields = line.trim().split("\\s+");
            String path = fields[fields.length - 1].replaceFirst("^\\.", "").replaceFirst("/$", "");
            entries.add(path);
        }
        assertEquals(INSTALLED, leaves(entries), "files and top directories in the package");
        assertTrue(run("dpkg-deb", "--contents", DEB.toString()).output().contains("drwxr-x--- root/root"),
                "/etc/pgpacer will hold secrets: 0750");
    }

    @Test
    void installRunPurgeKeepsTheDataDirectory() throws Exception {
        assertEquals("root", System.getProperty("user.name"), "installing a package needs root (CI runs as root)");
        assertFalse(installed(), "pgpacer is already installed on this machine; this test installs and purges its own"
                + " build: remove it first with 'apt-get purge pgpacer'");
        Path data = Path.of("/var/lib/pgpacer/data");
        boolean hadVarLib = Files.exists(data.getParent());
        try {
            run("apt-get", "install", "-y", "-q", "--no-install-recommends", DEB.toString())
                    .assertSucceeded("apt-get install " + DEB);
            assertTrue(installed(), "dpkg knows the package after the installation");
            String version = run("/usr/bin/pgpacer", "--version").assertSucceeded("pgpacer --version").output();
            assertEquals("pgpacer " + VERSION + "\n", version, "the version and nothing else (no JVM warning)");
            assertTrue(Files.isRegularFile(Path.of("/var/cache/pgpacer/cli.jsa")),
                    "postinst made the CLI's class-data sharing archive");
            assertTrue(run("env", "JAVA_TOOL_OPTIONS=-Xlog:class+load", "/usr/bin/pgpacer", "--version").output()
                    .contains("io.pgpacer.cli.Main source: shared objects file"), "the command starts from it");
            assertEquals(INSTALLED, leaves(Arrays.stream(run("dpkg", "-L", "pgpacer").assertSucceeded("dpkg -L")
                    .output().split("\n")).map(String::strip).filter(p -> !p.equals("/.")).collect(Collectors.toSet())),
                    "what dpkg says it installed");
            Run verify = run("systemd-analyze", "verify", "/lib/systemd/system/pgpacer.service");
            assertEquals(0, verify.exitCode(), "systemd-analyze verify pgpacer.service:\n" + verify.output());
            assertTrue(Files.isSymbolicLink(Path.of("/etc/systemd/system/multi-user.target.wants/pgpacer.service")),
                    "the package enables pgpacer.service");
            assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    Path.of("/etc/pgpacer"))), "/etc/pgpacer will hold secrets");

            // A data directory under /var/lib/pgpacer, as the example configuration puts it: purge must keep it.
            Files.createDirectories(data);
            Files.writeString(data.resolve("PG_VERSION"), "15\n");
            run("apt-get", "purge", "-y", "-q", "pgpacer").assertSucceeded("apt-get purge pgpacer");
            assertFalse(installed(), "purged");
            for (String path : List.of("/usr/bin/pgpacer", "/usr/share/pgpacer", "/lib/systemd/system/pgpacer.service",
                    "/usr/share/doc/pgpacer", "/etc/systemd/system/multi-user.target.wants/pgpacer.service",
                    "/var/cache/pgpacer")) {
                assertFalse(Files.exists(Path.of(path), java.nio.file.LinkOption.NOFOLLOW_LINKS), path + " after purge");
            }
            assertEquals("15\n", Files.readString(data.resolve("PG_VERSION")), "purge keeps a data directory (S5)");
        } finally {
            if (installed()) {
                run("apt-get", "purge", "-y", "-q", "pgpacer");
            }
            Files.deleteIfExists(data.resolve("PG_VERSION"));
            Files.deleteIfExists(data);
            if (!hadVarLib) {
                Files.deleteIfExists(data.getParent());
            }
        }
    }

    @Test
    void theTarballRunsWhereItIsUnpacked() throws Exception {
        Path unpacked = Files.createTempDirectory(TARGET.toAbsolutePath(), "tarball");
        run("tar", "-xzf", TARBALL.toString(), "-C", unpacked.toString()).assertSucceeded("tar -xzf");
        Path home = unpacked.resolve("pgpacer-" + VERSION);
        try (Stream<Path> files = Files.walk(home)) {
            Set<String> listed = files.filter(Files::isRegularFile).map(p -> home.relativize(p).toString())
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(new TreeSet<>(List.of("bin/pgpacer", "lib/pgpacer.jar", "systemd/pgpacer.service",
                    "examples/pgpacer.yaml", "docs/README.md", "docs/dashboard.png", "docs/node-state-machine.md",
                    "docs/resource-agents.md",
                    "extension/pgpacer_guard/Makefile", "extension/pgpacer_guard/pgpacer_guard--1.0.sql",
                    "extension/pgpacer_guard/pgpacer_guard.c", "extension/pgpacer_guard/pgpacer_guard.control")),
                    listed);
        }
        assertEquals("pgpacer " + VERSION + "\n", run(home.resolve("bin/pgpacer").toString(), "--version")
                .assertSucceeded("bin/pgpacer --version from the tarball").output());
        assertTrue(Files.isRegularFile(home.resolve("lib/pgpacer.jsa")), "the first command made the CLI's class-data"
                + " sharing archive beside the jar");
    }

    private static boolean installed() throws IOException, InterruptedException {
        Run status = run("dpkg-query", "-W", "-f", "${Status}", "pgpacer");
        return status.exitCode() == 0 && status.output().contains("install ok installed");
    }

    /** The paths without the parents that only lead to them (/usr, /usr/share, ...). */
    private static Set<String> leaves(Set<String> paths) {
        Set<String> leaves = new TreeSet<>();
        for (String path : paths) {
            if (path.isEmpty()) {
                continue;
            }
            boolean parentOnly = paths.stream().anyMatch(other -> other.startsWith(path + "/"))
                    && !INSTALLED.contains(path);
            if (!parentOnly) {
                leaves.add(path);
            }
        }
        return leaves;
    }
}
