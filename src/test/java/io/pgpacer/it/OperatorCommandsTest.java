package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.cli.Main;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.core.status.NodeStatus;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.Workload;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's configuration commands on 3 real nodes: node standby, cluster properties, {@code cib replace}, and
 * resources and constraints. A standby put in standby stops its PostgreSQL while the rest stays healthy; a primary put
 * in standby hands over by a zero-loss switchover under a write workload, then stops; unstandby brings each back
 * streaming. The configuration document round-trips, resources and constraints are created, changed and removed as
 * with pcs, and bad input changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorCommandsTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);

    private ClusterHarness cluster;

    @TempDir
    Path dir;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = ClusterHarness.start("standby", 3,
                "timings: {bootstrap-wait: 20s, lease-time: 5s}\nmigration-threshold: 3\n");
        // why longer, and the lease and migration-threshold above their defaults: bootstrap-wait, initdb and two
        // base backups on a shared, heavily loaded 2-core machine; a fencing there is not what this test is about
        cluster.awaitHealthy(CONVERGE.multipliedBy(2));
    }

    @AfterAll
    void stopCluster() throws Exception {
        cluster.close();
    }

    private record Cli(int code, String out, String err) {
    }

    private Cli run(String... args) {
        String[] full = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                java.util.stream.Stream.of("--config", cluster.cluster().config().toString())).toArray(String[]::new);
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            int code = Main.commandLine().execute(full);
            return new Cli(code, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private String cli(String... args) {
        Cli result = run(args);
        assertEquals(0, result.code(), String.join(" ", args) + " failed: " + result.out() + result.err());
        return result.out();
    }

    /** One primary; every data node but {@code stopped} streams from it; {@code stopped} runs no PostgreSQL. */
    private static boolean healthyWithout(ClusterStatus s, String stopped) {
        if (!s.quorum() || s.masters().size() != 1 || stopped.equals(s.masters().get(0))) {
            return false;
        }
        String primary = s.masters().get(0);
        NodeStatus down = ClusterHarness.node(s, stopped);
        return "STOPPED".equals(down.pgState()) && s.standby().contains(stopped)
                && s.nodes().stream().filter(n -> !n.witness() && !n.name().equals(primary) && !n.name().equals(stopped))
                        .allMatch(n -> n.dataStatus().startsWith("STREAMING") && primary.equals(n.upstream()));
    }

    @Test
    @Order(1)
    void aStandbyInStandbyStopsItsPostgresAndComesBackStreaming() {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        String standby = healthy.slaves().get(0);
        long pid = ClusterHarness.node(healthy, standby).postmasterPid();
        int promotions = cluster.promotions();
        cli("node", "standby", standby);
        cluster.awaitStatus(standby + " stopped, the rest healthy", CONVERGE, s -> healthyWithout(s, standby));
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "its postmaster is gone");
        assertTrue(cli("status").contains("Node " + standby + ": standby"), "status must say it");
        Eventually.holdsFor(standby + " stays stopped and the primary stays", Duration.ofSeconds(4),
                () -> healthyWithout(cluster.api().status(), standby)
                        && primary.equals(ClusterHarness.primary(cluster.api().status())));
        assertEquals(promotions, cluster.promotions(), "no promotion for a standby's standby");
        cli("node", "unstandby", standby);
        ClusterStatus back = cluster.awaitHealthy(CONVERGE);
        assertEquals(primary, ClusterHarness.primary(back));
        assertTrue(back.standby().isEmpty());
    }

    @Test
    @Order(2)
    void aPrimaryInStandbyHandsOverWithoutLosingAWriteThenStops() throws Exception {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String old = ClusterHarness.primary(healthy);
        int promotionsBefore = cluster.promotions();
        try (Workload workload = new Workload(cluster.pgPorts())) {
            workload.start(old);
            Eventually.await("writes on " + old, CONVERGE, () -> workload.acknowledgedBy(old) > 0);
            long requestedAt = System.nanoTime();
            cli("node", "standby", old);
            ClusterStatus drained = cluster.awaitStatus(old + " stopped after handing over", CONVERGE,
                    s -> healthyWithout(s, old));
            String next = ClusterHarness.primary(drained);
            long firstAck = Eventually.await("writes on " + next, CONVERGE, () -> workload.firstAckBy(next, requestedAt),
                    t -> t > 0);
            long gapMillis = workload.longestGapBetween(requestedAt, firstAck) / 1_000_000;
            assertEquals("switchover", drained.lastPromotion().reason());
            Eventually.await("100 writes on " + next, CONVERGE, () -> workload.acknowledgedBy(next) >= 100);
            workload.stop();
            Workload.Verdict verdict = workload.verdict(next, cluster.promotions() - promotionsBefore);
            System.out.printf("node standby of the primary %s: switchover to %s, write gap %d ms; %s%n", old, next,
                    gapMillis, verdict);
            assertEquals(List.of(), verdict.lost(), "standby of the primary must lose no acknowledged write");
            assertEquals(List.of(), verdict.overlaps(), "no two nodes may accept writes at overlapping times");
            assertEquals(1, cluster.promotions() - promotionsBefore, "one promotion");
            cli("node", "unstandby", old);
            ClusterStatus back = cluster.awaitHealthy(CONVERGE);
            assertEquals(next, ClusterHarness.primary(back), "unstandby does not move the primary back");
            assertEquals(next, ClusterHarness.node(back, old).upstream());
        }
    }

    @Test
    @Order(3)
    void clusterStopAllKeepsTheRecordedPrimaryAndClusterStartBringsEveryNodeBack() {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        long timeline = ClusterHarness.node(healthy, primary).timeline();
        int promotions = cluster.promotions();
        Cli unknown = run("cluster", "start", "node9");
        assertEquals(2, unknown.code(), unknown.err());
        assertEquals("pgpacer cluster start: unknown data node node9; the data nodes are [node1, node2, node3];"
                + " nothing was changed", unknown.err().strip());
        Cli neither = run("cluster", "stop");
        assertEquals(2, neither.code(), neither.err());
        assertEquals("pgpacer cluster stop: give either --all or the nodes, e.g. 'pgpacer cluster stop --all' or"
                + " 'pgpacer cluster stop node2'", neither.err().strip());
        assertEquals(primary, ClusterHarness.primary(cluster.api().status()), "a refused command changes nothing");

        String stopped = cli("cluster", "stop", "--all");
        assertTrue(stopped.contains(primary + ": stopped; the recorded primary, which the next start resumes"),
                stopped);
        ClusterStatus down = cluster.api().status();
        assertTrue(down.masters().isEmpty() && down.nodes().stream().allMatch(n -> "STOPPED".equals(n.pgState())),
                "every PostgreSQL stopped: " + down);
        String started = cli("cluster", "start", "--all");
        assertTrue(started.contains(primary + ": primary (timeline " + timeline + ")"), started);
        ClusterStatus back = cluster.awaitHealthy(CONVERGE);
        assertEquals(primary, ClusterHarness.primary(back), "the recorded primary resumes (F12)");
        assertEquals(promotions, cluster.promotions(), "a full stop and start promotes nobody");

        String standby = back.slaves().get(0);
        assertTrue(cli("cluster", "stop", standby).contains(standby + ": stopped"));
        assertTrue(cli("cluster", "start", standby).contains(standby + ": standby (STREAMING"));
        cluster.awaitHealthy(CONVERGE);
    }

    /** Each agent runs systemctl on its own host; without the package's unit, each shows systemctl's own message. */
    @Test
    @Order(4)
    void clusterEnableAsksEveryAgentAndShowsWhatSystemctlSaid() {
        assertFalse(Files.exists(Path.of("/lib/systemd/system/pgpacer.service"))
                || Files.exists(Path.of("/etc/systemd/system/pgpacer.service")), "the pgpacer package is installed on"
                + " this machine, and this test would change whether it starts at boot: remove it first with"
                + " 'apt-get purge pgpacer'");
        Cli unknown = run("cluster", "enable", "node1", "node9");
        assertEquals(2, unknown.code(), unknown.err());
        assertTrue(unknown.err().startsWith("pgpacer cluster enable: unknown node 'node9'"), unknown.err());
        assertEquals("", unknown.out(), "an unknown node is found before any agent is asked");
        Cli enable = run("cluster", "enable", "--all");
        assertEquals(1, enable.code(), enable.out() + enable.err());
        for (String node : List.of("node1", "node2", "node3")) {
            assertTrue(enable.err().contains(node + ": systemctl enable --quiet pgpacer.service failed (exit status 1):"
                    + " Failed to enable unit, unit pgpacer.service does not exist."), enable.err());
        }
        assertTrue(enable.err().contains("pgpacer cluster enable: 3 of 3 nodes not changed"), enable.err());
    }

    @Test
    @Order(5)
    void propertiesAreSetAndBadValuesChangeNothing() {
        cli("property", "set", "migration-threshold=2", "failure-timeout=10m");
        String list = cli("property", "list");
        assertTrue(list.contains(" migration-threshold: 2\n") && list.contains(" failure-timeout: 10m\n"), list);
        Cli bad = run("property", "set", "migration-threshold=3", "no-quorum-policy=ignore");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("property 'no-quorum-policy': 'ignore' is unsafe here"), bad.err());
        assertTrue(cli("property", "list").contains(" migration-threshold: 2\n"), "unchanged after a refusal");
        cli("property", "unset", "migration-threshold", "failure-timeout");
        assertTrue(cli("property", "list").contains(" migration-threshold: 1\n"));
    }

    @Test
    @Order(6)
    void theConfigurationRoundTripsAndAStaleOrBadDocumentChangesNothing() throws Exception {
        String queried = cli("cib", "query");
        Path file = dir.resolve("cib.yaml");
        Files.writeString(file, queried);
        assertTrue(cli("cib", "replace", file.toString()).startsWith("No changes"), "an unchanged document is a no-op");
        assertEquals(queried, cli("cib", "query"), "and changes no epoch");

        Path edited = dir.resolve("edited.yaml");
        Files.writeString(edited, queried.replace("migration-threshold: 1\n", "migration-threshold: 3\n"));
        String applied = cli("cib", "replace", edited.toString());
        assertTrue(applied.contains("property migration-threshold: 1 -> 3"), applied);
        assertTrue(cli("property", "list").contains(" migration-threshold: 3\n"));

        String current = cli("cib", "query");
        Cli stale = run("cib", "replace", file.toString());
        assertEquals(2, stale.code(), stale.out() + stale.err());
        assertTrue(stale.err().contains("the configuration changed since the document was queried"), stale.err());
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, current.replace("properties:", "colour: blue\nproperties:"));
        Cli unknownKey = run("cib", "replace", broken.toString());
        assertEquals(2, unknownKey.code());
        assertTrue(unknownKey.err().contains("unknown key 'colour'"), unknownKey.err());
        Files.writeString(broken, "epoch: [\n");
        assertEquals(2, run("cib", "replace", broken.toString()).code());
        String exec = "type: exec, params: {start: 'true', stop: 'true', monitor: 'true'}}\n";
        assertTrue(current.contains("  primitives: []\n") && current.contains("constraints: []\n"), current);
        Files.writeString(broken, current.replace("  primitives: []\n", "  primitives:\n  - {id: a, " + exec
                + "  - {id: b, " + exec).replace("constraints: []\n", "constraints:\n- order start a then start b id=o1\n"
                + "- order start b then start a id=o2\n"));
        Cli loop = run("cib", "replace", broken.toString());
        assertEquals(2, loop.code(), loop.out() + loop.err());
        assertTrue(loop.err().contains("constraints 'start a then start b (id:o1)', 'start b then start a (id:o2)' form"
                + " an order loop that can never be satisfied; remove one of them"), loop.err());
        Files.writeString(broken, current.replace("  migration-threshold: 3\n",
                "  migration-threshold: 3\n  migration-threshold: 5\n"));
        Cli duplicate = run("cib", "replace", broken.toString());
        assertEquals(2, duplicate.code(), duplicate.out() + duplicate.err());
        assertTrue(duplicate.err().contains("key 'properties.migration-threshold' is given twice at line"),
                duplicate.err());
        assertFalse(loop.err().contains("\tat ") || duplicate.err().contains("\tat "), "no stack trace");
        assertEquals(current, cli("cib", "query"), "refused documents change nothing");
        cli("property", "unset", "migration-threshold");

        String edited2 = cli("cib", "edit", "--editor", "sed -i -e 's/^  failure-timeout: 1m$/  failure-timeout: 5m/'");
        assertTrue(edited2.contains("property failure-timeout: 1m -> 5m"), edited2);
        assertTrue(cli("property", "list").contains(" failure-timeout: 5m\n"));
        cli("property", "unset", "failure-timeout");
    }

    @Test
    @Order(7)
    void aFailCountExpiresAfterFailureTimeout() {
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String standby = healthy.slaves().get(0);
        cli("property", "set", "failure-timeout=5s");
        long killedAt = System.nanoTime();
        ProcessHandle.of(ClusterHarness.node(healthy, standby).postmasterPid()).ifPresent(ProcessHandle::destroyForcibly);
        cluster.awaitStatus(standby + " has a fail-count", CONVERGE, s -> ClusterHarness.node(s, standby).failCount() > 0);
        cluster.awaitStatus(standby + "'s fail-count expired", CONVERGE,
                s -> ClusterHarness.node(s, standby).failCount() == 0 && ClusterHarness.healthy(s));
        long seconds = (System.nanoTime() - killedAt) / 1_000_000_000L;
        System.out.printf("failure-timeout 5s: %s's fail-count expired %d s after the kill%n", standby, seconds);
        assertTrue(seconds >= 5, "not before the failure-timeout");
        cli("property", "unset", "failure-timeout");
    }

    @Test
    @Order(8)
    void resourcesAndConstraintsAreChangedAsWithPcsAndBadInputChangesNothing() throws Exception {
        Path marker = dir.resolve("bouncer.running");
        cli("resource", "create", "bouncer", "exec", "start=touch " + marker, "stop=rm -f " + marker,
                "monitor=test -e " + marker + " || exit 7", "op", "monitor", "interval=2s", "timeout=5s",
                "meta", "migration-threshold=2", "--disabled");
        cli("constraint", "add", "colocation", "bouncer", "with", "master", "msPostgresql");
        cli("constraint", "add", "order", "promote", "msPostgresql", "then", "start", "bouncer");
        String show = cli("resource", "show", "bouncer");
        assertTrue(show.contains(" Resource: bouncer (pgpacer:exec)\n") && show.contains("   monitor interval=2s"
                + " timeout=5s on-fail=restart\n") && show.contains("target-role=Stopped is-managed=true"
                + " migration-threshold=2") && show.contains("Constraint: bouncer with master msPostgresql"
                + " (score:INFINITY) (id:colocation-bouncer-msPostgresql-INFINITY)"), show);
        assertTrue(cli("resource", "list").contains(" bouncer     \t(pgpacer:exec):\tStopped (disabled)\n"),
                cli("resource", "list"));
        String clone = cli("resource", "show", "msPostgresql");
        assertTrue(clone.contains("Attributes: rep_mode=async node_list=\"node1 node2 node3\" primary_conninfo_opt="
                + "\"connect_timeout=2 keepalives_idle=5") && clone.contains("target-role=Started is-managed=true")
                && clone.contains("Constraint: promote msPostgresql then start bouncer"), clone);
        String node = cluster.awaitHealthy(CONVERGE).slaves().get(0);
        cli("resource", "ban", "bouncer", node);
        assertTrue(cli("constraint", "list").contains("bouncer avoids " + node + " (score:-INFINITY) (ban) (id:cli-ban-"
                + "bouncer-on-" + node + ")"), cli("constraint", "list"));
        assertTrue(cli("resource", "clear", "bouncer").contains("removed cli-ban-bouncer-on-" + node));

        String before = cli("cib", "query");
        assertRefused(before, "unknown resource 'nope'; resources are [msPostgresql, bouncer]", "resource", "delete",
                "nope");
        assertRefused(before, "the constraint names the missing resource 'ghost'", "constraint", "add", "colocation",
                "ghost", "with", "master", "msPostgresql");
        assertRefused(before, "resource 'vip9': VIP address '300.1.1.1'", "resource", "create", "vip9", "ip",
                "ip=300.1.1.1");
        assertRefused(before, "unknown data node 'node9'", "resource", "ban", "bouncer", "node9");
        assertRefused(before, "unknown constraint 'c42'", "constraint", "remove", "c42");
        assertRefused(before, "msPostgresql is PostgreSQL itself and cannot be deleted", "resource", "delete",
                "msPostgresql");
        assertRefused(before, "unknown resource 'nope'", "resource", "restart", "nope");
        assertRefused(before, "unknown resource 'nope'", "resource", "cleanup", "nope");

        Path file = dir.resolve("resources.yaml");
        Files.writeString(file, before.replace("interval=2s", "interval=3s"));
        String replaced = cli("cib", "replace", file.toString());
        assertTrue(replaced.contains("resource ~ bouncer"), replaced);
        assertTrue(cli("resource", "show", "bouncer").contains("monitor interval=3s"), "the replace applied");
        String deleted = cli("resource", "delete", "bouncer");
        assertTrue(deleted.contains("removed the constraints that named it: [colocation-bouncer-msPostgresql-INFINITY,"
                + " order-msPostgresql-bouncer-mandatory]"), deleted);
        assertTrue(cli("constraint", "list").equals("Location Constraints:\nOrdering Constraints:\nColocation"
                + " Constraints:\n"), cli("constraint", "list"));
    }

    // Exit 2 with the message, and the configuration is as it was.
    private void assertRefused(String configuration, String message, String... args) {
        Cli refused = run(args);
        assertEquals(2, refused.code(), String.join(" ", args) + ": " + refused.out() + refused.err());
        assertTrue(refused.err().contains(message), "expected '" + message + "' in: " + refused.err());
        assertEquals(configuration, cli("cib", "query"), String.join(" ", args) + " changed the configuration");
    }
}
