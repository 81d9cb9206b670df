package io.pgpacer.replay;

import io.pgpacer.core.decide.ClusterSnapshot;
import io.pgpacer.core.decide.Plan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Keeps the snapshot behind each plan the controller acts on, one {@link DecisionFile} each
 * ({@code decision-000042.yaml}, numbered on from the files already there), and only the latest {@code keep}: a
 * bounded series like Pacemaker's {@code pe-input-*.bz2}. {@code pgpacer simulate FILE} replays one. The directory
 * and the files are private to the agent's user (0700, 0600).
 */
public final class DecisionRecorder {

    /** How many recordings an agent keeps when nobody says otherwise. */
    public static final int KEPT = 50;

    // why private: a recording holds the whole CIB, resource parameters included, like the state directory around it
    private static final Set<PosixFilePermission> PRIVATE_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Pattern NAME = Pattern.compile("decision-(\\d+)\\.yaml");

    private final Path directory;
    private final int keep;
    private final String recordedBy;
    private long next = -1;

    /**
     * @param directory created when the first decision is recorded
     * @param recordedBy the node whose controller decided, written into each file
     */
    public DecisionRecorder(Path directory, int keep, String recordedBy) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, not " + keep);
        }
        this.directory = directory;
        this.keep = keep;
        this.recordedBy = recordedBy;
    }

    public Path directory() {
        return directory;
    }

    /**
     * Writes the recording of {@code plan} made of {@code snapshot} (whole, or not at all: written aside and moved into
     * place), then removes the oldest beyond {@code keep}.
     *
     * @return the file written
     * @throws IOException when the directory cannot be created or written; nothing is half-written
     */
    public synchronized Path record(ClusterSnapshot snapshot, Plan plan, Instant at) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY));
        }
        if (next < 0) {
            next = numbers().orElse(0) + 1;
        }
        String text = DecisionFile.yaml(DecisionFile.record(snapshot, plan, "recorded by the controller on "
                + recordedBy + " at " + at, recordedBy, at));
        Path file = directory.resolve(String.format("decision-%06d.yaml", next++));
        Path aside = directory.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(aside);
        Files.createFile(aside, PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
        Files.writeString(aside, text, StandardCharsets.UTF_8);
        Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        prune();
        return file;
    }

    /** The recordings present, oldest first. */
    public List<Path> recordings() throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> NAME.matcher(f.getFileName().toString()).matches())
                    .sorted((a, b) -> Long.compare(number(a), number(b))).toList();
        }
    }

    private void prune() throws IOException {
        List<Path> all = recordings();
        for (Path old : all.subList(0, Math.max(0, all.size() - keep))) {
            Files.deleteIfExists(old);
        }
    }

    private OptionalLong numbers() throws IOException {
        return recordings().stream().mapToLong(DecisionRecorder::number).max();
    }

    private static long number(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
