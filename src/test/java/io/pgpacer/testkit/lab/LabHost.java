package io.pgpacer.testkit.lab;

import io.pgpacer.os.ProgramRunner;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One host of a {@link NetLab}: a network namespace with loopback and {@code eth0} (an address in
 * 198.18.0.0/24, no default route) plugged into the lab's bridge. Runs programs inside it and injects the
 * host's faults: freezing, isolation, cutting one link.
 */
public final class LabHost {
    /** The host's interface, as {@code ip} inside its namespace names it. */
    public static final String NIC = "eth0";
    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(5);

    private final NetLab lab;
    private final String name;
    private final String namespace;
    private final String address;
    private final String mac;
    /** The rules of each cut link, by the peer's name, so healing one link removes exactly those. */
    private final Map<String, List<String>> linkCuts = new LinkedHashMap<>();

    LabHost(NetLab lab, String name, String namespace, String address, String mac) {
        this.lab = lab;
        this.name = name;
        this.namespace = namespace;
        this.address = address;
        this.mac = mac;
    }

    public String name() {
        return name;
    }

    /** The network namespace's name, for {@code ip netns exec} and {@code ip -n}. */
    public String namespace() {
        return namespace;
    }

    /** The IPv4 address of {@link #NIC}, for example {@code 198.18.0.11}; the prefix is /24. */
    public String address() {
        return address;
    }

    /** The link-layer address of {@link #NIC}, fixed when the lab built it. */
    public String mac() {
        return mac;
    }

    /** {@code program} prefixed so that it runs inside this host: {@code ip netns exec NAMESPACE program...}. */
    public List<String> inNamespace(List<String> program) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        command.addAll(program);
        return command;
    }

    /** Runs a program inside this host to completion and returns its result whatever its exit code. */
    public ProgramRunner.Result run(Duration timeout, String... program) {
        return ProgramRunner.run("running on " + name, inNamespace(Arrays.asList(program)), Map.of(), timeout);
    }

    /** What a program run by {@link #run(Duration, String, List)} did, its two output streams apart. */
    public record Output(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + ", stdout: " + stdout + ", stderr: " + stderr;
        }
    }

    /**
     * Runs a program inside this host as an operator types it: {@code stdin} on its standard input, then end of
     * input; standard output and error kept apart (a refusal's sentence is on standard error).
     *
     * @throws IllegalStateException if it cannot be started or runs longer than {@code timeout} (it is killed)
     */
    public Output run(Duration timeout, String stdin, List<String> program) {
        Path out = null;
        Path err = null;
        Process process = null;
        try {
            out = Files.createTempFile(lab.workDir(), name + "-", ".out");
            err = Files.createTempFile(lab.workDir(), name + "-", ".err");
            ProcessBuilder builder = ProgramRunner.builder(inNamespace(program), Map.of())
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            process = builder.start();
            lab.track(process);
            try (OutputStream input = process.getOutputStream()) {
                input.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(program + " on " + name + " did not end within " + timeout.toSeconds()
                        + " s and was killed; its output: " + Files.readString(out) + Files.readString(err));
            }
            return new Output(process.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + program + " on " + name + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (process != null) {
                process.destroyForcibly();
            }
            throw new IllegalStateException("interrupted while running " + program + " on " + name, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // A leftover output file is deleted with the lab's work directory.
        }
    }

    /**
     * Whether {@code address} is assigned to an interface of this host now (a VIP, say), read from the host's own
     * routing tables ({@code /proc/net/fib_trie} as a process inside it sees them).
     */
    public boolean hasAddress(String address) {
        ProgramRunner.Result fibTrie = run(Duration.ofSeconds(10), "cat", "/proc/net/fib_trie");
        if (!fibTrie.succeeded()) {
            throw new IllegalStateException("cannot read /proc/net/fib_trie in " + name + ": " + fibTrie.outputTail());
        }
        return FibTrie.hasLocalAddress(fibTrie.output(), address);
    }

    /**
     * Starts a long-lived program inside this host, its output appended to {@code log}. The lab kills it (and
     * everything else in the host) on {@link NetLab#close()}.
     */
    public Process start(Path log, List<String> program) {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Process process = ProgramRunner.builder(inNamespace(program), Map.of())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            lab.track(process);
            return process;
        } catch (IOException e) {
            throw new IllegalStateException("could not start " + program + " on " + name + ": " + e, e);
        }
    }

    /** As {@link #start(Path, List)}, logging to {@code <lab work dir>/<host>.log}. */
    public Process start(String... program) {
        return start(lab.workDir().resolve(name + ".log"), Arrays.asList(program));
    }

    /** Whether one ping from this host to {@code target} gets an answer within a second. */
    public boolean ping(String target) {
        return run(Duration.ofSeconds(5), "ping", "-n", "-c", "1", "-W", "1", target).succeeded();
    }

    /**
     * Every process running inside this host: what the lab started here and all their descendants, including
     * daemons that left their parent (found by their network namespace, not their parent).
     */
    public List<Long> pids() {
        return Namespaces.pidsIn(namespace);
    }

    /**
     * SIGSTOPs every process inside this host, repeating until a pass finds no new one (a process may fork
     * while we stop its parent), and returns once all of them are stopped (state {@code T}).
     */
    public void freeze() {
        Set<Long> stopped = new HashSet<>();
        List<Long> fresh = pids();
        while (!fresh.isEmpty()) {
            signal("STOP", fresh);
            stopped.addAll(fresh);
            fresh = pids().stream().filter(pid -> !stopped.contains(pid)).toList();
        }
        awaitStates("frozen", "STOP", pid -> {
            String state = Namespaces.state(pid);
            return state.isEmpty() || state.equals("T");
        });
    }

    /** SIGCONTs every process inside this host and returns once none is stopped. */
    public void thaw() {
        signal("CONT", pids());
        awaitStates("thawed", "CONT", pid -> !Namespaces.state(pid).equals("T"));
    }

    /**
     * Cuts this host off the lab network (everything on {@link #NIC}; loopback keeps working) with iptables
     * rules inside its namespace. Adds to any cut already in place; {@link #heal()} removes them all.
     */
    public synchronized void isolate(Cut cut) {
        applyFirewall("isolating " + name, FirewallRules.isolate(NIC, cut));
    }

    /**
     * Drops all TCP traffic to or from {@code port} on {@link #NIC} in this host, both ways, until {@link #heal()};
     * other ports keep working.
     */
    public synchronized void blockPort(int port) {
        applyFirewall("blocking TCP port " + port + " on " + name, FirewallRules.blockPort(NIC, port));
    }

    /** Removes every partition rule of this host: its isolation and its cut links (on its side). */
    public synchronized void heal() {
        applyFirewall("healing " + name, FirewallRules.healAll());
        linkCuts.clear();
    }

    /**
     * Cuts only the link between this host and {@code peer}, both ways, by link-layer address (so traffic to
     * virtual IPs either of them holds is cut too); their other links keep working. Replaces an earlier cut of
     * the same link.
     */
    public void cutLinkTo(LabHost peer, Cut cut) {
        cutLinkTo(peer, from -> FirewallRules.cutLink(NIC, from.mac(), cut));
    }

    /**
     * Cuts only the TCP traffic to or from {@code port} between this host and {@code peer}, both ways (for
     * example PostgreSQL's replication, while Raft and the API keep working); replaces an earlier cut of the same
     * link, and {@link #healLinkTo} restores it.
     */
    public void cutPortTo(LabHost peer, int port, Cut cut) {
        cutLinkTo(peer, from -> FirewallRules.cutPort(NIC, from.mac(), port, cut));
    }

    // rulesFrom: the rules one end applies against what arrives from the other end
    private void cutLinkTo(LabHost peer, Function<LabHost, List<String>> rulesFrom) {
        healLinkTo(peer);
        addLinkCut(peer, rulesFrom.apply(peer));
        peer.addLinkCut(this, rulesFrom.apply(this));
    }

    /** Restores the link between this host and {@code peer}; a link that is not cut is left as it is. */
    public void healLinkTo(LabHost peer) {
        removeLinkCut(peer);
        peer.removeLinkCut(this);
    }

    /** The iptables rules now in force inside this host ({@code iptables -S}), for failure messages. */
    public String firewall() {
        return Namespaces.check("listing the rules of " + name, inNamespace(List.of(lab.iptables(), "-w", "-S")));
    }

    @Override
    public String toString() {
        return name + " (" + address + " in " + namespace + ")";
    }

    private synchronized void addLinkCut(LabHost peer, List<String> rules) {
        applyFirewall("cutting the link " + name + " - " + peer.name(), rules);
        linkCuts.put(peer.name(), rules);
    }

    private synchronized void removeLinkCut(LabHost peer) {
        List<String> rules = linkCuts.remove(peer.name());
        if (rules != null) {
            applyFirewall("healing the link " + name + " - " + peer.name(), FirewallRules.undo(rules));
        }
    }

    /** Applies {@code rules} atomically inside this host ({@code iptables-restore --noflush}). */
    void applyFirewall(String what, List<String> rules) {
        Path input = lab.workDir().resolve("iptables-" + name + ".rules");
        try {
            Files.writeString(input, FirewallRules.restoreInput(rules));
        } catch (IOException e) {
            throw new IllegalStateException(what + " failed: cannot write " + input + ": " + e, e);
        }
        Namespaces.check(what, inNamespace(List.of(lab.iptables() + "-restore", "-w", "--noflush", input.toString())));
    }

    private void signal(String signal, List<Long> pids) {
        if (pids.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("kill", "-s", signal));
        pids.forEach(pid -> command.add(Long.toString(pid)));
        // A process may end between listing and signalling: kill then complains, and the state check decides.
        Namespaces.run("sending SIG" + signal + " to the processes of " + name, command);
    }

    // why the signal again: a process that was entering the namespace (ip netns exec, before its setns) when the
    // first signal went out was not listed then; it is now, and gets the signal too.
    private void awaitStates(String goal, String signal, java.util.function.LongPredicate reached) {
        long deadline = System.nanoTime() + SIGNAL_TIMEOUT.toNanos();
        while (true) {
            List<Long> pending = pids().stream().filter(pid -> !reached.test(pid)).toList();
            if (pending.isEmpty()) {
                return;
            }
            signal(signal, pending);
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(name + " was not " + goal + " within " + SIGNAL_TIMEOUT.toSeconds()
                        + " s; process states: " + pending.stream().map(pid -> pid + "=" + Namespaces.state(pid))
                        .collect(Collectors.joining(", ")));
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }
}
