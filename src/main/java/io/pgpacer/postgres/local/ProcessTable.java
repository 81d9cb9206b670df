package io.pgpacer.postgres.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about processes from /proc (Linux): liveness that treats zombies as dead, and a postmaster's data directory. */
final class ProcessTable {
    private ProcessTable() {
    }

    /**
     * True if the process exists and is not a zombie. A killed postmaster whose parent (the agent)
     * died is re-parented to PID 1, which in containers often never reaps it: it is dead all the same.
     */
    static boolean isAlive(long pid) {
        char state = state(pid);
        return state != 'Z' && state != 'X' && state != '-';
    }

    /** True if the process has exited but its parent has not collected its exit status. */
    static boolean isZombie(long pid) {
        return state(pid) == 'Z';
    }

    /** The state letter of /proc/PID/stat, or '-' if there is no such process. */
    private static char state(long pid) {
        if (pid <= 0) {
            return '-';
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // "pid (comm) S ...": comm may contain spaces and parentheses, so find the last ')'.
            int afterName = stat.lastIndexOf(')');
            return afterName >= 0 && afterName + 2 < stat.length() ? stat.charAt(afterName + 2) : '-';
        } catch (IOException e) {
            return '-';
        }
    }

    /**
     * True if {@code pid} is alive and may be a postmaster serving {@code dataDir}: the postmaster's
     * working directory is its data directory. When that cannot be read, assume it is (a stale pid file
     * is a smaller problem than a second postmaster).
     */
    static boolean isPostmasterOf(long pid, Path dataDir) {
        if (!isAlive(pid)) {
            return false;
        }
        try {
            Path cwd = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
            return cwd.equals(dataDir.toRealPath());
        } catch (IOException | SecurityException e) {
            return true;
        }
    }

    /**
     * Live processes whose working directory is {@code dataDir}: a postmaster and its backends chdir there,
     * so while any runs, a new postmaster must not start on that directory.
     */
    static java.util.List<Long> workingIn(Path dataDir) {
        java.util.List<Long> pids = new java.util.ArrayList<>();
        Path real;
        try {
            real = dataDir.toRealPath();
        } catch (IOException e) {
            return pids;
        }
        try (java.util.stream.Stream<Path> entries = Files.list(Path.of("/proc"))) {
            entries.map(p -> p.getFileName().toString()).filter(name -> name.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong).filter(ProcessTable::isAlive).forEach(pid -> {
                        try {
                            if (Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")).equals(real)) {
                                pids.add(pid);
                            }
                        } catch (IOException | SecurityException e) {
                            // gone meanwhile, or not ours to read: not a process of this data directory
                        }
                    });
        } catch (IOException e) {
            return pids;
        }
        return pids;
    }
}
