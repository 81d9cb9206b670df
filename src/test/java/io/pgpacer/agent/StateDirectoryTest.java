package io.pgpacer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's state directory is private, and a refused start removes exactly what it created (S5). */
class StateDirectoryTest {

    @TempDir
    Path dir;

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void aNewStateDirectoryIsPrivateAndARefusedStartRemovesItWithTheParentsItCreated() throws IOException {
        Path state = dir.resolve("var/lib/pgpacer");
        StateDirectory prepared = StateDirectory.prepare(state, OptionalLong.empty());
        assertEquals("rwx------", mode(state));
        assertEquals("rwx------", mode(state.resolve("raft")));
        assertEquals(state.resolve("raft"), prepared.raft());
        Files.createDirectories(state.resolve("raft/group/current"));
        Files.writeString(state.resolve("raft/group/current/log"), "entries");

        prepared.removeWhatThisStartCreated();

        assertFalse(Files.exists(dir.resolve("var")), "every directory this start created is gone");
    }

    @Test
    void anExistingLooseStateDirectoryIsTightenedAndOnlyWhatThisStartAddedIsRemoved() throws IOException {
        Path state = Files.createDirectories(dir.resolve("state/raft/old-group"));
        state = dir.resolve("state");
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(state.resolve("raft"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(state.resolve("raft/old-group/log"), "votes");
        Files.writeString(state.resolve("notes"), "the operator's");

        StateDirectory prepared = StateDirectory.prepare(state, OptionalLong.empty());
        assertEquals("rwx------", mode(state));
        assertEquals("rwx------", mode(state.resolve("raft")));
        Files.createDirectories(state.resolve("raft/new-group/sm"));
        Files.writeString(state.resolve("run"), "new");

        prepared.removeWhatThisStartCreated();

        assertEquals("votes", Files.readString(state.resolve("raft/old-group/log")), "S5: what existed stays");
        assertEquals("the operator's", Files.readString(state.resolve("notes")));
        assertFalse(Files.exists(state.resolve("raft/new-group")));
        assertFalse(Files.exists(state.resolve("run")));
    }

    @Test
    void postgresqlsGroupMayPassThroughToItsRunDirectory() throws IOException {
        long group = ((Number) Files.getAttribute(dir, "unix:gid")).longValue();
        Path state = dir.resolve("state");
        StateDirectory.prepare(state, OptionalLong.of(group));
        assertEquals("rwx--x---", mode(state));
        assertEquals(group, ((Number) Files.getAttribute(state, "unix:gid")).longValue());
        assertEquals("rwx------", mode(state.resolve("raft")), "the Raft storage stays the agent's alone");
    }

    @Test
    void aStateDirectoryUnderAFileIsRefusedAndNothingIsCreated() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");
        StateDirectory.UnusableException e = assertThrows(StateDirectory.UnusableException.class,
                () -> StateDirectory.prepare(file.resolve("a/state"), OptionalLong.empty()));
        assertEquals("cannot create " + file.resolve("a/state") + ": " + file + " is a file", e.getMessage());
        assertEquals("x", Files.readString(file));
        StateDirectory.UnusableException itself = assertThrows(StateDirectory.UnusableException.class,
                () -> StateDirectory.prepare(file, OptionalLong.empty()));
        assertEquals(file + " is a file, not a directory", itself.getMessage());
    }

    @Test
    void aStateDirectoryThatCannotBeCreatedNamesTheOsReasonAndLeavesNoParentBehind() {
        // A parent this start can create, then a name the kernel refuses (longer than NAME_MAX, 255 bytes).
        Path state = dir.resolve("parent").resolve("s".repeat(300));
        StateDirectory.UnusableException e = assertThrows(StateDirectory.UnusableException.class,
                () -> StateDirectory.prepare(state, OptionalLong.empty()));
        assertEquals("cannot create " + state + ": file name too long", e.getMessage());
        assertFalse(Files.exists(dir.resolve("parent")), "the parent this start created is removed again");
    }

    @Test
    void procAcceptsNoStateDirectoryAndTheMessageSaysWhy() {
        StateDirectory.UnusableException e = assertThrows(StateDirectory.UnusableException.class,
                () -> StateDirectory.prepare(Path.of("/proc/self/pgpacer/state"), OptionalLong.empty()));
        assertEquals("cannot create /proc/self/pgpacer: no such file or directory (/proc/self is on the kernel's"
                + " 'proc' file system, not on a disk)", e.getMessage());
    }
}
