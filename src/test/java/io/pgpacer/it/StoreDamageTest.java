package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.cli.StoreCommandAccess;
import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.store.ratis.RaftSnapshots;
import io.pgpacer.store.ratis.RatisStoreConfig;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.ClusterHarness.CliRun;
import io.pgpacer.testkit.Eventually;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A standby's store member damaged while its agent is stopped, on 3 real agents: a truncated log segment (the agent
 * runs cut off from the store, says so once, on /liveness and in status), garbage in raft-meta and a vanished Raft
 * directory (the start is refused with one sentence); each repaired with {@code pgpacer store rejoin}.
 */
class StoreDamageTest {

    private static final Duration CONVERGE = Duration.ofSeconds(90);
    private static final Duration SHORT = Duration.ofSeconds(30);
    private static final String DAMAGE_LINE = "is damaged";

    private ClusterHarness cluster;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void stop() throws IOException {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aDamagedStoreMemberSaysSoIsCutOffAndRejoinsAfterStoreRejoin() throws Exception {
        cluster = ClusterHarness.start("store-damage", 3, "");
        ClusterStatus healthy = cluster.awaitHealthy(CONVERGE);
        String primary = ClusterHarness.primary(healthy);
        // Not the store's leader either: a leader hands its leadership over when it stops, and the entries of the new
        // term start a new log segment, so that halving the newest segment would no longer cut the log short of the
        // snapshot.
        String damaged = cluster.cluster().nodes().stream().filter(n -> !n.equals(primary))
                .filter(n -> !n.equals(healthy.controller())).reduce((a, b) -> b).orElseThrow();
        AgentConfig config = ConfigLoader.load(cluster.cluster().config(), damaged);
        RatisStoreConfig store = storeConfig(config);
        Path raft = store.storageDir();
        Path groupDir;
        try (Stream<Path> list = Files.list(raft)) {
            groupDir = list.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        String repair = "pgpacer store rejoin --config " + cluster.cluster().config() + " --node " + damaged;
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(raft)));

        // (1) A truncated log segment: the log ends before the member's snapshot.
        RaftSnapshots.take(store);
        cluster.cluster().stop(damaged);
        truncateLogSegments(groupDir.resolve("current"));
        long logFrom = Files.size(cluster.cluster().log(damaged));
        cluster.cluster().start(damaged);

        HttpResponse<String> liveness;
        try {
            liveness = Eventually.await(damaged + "'s /liveness answers 503 naming the damage", SHORT,
                    () -> get(config, "/liveness"), r -> r != null && r.statusCode() == 503
                            && r.body().contains(DAMAGE_LINE));
        } catch (AssertionError e) {
            cluster.keepData();
            throw new AssertionError(e.getMessage() + "\n" + cluster.logTails(), e);
        }
        assertTrue(liveness.body().contains("the Raft log of store member " + damaged + " in " + groupDir
                .resolve("current") + " is damaged: it ends at entry"), liveness.body());
        assertTrue(liveness.body().contains("but the member's snapshot holds entries up to"), liveness.body());
        assertTrue(liveness.body().contains("run '" + repair + "' on this host"), liveness.body());

        CliRun status = Eventually.await("status shows the damaged member", SHORT, () -> cluster.cli("status"),
                run -> run.out().contains("Damaged Store Members"));
        assertTrue(status.out().contains("* " + damaged + ": the Raft log of store member " + damaged), status.out());
        ClusterStatus cutOff = cluster.awaitStatus(damaged + " offline (its reports no longer land), never a "
                + "candidate", CONVERGE, s -> s.offline().contains(damaged) && s.quorum()
                        && primary.equals(ClusterHarness.primary(s)));
        assertEquals(ClusterStatus.MINUS_INFINITY, ClusterHarness.node(cutOff, damaged).masterScore());
        assertEquals(503, get(config, "/leader").statusCode(), "no lease, so no promotion, on " + damaged);
        Eventually.holdsFor("one line about the damage in " + damaged + "'s log", Duration.ofSeconds(5),
                () -> count(cluster.cluster().log(damaged), logFrom, DAMAGE_LINE + ": it ends at") == 1
                        && count(cluster.cluster().log(damaged), logFrom, "Failed to append") == 0);
        List<String> logged = since(cluster.cluster().log(damaged), logFrom);
        System.out.println("damaged member's log since its start (" + logged.size() + " lines):\n"
                + String.join("\n", logged));
        System.out.println("status printed:\n" + status.out());

        cluster.cluster().stop(damaged);
        CliRun rejoin = cluster.cli("store", "rejoin", "--node", damaged);
        assertEquals(0, rejoin.exitCode(), rejoin.err());
        Path setAside = setAside(raft, 1);
        assertTrue(rejoin.out().contains("its storage was set aside as " + setAside), rejoin.out());
        assertTrue(Files.isDirectory(setAside.resolve(groupDir.getFileName()).resolve("current")));
        rejoinsHealthy(damaged, config);

        // (2) Garbage in raft-meta: the start is refused with one sentence naming the file and the repair.
        cluster.cluster().stop(damaged);
        Path meta = groupDir.resolve("current").resolve("raft-meta");
        Files.writeString(meta, "garbage!!\n");
        String refusal = refusedStart(damaged);
        assertTrue(refusal.startsWith("pgpacer agent: the Raft storage of store member " + damaged + " is damaged: "
                + meta + " cannot be read"), refusal);
        assertTrue(refusal.contains("run '" + repair + "' on this host"), refusal);
        CliRun second = cluster.cli("store", "rejoin", "--node", damaged);
        assertEquals(0, second.exitCode(), second.err());
        assertTrue(Files.isDirectory(setAside(raft, 2)));
        rejoinsHealthy(damaged, config);

        // (3) The Raft directory vanished: refused, naming the repair, until the operator runs it.
        cluster.cluster().stop(damaged);
        deleteRecursively(raft);
        String missing = refusedStart(damaged);
        assertTrue(missing.contains("the Raft storage of store member " + damaged + " (" + groupDir + ") is missing"
                + " although this member joined the store before"), missing);
        assertTrue(missing.contains("run '" + repair + "' on this host"), missing);
        assertFalse(Files.exists(raft), "a refused start leaves no Raft directory behind");
        CliRun third = cluster.cli("store", "rejoin", "--node", damaged);
        assertEquals(0, third.exitCode(), third.err());
        assertTrue(third.out().contains("it had no storage"), third.out());
        rejoinsHealthy(damaged, config);

        // The hint status printed beside the damage, run exactly as printed, clears the record.
        String marker = "(once repaired: ";
        String printed = status.out().substring(status.out().indexOf(marker) + marker.length());
        printed = printed.substring(0, printed.indexOf(')'));
        assertEquals("pgpacer resource cleanup --node " + damaged, printed);
        CliRun cleanup = cluster.cli(printed.substring("pgpacer ".length()).split(" "));
        assertEquals(0, cleanup.exitCode(), cleanup.err());
        Eventually.await("no damaged store member recorded after '" + printed + "'", SHORT,
                () -> cluster.api().status().storeMemberDamage(), List::isEmpty);
    }

    private void rejoinsHealthy(String node, AgentConfig config) throws IOException {
        cluster.cluster().start(node);
        cluster.awaitHealthy(CONVERGE);
        Eventually.await(node + "'s /liveness answers 200 again", SHORT, () -> {
            HttpResponse<String> r = get(config, "/liveness");
            return r != null && r.statusCode() == 200;
        });
        ClusterStatus fromRejoined = cluster.apiOf(node).status();
        assertTrue(fromRejoined.quorum(), "the rejoined member reads through the majority");
        assertEquals(cluster.api().status().configEpoch(), fromRejoined.configEpoch(),
                "the rejoined member holds the cluster's CIB");
    }

    // The agent exits at once; its last line is the whole refusal, and no stack trace was printed.
    private String refusedStart(String node) throws IOException {
        Path log = cluster.cluster().log(node);
        long from = Files.size(log);
        cluster.cluster().start(node);
        String dead = Eventually.await(node + "'s agent exits", SHORT, () -> cluster.cluster().deadAgent(),
                d -> d != null);
        assertTrue(dead.startsWith(node + "'s agent exited with status 2 "), dead);
        List<String> lines = since(log, from);
        assertEquals(0, lines.stream().filter(l -> l.startsWith("\tat ") || l.contains("Exception:")).count(),
                "no stack trace: " + lines);
        List<String> sentences = lines.stream().filter(l -> l.startsWith("pgpacer agent: ")).toList();
        assertEquals(1, sentences.size(), lines.toString());
        return sentences.get(0);
    }

    private HttpResponse<String> get(AgentConfig config, String path) {
        NodeSpec self = config.self();
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://" + self.address() + ":" + self.apiPort() + path))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static RatisStoreConfig storeConfig(AgentConfig config) {
        return StoreCommandAccess.storeConfig(config);
    }

    private static Path setAside(Path raft, int expected) throws IOException {
        List<Path> kept;
        try (Stream<Path> list = Files.list(raft.getParent())) {
            kept = list.filter(p -> p.getFileName().toString().startsWith("raft.damaged-")).sorted().toList();
        }
        assertEquals(expected, kept.size(), "set-aside directories: " + kept);
        return kept.get(expected - 1);
    }

    // Cuts the newest segment (the one the member was writing, which holds its snapshot's index) in half; older,
    // closed segments stay whole, as after a crash that lost the end of the file being written.
    private static void truncateLogSegments(Path current) throws IOException {
        List<Path> segments;
        try (Stream<Path> list = Files.list(current)) {
            segments = list.filter(p -> p.getFileName().toString().startsWith("log_")).toList();
        }
        assertFalse(segments.isEmpty(), "no log segment in " + current);
        Path newest = segments.stream().max(Comparator.comparingLong(StoreDamageTest::firstIndex)).orElseThrow();
        try (FileChannel channel = FileChannel.open(newest, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() / 2);
        }
    }

    // log_inprogress_FIRST or log_FIRST-LAST
    private static long firstIndex(Path segment) {
        String name = segment.getFileName().toString();
        String first = name.startsWith("log_inprogress_") ? name.substring("log_inprogress_".length())
                : name.substring("log_".length(), name.indexOf('-'));
        return Long.parseLong(first);
    }

    private static List<String> since(Path log, long from) throws IOException {
        byte[] all = Files.readAllBytes(log);
        return new String(all, (int) from, all.length - (int) from, StandardCharsets.UTF_8).lines().toList();
    }

    private static long count(Path log, long from, String text) {
        try {
            return since(log, from).stream().filter(l -> l.contains(text)).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
