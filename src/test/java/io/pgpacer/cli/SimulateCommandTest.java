package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.testkit.InProcessCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pgpacer simulate FILE [--what-if EVENT]}, as an operator types it, on the scheduler's scenarios. */
class SimulateCommandTest {

    @TempDir
    Path dir;

    private String healthy;

    @BeforeEach
    void healthyCluster() throws IOException {
        healthy = Files.writeString(dir.resolve("healthy.yaml"), """
                format: 1
                description: n1 primary holding the lease, n2 and n3 streaming from it
                nodes: [n1, n2, n3]
                primary: {node: n1, timeline: 1}
                lease: {holder: n1, seen: 500ms}
                reports:
                  n1: {pg: primary, lsn: 0/5000}
                  n2: {pg: standby, lsn: 0/5000, upstream: n1}
                  n3: {pg: standby, lsn: 0/4000, upstream: n1}
                """, StandardCharsets.UTF_8).toString();
    }

    @Test
    void aScenarioIsReplayedWithItsExplanation() {
        InProcessCli.Run run = InProcessCli.run("", "simulate",
                "src/test/resources/scheduler/failover-refusal-with-every-report-in-is-typed-and-names-a-command-for-a-real-node.yaml");
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.out().contains("\n  status: no eligible node (fix: pgpacer resource cleanup --node n2)\n"),
                run.out());
        assertTrue(run.out().contains("Same as the plan the file recorded."), run.out());
        assertEquals("", run.err());
    }

    @Test
    void whatIfThePrimaryGoesOfflineShowsTheExpiryThenTheFailover() {
        InProcessCli.Run run = InProcessCli.run("", "simulate", healthy, "--what-if", "node n1 goes offline");
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.out().contains("What if: node n1 goes offline\n\nController pass 1:\n  expire lease of n1"
                + " (generation 4): n1 lease not renewed for 3.0 s (lease-time 3.0 s)\n\nController pass 2:\n  assign"
                + " n1=standby of n2, n2=primary, n3=standby of n2: failover: n1 is offline; n2 is the most advanced"
                + " standby (0/5000)\n"), run.out());
        assertTrue(!run.out().contains("BROKEN RULE"), run.out());
    }

    @Test
    void whatIfThePrimarysPostgresFailsTheFailCountReleasesTheLeaseAndTheStandbysReportFirst() {
        InProcessCli.Run run = InProcessCli.run("", "simulate", healthy, "--what-if", "node n1 fails");
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.out().contains("Controller pass 1:\n  note: waiting for reports before a promotion: n1 reached"
                + " migration-threshold (fail-count 1)"), run.out());
        assertTrue(run.out().contains("Controller pass 2:\n  assign n1=standby of n2, n2=primary, n3=standby of n2:"
                + " failover: n1 reached migration-threshold (fail-count 1); n2 is the most advanced standby"),
                run.out());
    }

    @Test
    void whatIfASwitchoverIsRequested() {
        InProcessCli.Run run = InProcessCli.run("", "simulate", healthy, "--what-if", "switchover to n3");
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.out().contains("Controller pass 1:\n  begin switchover to n3: switchover n1 -> n3: n1 stops"
                + " writes and hands over\n"), run.out());
    }

    @Test
    void badInputIsOneSentenceAndExitTwo() throws IOException {
        Path newer = Files.writeString(dir.resolve("newer.yaml"), "format: 2\nnodes: [n1]\n", StandardCharsets.UTF_8);
        String[][] cases = {
            {"simulate", healthy, "--what-if", "node n1 explodes"},
            {"simulate", healthy, "--what-if", "node n9 fails"},
            {"simulate", dir.resolve("missing.yaml").toString()},
            {"simulate", newer.toString()},
            {"simulate", dir.toString()},
            {"simulate"},
        };
        String[] expected = {
            "pgpacer simulate: cannot read 'node n1 explodes'; a what-if is 'node NODE fails', 'node NODE goes"
                    + " offline', 'node NODE recovers' or 'switchover to NODE'",
            "pgpacer simulate: 'node n9 fails' names unknown node 'n9'; the cluster has [n1, n2, n3]",
            "pgpacer simulate: " + dir.resolve("missing.yaml") + ": ",
            "pgpacer simulate: " + newer + ": the file is of format 2, newer than the format 1 this pgpacer reads;"
                    + " replay it with the pgpacer version that recorded it",
            "pgpacer simulate: " + dir + ": is a directory, not a file; give a decision file, e.g. one of"
                    + " state-dir/decisions",
            "pgpacer simulate: give a FILE to replay, or --what-if EVENT to ask the live cluster, e.g. pgpacer"
                    + " simulate --what-if 'node NODE fails'",
        };
        for (int i = 0; i < cases.length; i++) {
            InProcessCli.Run run = InProcessCli.run("", cases[i]);
            assertEquals(2, run.code(), run.toString());
            assertEquals("", run.out(), "nothing printed on stdout: " + run);
            assertEquals(1, run.err().lines().count(), "one line: " + run);
            assertTrue(run.err().startsWith(expected[i]), run.err());
        }
    }
}
