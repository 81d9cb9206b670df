package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.agent.EventFeed;
import io.pgpacer.cli.Main;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.Repair;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.os.FreePorts;
import io.pgpacer.store.ratis.RatisClusterStore;
import io.pgpacer.testkit.WitnessOverOneMemberStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pgpacer repair|rebuild|recover-master} through a real agent API over a real one-member store: bad input
 * gets one message, exit code 2 (4xx from the API) and leaves the CIB as it was; good input lands in the CIB for the
 * node's agent to carry out.
 */
class RepairCommandsApiTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    private static RatisClusterStore store;
    private static HttpApi api;
    private static String url;

    private record Run(int exitCode, String out, String err) {
    }

    @BeforeAll
    static void startApi() throws IOException {
        Map<String, String> dataNodes = new java.util.LinkedHashMap<>();
        dataNodes.put("n1", "127.0.0.2");
        dataNodes.put("n2", "127.0.0.3");
        WitnessOverOneMemberStore witness = WitnessOverOneMemberStore.start(dir, "repair-it", dataNodes);
        store = witness.store();
        int port = FreePorts.next();
        api = new HttpApi("w1", new InetSocketAddress("127.0.0.1", port), store, witness.agent(), new EventFeed());
        api.start();
        url = "http://127.0.0.1:" + port;
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
        if (store != null) {
            store.close();
        }
    }

    // n1 the primary holding the lease, n2 its standby, no repair pending
    @BeforeEach
    void primaryN1() {
        Cib cib = store.localCopy();
        if (!cib.lease().isFree()) {
            submit(new StoreCommand.ReleaseLease(cib.lease().holder(), cib.lease().generation()));
        }
        submit(new StoreCommand.AssignGoals(store.localCopy().goalsVersion(),
                Map.of("n1", NodeGoal.primary("test"), "n2", NodeGoal.standbyOf("n1", "test"))));
        assertTrue(store.submit(new StoreCommand.AcquireLease("n1"), TIMEOUT).applied());
    }

    @Test
    void badRequestsGetOneMessageExitCode2AndChangeNothing() {
        assertRefused(new String[] {"repair", "n9"},
                "pgpacer repair: unknown data node 'n9'; data nodes are [n1, n2]");
        assertRefused(new String[] {"repair", "w1"},
                "pgpacer repair: unknown data node 'w1'; data nodes are [n1, n2]");
        assertRefused(new String[] {"repair", "n1"}, "pgpacer repair: n1 is the primary; repair makes a standby follow"
                + " the primary. To repair n1, first make another node the primary: pgpacer switchover");
        assertRefused(new String[] {"rebuild", "n1", "--discard-old"}, "pgpacer rebuild: n1 is the primary; rebuild"
                + " makes a standby follow the primary. To rebuild n1, first make another node the primary: pgpacer"
                + " switchover");
        assertRefused(new String[] {"recover-master"}, "pgpacer recover-master: this clears the recorded primary and"
                + " makes the node with the most advanced WAL the primary; commits only the lost primary had are lost."
                + " Repeat with --yes-i-know if that is what you want");
        assertRefused(new String[] {"recover-master", "--yes-i-know"}, "pgpacer recover-master: n1 holds the primary"
                + " lease: a primary runs. recover-master is for a cluster where no node can become primary");
        assertRefused(new String[] {"recover-master", "--yes-i-know", "--node", "n7"},
                "pgpacer recover-master: unknown data node 'n7'; data nodes are [n1, n2]");
        Run missingNode = run("repair");
        assertEquals(2, missingNode.exitCode());
        assertTrue(missingNode.err().startsWith("pgpacer repair: Missing required parameter: 'NODE'"), missingNode.err());
    }

    @Test
    void theApiRefusesAMissingConfirmationOrNodeWith400() throws Exception {
        long epoch = store.localCopy().epoch();
        assertEquals(400, post("/recover-master").statusCode());
        assertEquals(400, post("/repair").statusCode());
        HttpResponse<String> wrongOption = post("/repair?node=n2&discard-old=yes");
        assertEquals(400, wrongOption.statusCode());
        assertTrue(wrongOption.body().contains("'discard-old' is only for rebuild"), wrongOption.body());
        assertEquals(404, post("/rebuild?node=n9").statusCode());
        assertEquals(epoch, store.localCopy().epoch(), "refused requests change nothing");
    }

    @Test
    void repairAndRebuildOfAStandbyAreLeftInItsGoalForItsAgent() {
        Run repair = run("repair", "n2");
        assertEquals(0, repair.exitCode(), repair.err());
        assertTrue(repair.out().startsWith("n2's agent will run pg_rewind from n1 and rejoin it as a standby"),
                repair.out());
        assertEquals(Repair.Kind.REWIND, store.localCopy().goal("n2").orElseThrow().repair().kind());

        Run rebuild = run("rebuild", "n2", "--discard-old");
        assertEquals(0, rebuild.exitCode(), rebuild.err());
        Repair pending = store.localCopy().goal("n2").orElseThrow().repair();
        assertEquals(Repair.Kind.REBUILD, pending.kind(), "the newer request replaces the older");
        assertTrue(pending.discardOld());
        submit(new StoreCommand.CompleteRepair("n2", pending.requestedAt()));
    }

    @Test
    void recoverMasterElectsOnlyWhenNoPrimaryRunsAndSaysWhyNobodyCanBe() {
        Cib cib = store.localCopy();
        submit(new StoreCommand.ReleaseLease("n1", cib.lease().generation()));
        assertRefused(new String[] {"recover-master", "--yes-i-know"},
                "pgpacer recover-master: no node can be elected: n1 is offline; n2 is offline");
        Run named = run("recover-master", "--yes-i-know", "--node", "n2");
        assertEquals(0, named.exitCode(), named.err());
        assertTrue(named.out().startsWith("the recorded primary is cleared; n2 will be primary: n2 named by the"
                + " operator"), named.out());
        assertEquals("n2", store.localCopy().goalPrimary().orElseThrow());
    }

    private void assertRefused(String[] args, String message) {
        long epoch = store.localCopy().epoch();
        Run run = run(args);
        assertEquals(2, run.exitCode(), String.join(" ", args) + ": " + run.err());
        assertEquals(message, run.err().strip());
        assertEquals(epoch, store.localCopy().epoch(), String.join(" ", args) + " must change nothing");
    }

    private Run run(String... args) {
        String[] full = Stream.concat(Stream.of(args), Stream.of("--api", url)).toArray(String[]::new);
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StringWriter usage = new StringWriter();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.commandLine().setErr(new PrintWriter(usage, true)).execute(full);
            return new Run(code, out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8) + usage);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    private static HttpResponse<String> post(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + path))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void submit(StoreCommand command) {
        assertTrue(store.submit(command, TIMEOUT).applied(), command.toString());
    }
}
