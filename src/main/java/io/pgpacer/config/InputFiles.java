package io.pgpacer.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The one way an operator's file is read (the configuration, a password file, a {@code cib replace} document) and
 * the one way a file is written for them ({@code cluster setup --output}): only regular files, only up to a size
 * that such a file never needs, only UTF-8 text; every refusal a reason an operator can act on (no such file,
 * permission denied, is a directory, not a regular file, too large, not UTF-8 text), never a hang on a FIFO or an
 * out-of-memory error on {@code /dev/zero}.
 */
public final class InputFiles {

    /** The most a configuration file or a CIB document may hold. */
    public static final int DOCUMENT_LIMIT = 1 << 20;

    /** The most a file holding a password may hold. */
    public static final int SECRET_LIMIT = 4096;

    /** A file that cannot be used; the message is {@code FILE: REASON}, without a fix (the caller adds it). */
    public static final class UnusableFileException extends RuntimeException {
        private final transient Path file;
        private final boolean missing;

        UnusableFileException(Path file, String reason) {
            this(file, reason, false);
        }

        UnusableFileException(Path file, String reason, boolean missing) {
            super(file + ": " + reason);
            this.file = file;
            this.missing = missing;
        }

        public Path file() {
            return file;
        }

        /** Whether the file does not exist, for a caller whose fix is to create it. */
        public boolean missing() {
            return missing;
        }
    }

    private InputFiles() {
    }

    /**
     * The text of {@code file}.
     *
     * @param limit the most bytes it may hold
     * @throws UnusableFileException naming the file and why it cannot be read
     */
    public static String read(Path file, int limit) {
        BasicFileAttributes attributes = attributes(file);
        if (attributes.isDirectory()) {
            throw new UnusableFileException(file, "is a directory, not a file");
        }
        if (!attributes.isRegularFile()) {
            // why before opening: opening a FIFO blocks until a writer comes, a device may never end
            throw new UnusableFileException(file, "is not a regular file (a device, FIFO or socket); give a file");
        }
        if (attributes.size() > limit) {
            throw tooLarge(file, limit);
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(limit + 1);
        } catch (IOException e) {
            throw new UnusableFileException(file, reason(e));
        }
        if (bytes.length > limit) {
            throw tooLarge(file, limit);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UnusableFileException(file, "is not UTF-8 text");
        }
    }

    /**
     * Writes {@code text} to {@code file}, which must not exist unless {@code overwrite}; an existing file must be a
     * regular file.
     *
     * @throws FileAlreadyExistsException when it exists and {@code overwrite} is false
     * @throws UnusableFileException naming the file and why it cannot be written
     */
    public static void write(Path file, String text, boolean overwrite) throws FileAlreadyExistsException {
        if (file.toString().isEmpty()) {
            throw new UnusableFileException(file, "an empty file name; give a file name such as pgpacer.yaml");
        }
        if (Files.exists(file)) {
            if (Files.isDirectory(file)) {
                throw new UnusableFileException(file, "is a directory; give a file name");
            }
            if (!Files.isRegularFile(file)) {
                throw new UnusableFileException(file, "is not a regular file (a device, FIFO or socket); give a file"
                        + " name");
            }
            if (!overwrite) {
                throw new FileAlreadyExistsException(file.toString());
            }
        }
        try {
            if (overwrite) {
                Files.writeString(file, text, StandardCharsets.UTF_8);
            } else {
                Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
            }
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (IOException e) {
            throw new UnusableFileException(file, reason(e));
        }
    }

    /** A path from the command line or a file, or a refusal naming what is wrong with it. */
    public static Path path(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("an empty path; give a file name");
        }
        if (text.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("'" + text.replaceAll("\\p{Cntrl}", "?") + "' holds a control character"
                    + " (a line break?); give a plain path");
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("'" + text + "' is not a path: " + e.getReason());
        }
    }

    private static BasicFileAttributes attributes(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new UnusableFileException(file, reason(e), e instanceof NoSuchFileException);
        }
    }

    private static UnusableFileException tooLarge(Path file, int limit) {
        return new UnusableFileException(file, "is larger than " + (limit >= 1 << 20 ? (limit >> 20) + " MiB"
                : (limit >> 10) + " KiB") + ", more than such a file ever needs; check that this is the right file");
    }

    // The OS's reason in words, never a bare repetition of the path (as NoSuchFileException's message is).
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied for the user running pgpacer (" + System.getProperty("user.name") + ")";
        }
        if (e instanceof NotDirectoryException) {
            return "a part of the path is not a directory";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            String reason = fs.getReason();
            return reason.equals("Is a directory") ? "is a directory, not a file"
                    : reason.equals("Not a directory") ? "a part of the path is not a directory"
                    : reason.substring(0, 1).toLowerCase(java.util.Locale.ROOT) + reason.substring(1);
        }
        return "cannot be read: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
}
