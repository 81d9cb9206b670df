package io.pgpacer.testkit.lab;

import com.sun.security.auth.module.UnixSystem;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A network of hosts built from Linux network namespaces, for tests that need real addresses, partitions and
 * frozen hosts. The bridge lives in a namespace of its own and every host gets one veth pair into it, an address
 * 198.18.0.(10+n)/24 (RFC 2544 benchmarking space) and no default route, so nothing can leave the lab; nothing
 * is added to the root namespace. Needs root, iproute2, iptables, iputils' arping and ping: {@link #start}
 * fails loudly without them (tests that need the lab fail rather than skip).
 *
 * <p>Partitions are iptables rules inside the hosts' namespaces, through {@code iptables-nft} (Debian's default
 * backend, and the one kernels keep: the legacy x_tables interface is a separate kernel option that newer
 * kernels may leave out); where nf_tables is not available the lab falls back to {@code iptables-legacy}. Both
 * work in a namespace on this project's machines.
 *
 * <p>Namespaces are named {@code pgplab-<pid>-<n>-<host>}, pid being the JVM that made them. {@link #close()},
 * and a shutdown hook if a test forgets, kill every process in the lab's namespaces and delete them; {@link
 * #cleanLeftovers()} (run by {@link #start} once per JVM) does the same for labs whose JVM died.
 */
public final class NetLab implements AutoCloseable {
    /** The start of every namespace name the lab creates; nothing else may use it. */
    public static final String PREFIX = "pgplab-";
    /** The hosts' subnet is {@code 198.18.0.0/24}. */
    public static final int PREFIX_LENGTH = 24;

    private static final Pattern HOST_NAME = Pattern.compile("[a-z][a-z0-9]{0,11}");
    private static final Pattern OWNER = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-.*");
    private static final Path WORK_ROOT = Path.of("target", "netlab").toAbsolutePath();
    private static final String BRIDGE = "br0";
    private static final int MAX_HOSTS = 89;
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
    private static final AtomicInteger LABS = new AtomicInteger();
    private static volatile boolean leftoversCleaned;

    private final String id;
    private final Path workDir;
    private final String bridgeNamespace;
    private final Map<String, LabHost> hosts = new LinkedHashMap<>();
    /** Every namespace this lab created, in creation order, so close() deletes exactly those. */
    private final List<String> namespaces = Collections.synchronizedList(new ArrayList<>());
    private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());
    private final List<Flapping> flappings = Collections.synchronizedList(new ArrayList<>());
    private final Thread shutdownHook;
    private volatile String iptables;
    private boolean closed;

    private NetLab() {
        this.id = PREFIX + ProcessHandle.current().pid() + "-" + LABS.incrementAndGet();
        this.workDir = WORK_ROOT.resolve(id);
        this.bridgeNamespace = id + "-br";
        this.shutdownHook = new Thread(this::closeQuietly, id + "-cleanup");
    }

    /**
     * Builds a lab with one host per name (lower-case letters and digits, at most 12); host n (from 1) gets
     * address 198.18.0.(10+n).
     *
     * @throws IllegalStateException if this is not root or a program the lab needs is missing, naming what to
     *         install; or if building fails (whatever was built is removed again)
     */
    public static NetLab start(String... hostNames) {
        requireRootAndPrograms();
        if (!leftoversCleaned) {
            cleanLeftovers();
            leftoversCleaned = true;
        }
        NetLab lab = new NetLab();
        Runtime.getRuntime().addShutdownHook(lab.shutdownHook);
        try {
            lab.build(List.of(hostNames));
        } catch (RuntimeException | Error e) {
            try {
                lab.close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return lab;
    }

    /** An address in the lab's subnet, for virtual IPs: use {@code lastOctet} 100..250 (hosts take 11..99). */
    public static String address(int lastOctet) {
        if (lastOctet < 1 || lastOctet > 254) {
            throw new IllegalArgumentException("lastOctet " + lastOctet + " is outside 1..254");
        }
        return "198.18.0." + lastOctet;
    }

    /** This lab's name, which starts each of its namespaces' names. */
    public String id() {
        return id;
    }

    /** A directory under target/netlab for this lab's logs and data; deleted by {@link #close()}. */
    public Path workDir() {
        return workDir;
    }

    /** @throws IllegalArgumentException naming the lab's hosts if there is no host {@code name} */
    public LabHost host(String name) {
        LabHost host = hosts.get(name);
        if (host == null) {
            throw new IllegalArgumentException("no host '" + name + "' in lab " + id + "; hosts: " + hosts.keySet());
        }
        return host;
    }

    public List<LabHost> hosts() {
        return List.copyOf(hosts.values());
    }

    /** The iptables program in use: {@code iptables-nft} or {@code iptables-legacy}. */
    public String iptables() {
        return iptables;
    }

    /** The namespaces of this lab that exist now (the bridge's and the hosts'). */
    public List<String> existingNamespaces() {
        return Namespaces.named(id + "-");
    }

    /**
     * SIGKILLs process {@code pid}, which must run inside one of this lab's hosts.
     *
     * @throws IllegalArgumentException if it does not (the lab kills only its own processes)
     */
    public void kill9(long pid) {
        boolean ours = hosts.values().stream().anyMatch(host -> Namespaces.contains(host.namespace(), pid));
        if (!ours) {
            throw new IllegalArgumentException("pid " + pid + " does not run in lab " + id + "; the lab kills only"
                    + " processes inside its own hosts");
        }
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /**
     * Runs {@code cut} and {@code heal} in turn, one every {@code period}, on a background thread, starting with
     * {@code cut}, until the returned handle is closed (which heals; {@link #close()} closes it too).
     */
    public Flapping flap(Duration period, Runnable cut, Runnable heal) {
        Flapping flapping = new Flapping(id + "-flapping", period, cut, heal);
        flappings.add(flapping);
        return flapping;
    }

    /**
     * Stops every flapping partition, kills every process inside the lab's hosts (SIGKILL, frozen ones
     * too), deletes the lab's namespaces and its work directory. Idempotent.
     *
     * @throws IllegalStateException if something could not be removed (after trying everything)
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        List<RuntimeException> failures = new ArrayList<>();
        List<Flapping> toStop;
        synchronized (flappings) {
            toStop = List.copyOf(flappings);
        }
        for (Flapping flapping : toStop) {
            attempt(failures, flapping::close);
        }
        List<String> created;
        synchronized (namespaces) {
            created = new ArrayList<>(namespaces);
        }
        Collections.reverse(created);
        for (String namespace : created) {
            attempt(failures, () -> Namespaces.killAllAndDelete(namespace, KILL_TIMEOUT));
        }
        synchronized (processes) {
            processes.forEach(Process::destroyForcibly);
        }
        attempt(failures, () -> deleteTree(workDir));
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is exiting; the hook finds the lab closed and does nothing.
            }
        }
        if (!failures.isEmpty()) {
            IllegalStateException failure = new IllegalStateException("cleaning up lab " + id + " failed: "
                    + failures.get(0).getMessage());
            failures.forEach(failure::addSuppressed);
            throw failure;
        }
    }

    /**
     * Removes what labs of dead JVMs left behind: their namespaces (after SIGKILLing the processes inside them)
     * and their work directories. Labs of running JVMs, this one included, are left alone.
     */
    public static void cleanLeftovers() {
        for (String namespace : Namespaces.named(PREFIX)) {
            if (ownerIsGone(namespace)) {
                Namespaces.killAllAndDelete(namespace, KILL_TIMEOUT);
            }
        }
        File[] dirs = WORK_ROOT.toFile().listFiles();
        if (dirs != null) {
            for (File dir : dirs) {
                if (ownerIsGone(dir.getName())) {
                    deleteTree(dir.toPath());
                }
            }
        }
    }

    void track(Process process) {
        processes.add(process);
    }

    private void build(List<String> hostNames) {
        if (hostNames.isEmpty() || hostNames.size() > MAX_HOSTS) {
            throw new IllegalArgumentException("a lab has 1.." + MAX_HOSTS + " hosts (their addresses end in 11..99),"
                    + " not " + hostNames.size());
        }
        for (String name : hostNames) {
            if (!HOST_NAME.matcher(name).matches() || hostNames.indexOf(name) != hostNames.lastIndexOf(name)) {
                throw new IllegalArgumentException("host name '" + name + "' must be unique, start with a letter and"
                        + " have at most 12 lower-case letters and digits");
            }
        }
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + workDir + ": " + e, e);
        }
        addNamespace(bridgeNamespace);
        ip(bridgeNamespace, "link", "set", "lo", "up");
        ip(bridgeNamespace, "link", "add", BRIDGE, "type", "bridge");
        ip(bridgeNamespace, "link", "set", BRIDGE, "up");
        int n = 0;
        for (String name : hostNames) {
            n++;
            hosts.put(name, addHost(name, n));
        }
    }

    private LabHost addHost(String name, int n) {
        String namespace = id + "-" + name;
        String port = "port" + n;
        String mac = String.format("02:70:67:00:%02x:%02x", n >> 8, n & 0xff);
        String address = address(10 + n);
        addNamespace(namespace);
        ip(namespace, "link", "set", "lo", "up");
        // Both ends are created inside namespaces (-n, and netns for the peer): never in the root namespace.
        ip(namespace, "link", "add", LabHost.NIC, "address", mac, "type", "veth", "peer", "name", port, "netns",
                bridgeNamespace);
        ip(bridgeNamespace, "link", "set", port, "master", BRIDGE);
        ip(bridgeNamespace, "link", "set", port, "up");
        ip(namespace, "addr", "add", address + "/" + PREFIX_LENGTH, "dev", LabHost.NIC);
        ip(namespace, "link", "set", LabHost.NIC, "up");
        LabHost host = new LabHost(this, name, namespace, address, mac);
        setUpFirewall(host);
        return host;
    }

    private void setUpFirewall(LabHost host) {
        if (iptables != null) {
            applySetup(host, iptables);
            return;
        }
        List<String> errors = new ArrayList<>();
        for (String candidate : List.of("iptables-nft", "iptables-legacy")) {
            try {
                applySetup(host, candidate);
                iptables = candidate;
                return;
            } catch (IllegalStateException e) {
                errors.add(e.getMessage());
            }
        }
        throw new IllegalStateException("neither iptables backend works in a network namespace here: " + errors);
    }

    private void applySetup(LabHost host, String program) {
        String previous = iptables;
        iptables = program;
        try {
            host.applyFirewall("setting up the firewall chains of " + host.name(), FirewallRules.setup());
        } catch (IllegalStateException e) {
            iptables = previous;
            throw e;
        }
    }

    private void addNamespace(String namespace) {
        namespaces.add(namespace);
        Namespaces.check("creating network namespace " + namespace, List.of("ip", "netns", "add", namespace));
    }

    private static void ip(String namespace, String... arguments) {
        List<String> command = new ArrayList<>(List.of("ip", "-n", namespace));
        command.addAll(List.of(arguments));
        Namespaces.check("building the lab", command);
    }

    private static boolean ownerIsGone(String name) {
        Matcher matcher = OWNER.matcher(name);
        return matcher.matches() && ProcessHandle.of(Long.parseLong(matcher.group(1))).isEmpty();
    }

    private static void requireRootAndPrograms() {
        List<String> problems = new ArrayList<>();
        if (new UnixSystem().getUid() != 0) {
            problems.add("this JVM is not root (network namespaces and iptables need root)");
        }
        Map<String, Boolean> programs = new LinkedHashMap<>();
        programs.put("ip (package iproute2)", onPath("ip"));
        programs.put("iptables-nft or iptables-legacy (package iptables)",
                onPath("iptables-nft") || onPath("iptables-legacy"));
        programs.put("arping (package iputils-arping)", onPath("arping"));
        programs.put("ping (package iputils-ping)", onPath("ping"));
        programs.put("kill (package procps)", onPath("kill"));
        programs.forEach((program, found) -> {
            if (!found) {
                problems.add(program + " is missing");
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalStateException("THE NETWORK-NAMESPACE LAB CANNOT RUN: " + String.join("; ", problems)
                    + ". Run the tests as root, after 'bin/ensure-deps --tests' (as root) installed what the lab needs."
                    + " Tests that need the lab fail instead of skipping, so that a machine without it cannot pass"
                    + " silently.");
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin:/sbin";
        return Stream.of(path.split(File.pathSeparator)).filter(dir -> !dir.isEmpty())
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot delete " + root + ": " + e, e);
        }
    }

    private static void attempt(List<RuntimeException> failures, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            System.err.println("NetLab " + id + ": " + e.getMessage());
        }
    }
}
