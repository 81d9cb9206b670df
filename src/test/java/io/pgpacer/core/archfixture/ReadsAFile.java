package io.pgpacer.core.archfixture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A planted violation for ArchitectureViolationsTest: core code that reads a file. */
public final class ReadsAFile {

    private ReadsAFile() {
    }

    public static String read(Path path) throws IOException {
        return Files.readString(path);
    }
}
