package io.pgpacer.enrol;

import io.pgpacer.config.InputFiles;
import io.pgpacer.os.OsErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The files a host keeps in its pgpacer directory ({@code /etc/pgpacer}, or {@code --etc DIR}): the host key and
 * the cluster's shared secrets, each written atomically with its mode set before it holds anything.
 */
public record HostFiles(Path dir) {

    /** Where the package keeps them. */
    public static final String DEFAULT_DIR = "/etc/pgpacer";
    public static final String HOST_KEY = "host.key";
    public static final String API_TOKEN = "api-token";
    public static final String REPLICATION_SECRET = "replication.secret";
    public static final String SECRET_MODE = "rw-------";
    public static final String CONFIG_MODE = "rw-r-----";

    public Path hostKey() {
        return dir.resolve(HOST_KEY);
    }

    public Path apiToken() {
        return dir.resolve(API_TOKEN);
    }

    public Path replicationSecret() {
        return dir.resolve(REPLICATION_SECRET);
    }

    /**
     * The host key, if {@code pgpacer host secret} stored one.
     *
     * @throws IllegalStateException naming the file when it exists but cannot be used
     */
    public Optional<HostKey> readHostKey() {
        if (!Files.exists(hostKey())) {
            return Optional.empty();
        }
        try {
            return Optional.of(HostKey.parse(InputFiles.read(hostKey(), InputFiles.SECRET_LIMIT)));
        } catch (InputFiles.UnusableFileException | IllegalArgumentException e) {
            throw new IllegalStateException(hostKey() + ": " + e.getMessage() + "; run 'pgpacer host secret --etc "
                    + dir + "' to store a new one", e);
        }
    }

    /**
     * The cluster's secrets, if this host holds both.
     *
     * @throws IllegalStateException naming the file when one exists but cannot be used
     */
    public Optional<SharedSecrets> readSecrets() {
        if (!Files.exists(apiToken()) || !Files.exists(replicationSecret())) {
            return Optional.empty();
        }
        try {
            return Optional.of(new SharedSecrets(firstLine(apiToken()), firstLine(replicationSecret())));
        } catch (InputFiles.UnusableFileException | IllegalArgumentException e) {
            throw new IllegalStateException(dir + ": the API token or replication secret cannot be used: "
                    + e.getMessage() + "; remove " + apiToken() + " and " + replicationSecret()
                    + " and run 'pgpacer host auth' again", e);
        }
    }

    private static String firstLine(Path file) {
        return InputFiles.read(file, InputFiles.SECRET_LIMIT).strip().lines().findFirst().orElse("");
    }

    public void writeHostKey(HostKey key) {
        writeAtomically(hostKey(), key.render(), SECRET_MODE);
    }

    public void writeSecrets(SharedSecrets secrets) {
        writeAtomically(replicationSecret(), secrets.replicationPassword() + "\n", SECRET_MODE);
        writeAtomically(apiToken(), secrets.apiToken() + "\n", SECRET_MODE);
    }

    /**
     * Replaces {@code file} with {@code text} in one rename: a reader sees the old file or the new one, never a part,
     * and the new one has {@code mode} from its creation.
     *
     * @throws UncheckedIOException with the OS's reason
     */
    public static void writeAtomically(Path file, String text, String mode) {
        Path dir = file.toAbsolutePath().getParent();
        Path temporary = null;
        try {
            Files.createDirectories(dir);
            temporary = Files.createTempFile(dir, "." + file.getFileName(), ".new",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
            temporary = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + OsErrors.reason(e), e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // the write already failed, and that failure is the one to report
                }
            }
        }
    }
}
