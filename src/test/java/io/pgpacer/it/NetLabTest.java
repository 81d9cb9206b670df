package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.os.ProgramRunner;
import io.pgpacer.postgres.local.PostgresBinaries;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.lab.Cut;
import io.pgpacer.testkit.lab.Flapping;
import io.pgpacer.testkit.lab.LabHost;
import io.pgpacer.testkit.lab.NetLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The network-namespace lab itself: hosts reach each other and nothing else, the faults do what they say
 * (DROP and REJECT partitions, one cut link, flapping, freeze, kill -9), a real PostgreSQL serves a client
 * across the lab, and nothing is left behind, not even when a test fails.
 */
class NetLabTest {
    private static final Duration SOON = Duration.ofSeconds(10);
    /** A ping that is answered by a rejection returns at once; a dropped one waits out its 1 s timeout. */
    private static final Duration FAST_FAILURE = Duration.ofMillis(900);

    @Test
    void hostsReachEachOtherAndTheRootNamespaceGainsNothing() {
        String rootBefore = rootNamespaceNetwork();
        NetLab lab = NetLab.start("db1", "db2", "db3", "client");
        try (lab) {
            for (LabHost from : lab.hosts()) {
                for (LabHost to : lab.hosts()) {
                    if (from != to) {
                        Eventually.await(from.name() + " answered by " + to.name(), SOON, () -> from.ping(to.address()));
                    }
                }
            }
            assertEquals(rootBefore, rootNamespaceNetwork(), "the lab must add nothing to the root namespace");
            String routes = lab.host("db1").run(SOON, "ip", "route").output();
            assertFalse(routes.contains("default"), "no default route in a host: " + routes);
            assertEquals(5, lab.existingNamespaces().size(), "a bridge namespace and one per host: "
                    + lab.existingNamespaces());
        }
        assertEquals(List.of(), lab.existingNamespaces());
        assertEquals(rootBefore, rootNamespaceNetwork());
        assertFalse(Files.exists(lab.workDir()), "work directory removed");
    }

    @Test
    void dropIsolationCutsAHostOffAndHealRestoresIt() {
        try (NetLab lab = NetLab.start("db1", "db2", "db3")) {
            LabHost db1 = lab.host("db1");
            LabHost db2 = lab.host("db2");
            LabHost db3 = lab.host("db3");
            Eventually.await("db2 reaches db1", SOON, () -> db2.ping(db1.address()));

            db1.isolate(Cut.DROP);
            assertFalse(db2.ping(db1.address()), "db1 isolated, rules: " + db1.firewall());
            assertFalse(db1.ping(db3.address()), "db1 isolated, rules: " + db1.firewall());
            assertTrue(db2.ping(db3.address()), "the others still talk");
            assertTrue(db1.run(SOON, "ping", "-n", "-c", "1", "-W", "1", db1.address()).succeeded(),
                    "db1 still reaches itself");

            db1.heal();
            Eventually.await("db2 reaches db1 again", SOON, () -> db2.ping(db1.address()));
            assertTrue(db1.ping(db3.address()));
        }
    }

    @Test
    void rejectIsolationFailsFastBothWays() {
        try (NetLab lab = NetLab.start("db1", "db2")) {
            LabHost db1 = lab.host("db1");
            LabHost db2 = lab.host("db2");
            Eventually.await("db2 reaches db1", SOON, () -> db2.ping(db1.address()));

            db1.isolate(Cut.REJECT);
            assertFailsFast(db2, db1.address());
            assertFailsFast(db1, db2.address());

            db1.heal();
            Eventually.await("db2 reaches db1 again", SOON, () -> db2.ping(db1.address()));
        }
    }

    @Test
    void cuttingOneLinkLeavesTheOthers() {
        try (NetLab lab = NetLab.start("db1", "db2", "db3")) {
            LabHost db1 = lab.host("db1");
            LabHost db2 = lab.host("db2");
            LabHost db3 = lab.host("db3");
            Eventually.await("db1 reaches db2", SOON, () -> db1.ping(db2.address()));

            db1.cutLinkTo(db2, Cut.REJECT);
            assertFailsFast(db1, db2.address());
            assertFailsFast(db2, db1.address());
            assertTrue(db1.ping(db3.address()), "db1 - db3 stays up");
            assertTrue(db2.ping(db3.address()), "db2 - db3 stays up");

            db1.cutLinkTo(db2, Cut.DROP);
            assertFalse(db2.ping(db1.address()), "dropped now, rules: " + db2.firewall());

            db2.healLinkTo(db1);
            Eventually.await("db1 reaches db2 again", SOON, () -> db1.ping(db2.address()));
            assertTrue(db2.ping(db1.address()));
        }
    }

    @Test
    void aFlappingPartitionComesAndGoesUntilStopped() {
        try (NetLab lab = NetLab.start("db1", "db2")) {
            LabHost db1 = lab.host("db1");
            LabHost db2 = lab.host("db2");
            Eventually.await("db2 reaches db1", SOON, () -> db2.ping(db1.address()));

            Flapping flapping = lab.flap(Duration.ofMillis(300), () -> db1.isolate(Cut.REJECT), db1::heal);
            Eventually.await("a ping lost while flapping", SOON, () -> !db2.ping(db1.address()));
            Eventually.await("a ping answered while flapping", SOON, () -> db2.ping(db1.address()));
            Eventually.await("three cuts", SOON, flapping::cuts, cuts -> cuts >= 3);
            flapping.close();

            Eventually.holdsFor("db1 reachable after flapping stopped", Duration.ofMillis(700),
                    () -> db2.ping(db1.address()));
        }
    }

    @Test
    void freezeStopsEveryProcessOfAHostAndThawResumesThem() {
        try (NetLab lab = NetLab.start("db1", "db2")) {
            LabHost db1 = lab.host("db1");
            // A parent with a busy child, and a busy daemon whose parent exits at once (as pg_ctl's postmaster).
            Process parent = db1.start("sh", "-c", "sh -c 'while :; do :; done' & wait");
            Process detaching = db1.start("sh", "-c", "(while :; do :; done) &");
            Process elsewhere = lab.host("db2").start("tail", "-f", "/dev/null");
            Eventually.await("the detaching shell exited", SOON, () -> !detaching.isAlive());
            List<Long> pids = Eventually.await("three processes in db1", SOON, db1::pids, p -> p.size() == 3);

            db1.freeze();
            assertEquals(List.of("T", "T", "T"), states(pids), "every process of db1 stopped");
            assertNotEquals("T", state(elsewhere.pid()), "db2 untouched");
            long frozenCpu = cpuTicks(pids);
            Eventually.holdsFor("no CPU used while frozen", Duration.ofMillis(300), () -> cpuTicks(pids) == frozenCpu);

            db1.thaw();
            assertFalse(states(pids).contains("T"), "thawed: " + states(pids));
            Eventually.await("CPU used again after thaw", SOON, () -> cpuTicks(pids) > frozenCpu);

            lab.kill9(parent.pid());
            Eventually.await("the parent died of SIGKILL", SOON, () -> !parent.isAlive());
            assertEquals(137, parent.exitValue());
            assertThrows(IllegalArgumentException.class, () -> lab.kill9(ProcessHandle.current().pid()),
                    "the lab kills only processes inside its hosts");
        }
    }

    @Test
    void closeRemovesEverythingAlsoWhenTheTestBodyFails() {
        AtomicReference<NetLab> opened = new AtomicReference<>();
        List<Long> pids = new ArrayList<>();
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> {
            try (NetLab lab = NetLab.start("db1", "db2")) {
                opened.set(lab);
                lab.host("db1").start("tail", "-f", "/dev/null");
                LabHost db2 = lab.host("db2");
                db2.start("tail", "-f", "/dev/null");
                db2.freeze();
                pids.addAll(Eventually.await("processes started", SOON, () -> {
                    List<Long> all = new ArrayList<>(lab.host("db1").pids());
                    all.addAll(db2.pids());
                    return all;
                }, all -> all.size() == 2));
                lab.host("db1").isolate(Cut.DROP);
                throw new IllegalStateException("the test body failed");
            }
        });
        assertEquals("the test body failed", thrown.getMessage());
        assertEquals(List.of(), opened.get().existingNamespaces());
        Eventually.await("the lab's processes, a frozen one too, gone", SOON, () -> states(pids),
                states -> states.stream().allMatch(state -> state.isEmpty() || state.equals("Z")));
        assertFalse(Files.exists(opened.get().workDir()));
    }

    @Test
    void leftoversOfADeadRunAreRemovedAndLiveLabsAreNot() throws Exception {
        Process finished = new ProcessBuilder("true").start();
        finished.waitFor();
        String leftover = NetLab.PREFIX + finished.pid() + "-1-db1";
        run("ip", "netns", "add", leftover);
        Process orphan = new ProcessBuilder("ip", "netns", "exec", leftover, "tail", "-f", "/dev/null").start();
        try (NetLab live = NetLab.start("db1")) {
            NetLab.cleanLeftovers();

            Eventually.await("the process inside the leftover killed", SOON, () -> !orphan.isAlive());
            assertFalse(run("ip", "netns", "list").contains(leftover), "leftover namespace removed");
            assertEquals(2, live.existingNamespaces().size(), "a live lab is kept");
        } finally {
            orphan.destroyForcibly();
            ProgramRunner.run("cleanup", List.of("ip", "netns", "del", leftover), Map.of(), SOON);
        }
    }

    @Test
    void postgresInOneHostServesAClientInAnotherAndFaultsReachIt() throws IOException {
        PostgresBinaries binaries = PostgresBinaries.locate(null);
        try (NetLab lab = NetLab.start("db1", "client")) {
            LabHost db1 = lab.host("db1");
            LabHost client = lab.host("client");
            Path data = lab.workDir().resolve("db1-data");
            Files.createDirectories(data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            UserPrincipalLookupService users = data.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(data, users.lookupPrincipalByName("postgres"));
            ProgramRunner.Result initdb = db1.run(Duration.ofSeconds(60), asPostgres(binaries.program("initdb"),
                    "-D", data.toString(), "-U", "postgres", "-A", "trust", "--no-sync"));
            assertTrue(initdb.succeeded(), initdb.output());
            Files.writeString(data.resolve("pg_hba.conf"), "host all all 198.18.0.0/24 trust\n",
                    java.nio.file.StandardOpenOption.APPEND);
            db1.start(lab.workDir().resolve("postgres.log"), List.of(asPostgres(binaries.program("postgres"),
                    "-D", data.toString(), "-c", "listen_addresses=" + db1.address(), "-c", "port=5432",
                    "-c", "unix_socket_directories=" + data, "-c", "fsync=off")));

            String conninfo = "host=" + db1.address() + " port=5432 user=postgres dbname=postgres connect_timeout=1";
            String psql = binaries.binDir().resolve("psql").toString();
            ProgramRunner.Result answer = Eventually.await("the client connects to PostgreSQL on db1", SOON,
                    () -> client.run(SOON, psql, conninfo, "-Atc", "select inet_server_addr()"),
                    ProgramRunner.Result::succeeded);
            assertEquals(db1.address(), answer.output().strip());

            db1.isolate(Cut.REJECT);
            long start = System.nanoTime();
            ProgramRunner.Result refused = client.run(SOON, psql, conninfo, "-Atc", "select 1");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertFalse(refused.succeeded());
            assertTrue(refused.output().contains("Connection refused"), refused.output());
            assertTrue(took.compareTo(FAST_FAILURE) < 0, "refused after " + took.toMillis() + " ms");
            db1.heal();

            // Only the port: the client's PostgreSQL traffic to db1 vanishes, its pings still get answers.
            db1.cutPortTo(client, 5432, Cut.DROP);
            ProgramRunner.Result cutOff = client.run(SOON, psql, conninfo, "-Atc", "select 1");
            assertFalse(cutOff.succeeded(), "PostgreSQL's port is cut: " + cutOff.output() + "; " + db1.firewall());
            assertTrue(client.ping(db1.address()), "other traffic still flows: " + db1.firewall());
            db1.healLinkTo(client);
            Eventually.await("PostgreSQL answers again after the port is restored", SOON,
                    () -> client.run(SOON, psql, conninfo, "-Atc", "select 1").succeeded());

            db1.freeze();
            ProgramRunner.Result frozen = client.run(SOON, psql, conninfo, "-Atc", "select 1");
            assertFalse(frozen.succeeded(), "a frozen PostgreSQL cannot answer: " + frozen.output());
            db1.thaw();
            Eventually.await("PostgreSQL answers again after thaw", SOON,
                    () -> client.run(SOON, psql, conninfo, "-Atc", "select 1").succeeded());
        }
    }

    private static void assertFailsFast(LabHost from, String target) {
        long start = System.nanoTime();
        ProgramRunner.Result ping = from.run(SOON, "ping", "-n", "-c", "1", "-W", "1", target);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertFalse(ping.succeeded(), from.name() + " reached " + target + " through a REJECT: " + ping.output());
        assertTrue(took.compareTo(FAST_FAILURE) < 0, from.name() + " -> " + target + " failed only after "
                + took.toMillis() + " ms: " + ping.output());
    }

    private static String[] asPostgres(String program, String... arguments) {
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres",
                "--init-groups", "--", program));
        command.addAll(List.of(arguments));
        return command.toArray(String[]::new);
    }

    /** What the root namespace's network looks like: interfaces, addresses, routes. */
    private static String rootNamespaceNetwork() {
        return run("ip", "-o", "link") + run("ip", "-o", "addr") + run("ip", "route");
    }

    private static String run(String... command) {
        ProgramRunner.Result result = ProgramRunner.run("test", List.of(command), Map.of(), SOON);
        assertTrue(result.succeeded(), result.commandLine() + ": " + result.output());
        return result.output();
    }

    private static List<String> states(List<Long> pids) {
        return pids.stream().map(NetLabTest::state).toList();
    }

    private static String state(long pid) {
        String[] fields = stat(pid);
        return fields.length == 0 ? "" : fields[0];
    }

    /** User plus system CPU ticks of {@code pids}. */
    private static long cpuTicks(List<Long> pids) {
        return pids.stream().map(NetLabTest::stat).filter(f -> f.length > 0)
                .mapToLong(f -> Long.parseLong(f[11]) + Long.parseLong(f[12])).sum();
    }

    /** The fields of /proc/PID/stat after the command name, from the state on; empty if the process is gone. */
    private static String[] stat(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
            return new String[0];
        }
    }
}
