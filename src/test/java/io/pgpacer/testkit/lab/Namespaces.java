package io.pgpacer.testkit.lab;

import io.pgpacer.os.ProgramRunner;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Named network namespaces ({@code ip netns}, mounted under /run/netns) and the processes inside them, found
 * through /proc; plus running the lab's commands with their output kept for error messages.
 */
final class Namespaces {
    private static final Path NETNS_DIR = Path.of("/run/netns");
    private static final Path PROC = Path.of("/proc");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

    private Namespaces() {
    }

    /** The named namespaces whose name starts with {@code prefix}, sorted. */
    static List<String> named(String prefix) {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(NETNS_DIR)) {
            return names;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(NETNS_DIR, prefix + "*")) {
            entries.forEach(entry -> names.add(entry.getFileName().toString()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + NETNS_DIR + ": " + e, e);
        }
        names.sort(null);
        return names;
    }

    /**
     * The processes whose network namespace is {@code namespace}, by reading every /proc/PID/ns/net (as
     * {@code ip netns pids} does). This finds children and daemons that left their parent too.
     */
    static List<Long> pidsIn(String namespace) {
        String wanted = "net:[" + inode(namespace) + "]";
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (wanted.equals(Files.readSymbolicLink(entry.resolve("ns/net")).toString())) {
                        pids.add(Long.parseLong(name));
                    }
                } catch (IOException e) {
                    // The process ended (or is a zombie, which has no namespaces left) while we looked.
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + PROC + ": " + e, e);
        }
        pids.remove(ProcessHandle.current().pid());
        return pids;
    }

    /** Whether process {@code pid} lives in {@code namespace}. */
    static boolean contains(String namespace, long pid) {
        try {
            return ("net:[" + inode(namespace) + "]").equals(
                    Files.readSymbolicLink(PROC.resolve(Long.toString(pid)).resolve("ns/net")).toString());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The state letter of a process from /proc/PID/stat ({@code R} running, {@code S} sleeping, {@code T}
     * stopped...), or empty if it is gone.
     */
    static String state(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
            // The command name in parentheses may contain spaces; the state follows its closing parenthesis.
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * SIGKILLs every process in {@code namespace} (a stopped one too) until none is left, and deletes the
     * namespace. Missing is fine.
     */
    static void killAllAndDelete(String namespace, Duration within) {
        if (!Files.exists(NETNS_DIR.resolve(namespace))) {
            return;
        }
        long deadline = System.nanoTime() + within.toNanos();
        List<Long> left = pidsIn(namespace);
        while (!left.isEmpty()) {
            left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("processes " + left + " in namespace " + namespace
                        + " survived SIGKILL for " + within.toSeconds() + " s; namespace left in place");
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
            left = pidsIn(namespace);
        }
        check("deleting namespace " + namespace, List.of("ip", "netns", "del", namespace));
    }

    /** Runs a lab command and returns its result whatever its exit code. */
    static ProgramRunner.Result run(String what, List<String> command) {
        return ProgramRunner.run(what, command, Map.of(), COMMAND_TIMEOUT);
    }

    /** Runs a lab command; a non-zero exit becomes an exception that shows the command's output verbatim. */
    static String check(String what, List<String> command) {
        ProgramRunner.Result result = run(what, command);
        if (!result.succeeded()) {
            throw new IllegalStateException(what + " failed: " + result.commandLine() + " exited with status "
                    + result.exitCode() + ": " + result.outputTail());
        }
        return result.output();
    }

    private static Object inode(String namespace) {
        try {
            return Files.getAttribute(NETNS_DIR.resolve(namespace), "unix:ino");
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("network namespace " + namespace + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read network namespace " + namespace + ": " + e, e);
        }
    }
}
