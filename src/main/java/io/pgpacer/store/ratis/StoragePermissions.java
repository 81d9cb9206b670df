package io.pgpacer.store.ratis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a member's Raft storage private to the agent's user: the directory 0700, its files 0600. The votes and
 * the CIB's history are nobody else's business, and no other user may change them. Ratis creates its files with
 * the process's umask (usually 0644); they stay unreadable to others inside the 0700 directory, and are narrowed
 * to 0600 at every start.
 */
final class StoragePermissions {

    static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private static final Logger LOG = LoggerFactory.getLogger(StoragePermissions.class);

    private StoragePermissions() {
    }

    /** Creates {@code dir} (and missing parents) and makes it 0700. */
    static void createPrivateDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
        }
        Files.setPosixFilePermissions(dir, DIRECTORY);
    }

    /** Makes {@code dir} and every directory under it 0700 and every file 0600; best effort, logged. */
    static void restrict(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.forEach(path -> {
                try {
                    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                        Files.setPosixFilePermissions(path, DIRECTORY);
                    } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                        Files.setPosixFilePermissions(path, FILE);
                    }
                } catch (IOException e) {
                    LOG.warn("cannot make {} private: {}", path, e.toString());
                }
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot make the Raft storage {} private: {}", dir, e.toString());
        }
    }

    /** Writes {@code text} to a new file readable by its owner only; refuses to replace an existing file. */
    static void writePrivate(Path file, String text) throws IOException {
        if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString());
        }
        Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
        Files.write(file, text.getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
    }

    /** Deletes {@code path} and everything under it, for storage a failed start created; best effort. */
    static void deleteQuietly(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.warn("cannot delete {}: {}", p, e.toString());
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", path, e.toString());
        }
    }
}
