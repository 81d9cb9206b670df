package io.pgpacer.agent;

import io.pgpacer.os.OsErrors;
import io.pgpacer.os.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's private state directory and its Raft storage directory in it, made ready at start: created when
 * missing, mode 0700 (0710 with PostgreSQL's group when a root agent runs PostgreSQL as another user, which must
 * pass through to its run directory), a looser existing mode tightened and logged. Until the start succeeds it
 * remembers what it created, so that a refused start removes exactly that and nothing that existed before (S5).
 */
public final class StateDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(StateDirectory.class);
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PASSAGE_FOR_GROUP = PosixFilePermissions.fromString("rwx--x---");

    /** The state directory cannot be created or made private; the message names the path and the OS's reason. */
    public static final class UnusableException extends RuntimeException {
        UnusableException(String message) {
            super(message);
        }
    }

    private final Path root;
    private final Path raft;
    // Directories this start created, outermost first: removed whole when the start is refused.
    private final List<Path> created;
    // For each directory that existed before this start: its entries then, so that only new ones are removed.
    private final Map<Path, Set<Path>> entriesBefore;

    private StateDirectory(Path root, Path raft, List<Path> created, Map<Path, Set<Path>> entriesBefore) {
        this.root = root;
        this.raft = raft;
        this.created = created;
        this.entriesBefore = entriesBefore;
    }

    /**
     * Creates or checks {@code root} and {@code root/raft}.
     *
     * @param postgresGroup the group that may pass through {@code root} (PostgreSQL's, see the class comment)
     * @throws UnusableException when a directory cannot be created or made private; nothing is left behind then
     */
    public static StateDirectory prepare(Path root, OptionalLong postgresGroup) {
        Path absolute = root.toAbsolutePath().normalize();
        Path raft = absolute.resolve("raft");
        List<Path> created = new ArrayList<>();
        Map<Path, Set<Path>> entriesBefore = new LinkedHashMap<>();
        StateDirectory attempt = new StateDirectory(absolute, raft, created, entriesBefore);
        try {
            createMissing(absolute, created);
            remember(absolute, created, entriesBefore);
            makePrivate(absolute, postgresGroup.isPresent() ? PASSAGE_FOR_GROUP : PRIVATE, postgresGroup,
                    created.contains(absolute));
            createMissing(raft, created);
            remember(raft, created, entriesBefore);
            makePrivate(raft, PRIVATE, OptionalLong.empty(), created.contains(raft));
        } catch (UnusableException e) {
            attempt.removeWhatThisStartCreated();
            throw e;
        }
        return attempt;
    }

    public Path root() {
        return root;
    }

    /** Where the Raft log and snapshots live. */
    public Path raft() {
        return raft;
    }

    /**
     * After a refused start: removes the directories this start created and the entries it added to the ones that
     * existed, nothing else. Never call it once the agent ran.
     */
    public void removeWhatThisStartCreated() {
        for (Map.Entry<Path, Set<Path>> existing : entriesBefore.entrySet()) {
            try (Stream<Path> entries = Files.list(existing.getKey())) {
                for (Path entry : entries.toList()) {
                    if (!existing.getValue().contains(entry)) {
                        FileTrees.delete(entry);
                    }
                }
            } catch (IOException e) {
                LOG.warn("could not remove what this start added to {}: {}", existing.getKey(), OsErrors.describe(e));
            }
        }
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                FileTrees.delete(created.get(i));
            } catch (IOException e) {
                LOG.warn("could not remove {}, which this start created: {}", created.get(i), OsErrors.describe(e));
            }
        }
    }

    private static void createMissing(Path directory, List<Path> created) {
        List<Path> missing = new ArrayList<>();
        Path existing = directory;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            missing.add(0, existing);
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            String kind = Files.isRegularFile(existing) ? "a file" : "not a directory";
            throw new UnusableException(existing.equals(directory) ? directory + " is " + kind + ", not a directory"
                    : "cannot create " + directory + ": " + existing + " is " + kind);
        }
        for (Path dir : missing) {
            try {
                Files.createDirectory(dir);
                created.add(dir);
            } catch (IOException e) {
                throw new UnusableException("cannot create " + dir + ": " + OsErrors.reason(e)
                        + fileSystemOf(dir.getParent()));
            }
        }
    }

    private static void remember(Path directory, List<Path> created, Map<Path, Set<Path>> entriesBefore) {
        if (created.contains(directory)) {
            return;
        }
        try (Stream<Path> entries = Files.list(directory)) {
            entriesBefore.put(directory, new HashSet<>(entries.toList()));
        } catch (IOException e) {
            throw new UnusableException("cannot read " + directory + ": " + OsErrors.reason(e));
        }
    }

    private static void makePrivate(Path directory, Set<PosixFilePermission> mode, OptionalLong group,
                                    boolean createdNow) {
        PosixFileAttributeView view = Files.getFileAttributeView(directory, PosixFileAttributeView.class);
        try {
            Set<PosixFilePermission> before = view.readAttributes().permissions();
            if (group.isPresent()) {
                GroupPrincipal principal = directory.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByGroupName(Long.toString(group.getAsLong()));
                view.setGroup(principal);
            }
            if (!before.equals(mode)) {
                view.setPermissions(mode);
                if (!createdNow) {
                    LOG.info("{} had mode {}; set it to {} so that only the agent{} can read the cluster's state",
                            directory, PosixFilePermissions.toString(before), PosixFilePermissions.toString(mode),
                            group.isPresent() ? " (and PostgreSQL's group, to reach its run directory)" : "");
                }
            }
        } catch (IOException e) {
            throw new UnusableException("cannot make " + directory + " private (mode "
                    + PosixFilePermissions.toString(mode) + "): " + OsErrors.reason(e));
        }
    }

    // why: /proc and /sys refuse new directories with "no such file", which reads as a typo unless it is explained.
    private static String fileSystemOf(Path parent) {
        try {
            String type = Files.getFileStore(parent).type();
            return Set.of("proc", "sysfs", "devtmpfs", "cgroup", "cgroup2", "debugfs", "securityfs").contains(type)
                    ? " (" + parent + " is on the kernel's '" + type + "' file system, not on a disk)" : "";
        } catch (IOException e) {
            return "";
        }
    }
}
