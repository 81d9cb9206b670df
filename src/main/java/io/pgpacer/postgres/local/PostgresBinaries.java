package io.pgpacer.postgres.local;

import io.pgpacer.os.ProgramRunner;
import io.pgpacer.postgres.PostgresBinariesNotFoundException;
import io.pgpacer.postgres.PostgresException;
import io.pgpacer.postgres.conf.ServerVersion;
import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL installation (12 or later) that has every program pgpacer runs. Found from an explicit
 * setting, else {@code pg_config --bindir}, else the newest of the Debian, RHEL and source layouts.
 */
public record PostgresBinaries(Path binDir, ServerVersion version) {
    /** The programs pgpacer runs; an installation missing one of them is not usable. */
    public static final List<String> REQUIRED_PROGRAMS =
            List.of("postgres", "pg_ctl", "initdb", "pg_basebackup", "pg_rewind", "pg_controldata", "pg_waldump");

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern DEBIAN_LAYOUT = Pattern.compile("(\\d+)");
    private static final Pattern RHEL_LAYOUT = Pattern.compile("pgsql-(\\d+)");
    private static final String HOW_TO_INSTALL = "Install the PostgreSQL server (Debian/Ubuntu: apt-get install"
            + " postgresql; RHEL/Rocky/Alma: dnf install postgresqlNN-server from the PGDG repository) or set"
            + " postgresql.bin-dir to the directory holding " + String.join(", ", REQUIRED_PROGRAMS) + ".";

    /** The absolute path of one of the {@link #REQUIRED_PROGRAMS}. */
    public String program(String name) {
        return binDir.resolve(name).toString();
    }

    public int majorVersion() {
        return version.major();
    }

    /**
     * Where this installation loads libraries from: {@code pg_config --pkglibdir} of this bin directory when it has
     * pg_config (Debian's server-dev package, RHEL's devel package), else {@code ../lib} (Debian's layout).
     */
    public Path libraryDir() {
        Path pgConfig = binDir.resolve("pg_config");
        if (Files.isExecutable(pgConfig)) {
            try {
                ProgramRunner.Result result = OsCommand.asCurrentUser().run("asking pg_config for the library directory",
                        List.of(pgConfig.toString(), "--pkglibdir"), Map.of(), PROBE_TIMEOUT);
                String dir = result.output().strip();
                if (result.succeeded() && !dir.isEmpty()) {
                    return Path.of(dir);
                }
            } catch (PostgresException e) {
                // A broken pg_config must not hide a library in the usual place.
            }
        }
        return binDir.resolveSibling("lib");
    }

    /**
     * Finds the installation to use.
     *
     * @param configuredOrNull an explicit bin directory; when given, it is the only one considered
     * @throws PostgresBinariesNotFoundException if none qualifies; the message says what was tried and
     *         how to install PostgreSQL or point pgpacer at it
     */
    public static PostgresBinaries locate(Path configuredOrNull) {
        if (configuredOrNull != null) {
            Path binDir = configuredOrNull.toAbsolutePath().normalize();
            List<String> missing = missingPrograms(binDir);
            if (!missing.isEmpty()) {
                throw new PostgresBinariesNotFoundException("postgresql.bin-dir " + binDir + " is not a PostgreSQL"
                        + " bin directory: it lacks " + String.join(", ", missing) + ". " + HOW_TO_INSTALL);
            }
            PostgresBinaries binaries = new PostgresBinaries(binDir, versionOf(binDir));
            if (!binaries.version().isSupported()) {
                throw new PostgresBinariesNotFoundException("postgresql.bin-dir " + binDir + " holds "
                        + binaries.version().text() + ", but pgpacer needs PostgreSQL "
                        + ServerVersion.MINIMUM_MAJOR + " or later. " + HOW_TO_INSTALL);
            }
            return binaries;
        }
        List<Path> candidates = new ArrayList<>();
        pgConfigBinDir().ifPresent(candidates::add);
        candidates.addAll(knownLayouts());
        List<String> rejected = new ArrayList<>();
        for (Path candidate : candidates) {
            List<String> missing = missingPrograms(candidate);
            if (!missing.isEmpty()) {
                rejected.add(candidate + " (lacks " + String.join(", ", missing) + ")");
                continue;
            }
            ServerVersion version = versionOf(candidate);
            if (!version.isSupported()) {
                rejected.add(candidate + " (" + version.text() + " is older than " + ServerVersion.MINIMUM_MAJOR + ")");
                continue;
            }
            return new PostgresBinaries(candidate, version);
        }
        throw new PostgresBinariesNotFoundException("no PostgreSQL " + ServerVersion.MINIMUM_MAJOR
                + " or later found (looked at pg_config --bindir, /usr/lib/postgresql/<major>/bin,"
                + " /usr/pgsql-<major>/bin, /usr/local/pgsql/bin" + (rejected.isEmpty() ? "" : "; unusable: "
                + String.join("; ", rejected)) + "). " + HOW_TO_INSTALL);
    }

    private static List<String> missingPrograms(Path binDir) {
        return REQUIRED_PROGRAMS.stream().filter(name -> !Files.isExecutable(binDir.resolve(name))).toList();
    }

    private static ServerVersion versionOf(Path binDir) {
        // postgres answers --version before its refuse-to-run-as-root check, so no user switch is needed.
        String output = OsCommand.asCurrentUser().check("reading the PostgreSQL version",
                List.of(binDir.resolve("postgres").toString(), "--version"), Map.of(), PROBE_TIMEOUT);
        try {
            return ServerVersion.parse(output);
        } catch (IllegalArgumentException e) {
            throw new PostgresBinariesNotFoundException(binDir.resolve("postgres") + " --version printed '"
                    + output.strip() + "', which is not PostgreSQL's version line. " + HOW_TO_INSTALL);
        }
    }

    private static Optional<Path> pgConfigBinDir() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String directory : path.split(File.pathSeparator)) {
            Path pgConfig = Path.of(directory.isEmpty() ? "." : directory, "pg_config");
            if (Files.isExecutable(pgConfig)) {
                try {
                    ProgramRunner.Result result = OsCommand.asCurrentUser().run("asking pg_config for the bin directory",
                            List.of(pgConfig.toString(), "--bindir"), Map.of(), PROBE_TIMEOUT);
                    String binDir = result.output().strip();
                    return result.succeeded() && !binDir.isEmpty() ? Optional.of(Path.of(binDir)) : Optional.empty();
                } catch (PostgresException e) {
                    // A broken pg_config must not hide an installation in a known layout.
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** Debian's and RHEL's per-major directories, newest first, then a source build's default prefix. */
    private static List<Path> knownLayouts() {
        List<Path> layouts = new ArrayList<>();
        layouts.addAll(majorDirectories(Path.of("/usr/lib/postgresql"), DEBIAN_LAYOUT, "bin"));
        layouts.addAll(majorDirectories(Path.of("/usr"), RHEL_LAYOUT, "bin"));
        layouts.add(Path.of("/usr/local/pgsql/bin"));
        return layouts;
    }

    private static List<Path> majorDirectories(Path parent, Pattern namePattern, String binSubdirectory) {
        record Versioned(int major, Path binDir) {
        }
        List<Versioned> found = new ArrayList<>();
        if (!Files.isDirectory(parent)) {
            return List.of();
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent)) {
            for (Path entry : entries) {
                Matcher matcher = namePattern.matcher(entry.getFileName().toString());
                if (matcher.matches()) {
                    found.add(new Versioned(Integer.parseInt(matcher.group(1)), entry.resolve(binSubdirectory)));
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return found.stream().sorted(Comparator.comparingInt(Versioned::major).reversed())
                .map(Versioned::binDir).toList();
    }
}
