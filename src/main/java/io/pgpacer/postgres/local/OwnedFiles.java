package io.pgpacer.postgres.local;

import io.pgpacer.postgres.PostgresException;
import io.pgpacer.os.FileTrees;
import io.pgpacer.os.OsErrors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;

/**
 * Files and directories that PostgreSQL must own: created with the PostgreSQL OS user as owner and
 * a mode PostgreSQL accepts (it refuses a data directory that is not 0700 or 0750).
 */
final class OwnedFiles {
    private final OsUser user;

    OwnedFiles(OsUser user) {
        this.user = user;
    }

    /** Creates the directory (and missing parents, left to root) and gives the leaf to PostgreSQL. Idempotent. */
    void createDirectory(Path directory, String permissions) {
        try {
            Files.createDirectories(directory);
            setOwnerAndMode(directory, permissions);
        } catch (IOException e) {
            throw new PostgresException("could not create directory " + directory + ": " + e, e);
        }
    }

    /**
     * Replaces a file's content atomically (write a temporary file, fsync, rename), so PostgreSQL never
     * reads a half-written configuration file, even after a crash.
     */
    void writeAtomically(Path file, String content, String permissions) {
        Path temporary = file.resolveSibling("." + file.getFileName() + ".pgpacer-tmp");
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            setOwnerAndMode(temporary, permissions);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // The original error is the one worth reporting.
            }
            throw new PostgresException("could not write " + file + ": " + e, e);
        }
    }

    /** Creates an empty file if it does not exist, owned by PostgreSQL. */
    void touch(Path file, String permissions) {
        try {
            if (!Files.exists(file)) {
                Files.createFile(file);
            }
            setOwnerAndMode(file, permissions);
        } catch (IOException e) {
            throw new PostgresException("could not create " + file + ": " + e, e);
        }
    }

    void setOwnerAndMode(Path path, String permissions) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        if (user.switchFromRoot()) {
            UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
            // Numeric ids: the JDK accepts them, and they work whatever the name service says.
            UserPrincipal owner = lookup.lookupPrincipalByName(Long.toString(user.uid()));
            GroupPrincipal group = lookup.lookupPrincipalByGroupName(Long.toString(user.gid()));
            view.setOwner(owner);
            view.setGroup(group);
        }
        view.setPermissions(PosixFilePermissions.fromString(permissions));
    }

    /** True if the directory does not exist or holds no entries. */
    static boolean isMissingOrEmpty(Path directory) {
        if (!Files.exists(directory)) {
            return true;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            throw new PostgresException("could not read directory " + directory + ": " + e, e);
        }
    }

    /**
     * Deletes a directory tree. Only for directories pgpacer itself created and never filled with a
     * cluster anyone used (a failed base backup's staging copy): see invariant S5.
     */
    static void deleteOwnStagingTree(Path directory) {
        deleteTree(directory, "the staging directory");
    }

    /**
     * Deletes an old data directory that a rebuild set aside: only because the operator asked for it
     * ({@code --discard-old}), which invariant S5 requires.
     */
    static void deleteDiscardedDataDirectory(Path directory) {
        deleteTree(directory, "the old data directory");
    }

    private static void deleteTree(Path directory, String what) {
        try {
            FileTrees.delete(directory);
        } catch (IOException e) {
            throw new PostgresException("could not remove " + what + " " + directory + ": " + OsErrors.describe(e), e);
        }
    }
}
