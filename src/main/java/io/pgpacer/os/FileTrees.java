package io.pgpacer.os;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Whole directory trees on disk. */
public final class FileTrees {

    private FileTrees() {
    }

    /**
     * Deletes {@code top} and everything below it, without following symbolic links (a link is removed, not its
     * target). A tree that is already gone is no error; the first file that cannot be deleted ends it with the OS's
     * error. Callers decide what may be deleted: a data directory only on the operator's word (S5).
     */
    public static void delete(Path top) throws IOException {
        try {
            Files.walkFileTree(top, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException error) throws IOException {
                    if (error != null) {
                        throw error;
                    }
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // Already gone: nothing to remove.
        }
    }
}
