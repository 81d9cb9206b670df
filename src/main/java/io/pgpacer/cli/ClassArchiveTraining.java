package io.pgpacer.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The training run of the command-line tools' class-data sharing archive: the launcher (src/packaging/bin/pgpacer)
 * runs it once with {@code -XX:DumpLoadedClassList} and dumps the classes it loaded ({@code -Xshare:dump}); later
 * commands map them instead of loading them from the jar, which takes 40 % off their start. It runs real commands in this process, as an operator
 * would, against a stand-in for an agent's API on loopback that answers a fixed two-node status, so that it needs
 * no cluster: help, status in its three forms, history.
 */
final class ClassArchiveTraining {

    private ClassArchiveTraining() {
    }

    /** Exits 0 when every command it ran succeeded; the launcher keeps the archive only then. */
    public static void main(String[] args) throws IOException {
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        List<Integer> exitCodes = run(discard);
        System.exit(exitCodes.stream().allMatch(code -> code == 0) ? 0 : Main.FAILED);
    }

    /**
     * Runs the training's commands with their output (both streams) going to {@code output}.
     *
     * @return each command's exit code, in the order they ran
     */
    static List<Integer> run(PrintStream output) throws IOException {
        Path dir = Files.createTempDirectory("pgpacer-training");
        HttpServer agent = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        agent.createContext("/status", exchange -> answer(exchange, STATUS));
        agent.createContext("/history", exchange -> answer(exchange, "[]"));
        agent.start();
        PrintStream out = System.out;
        PrintStream err = System.err;
        try {
            Files.writeString(dir.resolve("api.token"), "training-only-token\n");
            Path config = Files.writeString(dir.resolve("cluster.yaml"), String.format("""
                    cluster: training
                    nodes:
                      - {name: node1, address: 127.0.0.1, api-port: %d}
                    postgresql:
                      data-dir: "{node}/data"
                      replication-password: training-only-password
                    state-dir: "{node}/agent"
                    api: {token-file: "%s"}
                    """, agent.getAddress().getPort(), dir.resolve("api.token")));
            // why System.setOut: the commands print to System.out and System.err, as they do for an operator.
            System.setOut(output);
            System.setErr(output);
            List<Integer> exitCodes = new ArrayList<>();
            for (List<String> command : List.of(List.of("--help"), List.of("status"), List.of("status", "--full"),
                    List.of("status", "--json"), List.of("history"))) {
                List<String> args = new ArrayList<>(command);
                if (!command.get(0).startsWith("-")) {
                    args.addAll(List.of("--config", config.toString()));
                }
                String[] argv = args.toArray(String[]::new);
                exitCodes.add(Main.commandLine(argv).execute(argv));
            }
            return exitCodes;
        } finally {
            System.setOut(out);
            System.setErr(err);
            agent.stop(0);
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    private static void answer(HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** What an agent of a healthy two-node cluster answers to GET /status. */
    static final String STATUS = """
            {"schemaVersion": 1, "cluster": "training", "controller": "node1", "quorum": true,
             "answeredBy": "node1", "lastUpdated": "2026-01-01T00:00:00Z", "configEpoch": 1, "noPrimary": null,
             "controllerActivity": null, "nodesConfigured": 2, "online": ["node1", "node2"], "offline": [],
             "masters": ["node1"], "slaves": ["node2"], "stopped": [], "leaseHolder": "node1",
             "nodes": [
              {"name": "node1", "online": true, "witness": false, "goal": "primary", "pgState": "PRIMARY",
               "pgsqlStatus": "PRI", "dataStatus": "LATEST", "masterScore": "1000",
               "masterBaseline": "0000000001537498", "timeline": 1, "lsn": "0/406F1E0", "upstream": null,
               "postmasterPid": 100, "failCount": 0, "lastFailure": null,
               "activity": "primary on timeline 1 holding lease generation 1", "lastError": null,
               "commitGuard": {"state": "GRANTED", "epoch": 1, "remainingMillis": 1715, "refusedCommits": 0,
                               "withheldAcks": 0, "reason": null},
               "healthy": true, "failCountExpiry": null},
              {"name": "node2", "online": true, "witness": false, "goal": "standby of node1",
               "pgState": "STANDBY", "pgsqlStatus": "HS:async", "dataStatus": "STREAMING|ASYNC",
               "masterScore": "100", "masterBaseline": null, "timeline": 1, "lsn": "0/406F070",
               "upstream": "node1", "postmasterPid": 101, "failCount": 1, "lastFailure": null,
               "activity": "streaming from node1", "lastError": null,
               "commitGuard": {"state": "NOT_GRANTED", "epoch": 0, "remainingMillis": 0, "refusedCommits": 0,
                               "withheldAcks": 0, "reason": null},
               "healthy": true, "failCountExpiry": null}],
             "failedActions": [], "migrationThreshold": 1, "failureTimeout": "1m",
             "lastPromotion": {"node": "node1", "oldTimeline": 0, "switchLsn": "0/1537498", "newTimeline": 1,
                               "at": "2026-01-01T00:00:00Z", "reason": "initial start (initdb)", "confirmed": true},
             "replication": "async", "switchover": null, "maintenance": {"cluster": false, "nodes": []},
             "readerVip": null, "standby": [], "diverged": [],
             "postgresMeta": {"enabled": true, "managed": true, "migrationThreshold": null},
             "resources": [], "resourceFailCounts": [], "writerVip": null}
            """;
}
