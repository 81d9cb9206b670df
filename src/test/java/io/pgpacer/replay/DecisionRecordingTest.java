package io.pgpacer.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.decide.ClusterSnapshot;
import io.pgpacer.core.decide.Plan;
import io.pgpacer.core.decide.Scheduler;
import io.pgpacer.testkit.InProcessCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recording is the golden format with the whole CIB: recorded, written, read back and replayed, it gives the same
 * plan; the recorder keeps a bounded series.
 */
class DecisionRecordingTest {

    private static final Path SCENARIOS = Path.of("src/test/resources/scheduler");

    @TempDir
    Path dir;

    private static DecisionFile.Decision golden(String name) throws IOException {
        return DecisionFile.read(Files.readString(SCENARIOS.resolve(name + ".yaml"), StandardCharsets.UTF_8));
    }

    @Test
    void everyGoldenRecordedAndReadBackDecidesTheSame() throws IOException {
        List<Path> files;
        try (var list = Files.list(SCENARIOS)) {
            files = list.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        for (Path file : files) {
            ClusterSnapshot snapshot = DecisionFile.read(Files.readString(file, StandardCharsets.UTF_8)).snapshot();
            Plan plan = Scheduler.decide(snapshot);
            String recorded = DecisionFile.yaml(DecisionFile.record(snapshot, plan, "test", "n1", Instant.EPOCH));
            DecisionFile.Decision replayed = DecisionFile.read(recorded);
            assertEquals(snapshot.cib(), replayed.snapshot().cib(), file + ": the CIB survives the recording");
            assertEquals(plan.explain(), Scheduler.decide(replayed.snapshot()).explain(), file.toString());
            assertEquals(plan.explain(), replayed.expected(), file + ": the recording pins its plan");
        }
    }

    @Test
    void simulateOnARecordedFilePrintsTheSamePlan() throws IOException {
        DecisionFile.Decision golden = golden("failover-promotes-most-advanced-standby");
        Plan plan = Scheduler.decide(golden.snapshot());
        Path file = new DecisionRecorder(dir, 3, "n2").record(golden.snapshot(), plan, Instant.EPOCH);

        InProcessCli.Run run = InProcessCli.run("", "simulate", file.toString());

        assertEquals(0, run.code(), run.toString());
        assertTrue(run.out().contains("\nPlan:\n  assign n1=standby of n3, n2=standby of n3, n3=primary: failover: n1 is"
                + " offline; n3 is the most advanced standby (0/4800)\n"), run.out());
        assertTrue(run.out().contains("Same as the plan the file recorded."), run.out());
        assertTrue(run.out().startsWith("recorded by the controller on n2 at 1970-01-01T00:00:00Z"), run.out());
    }

    @Test
    void theRecorderKeepsTheLatestAndNumbersOnAcrossRestarts() throws IOException {
        DecisionFile.Decision golden = golden("lease-expires-first");
        Plan plan = Scheduler.decide(golden.snapshot());
        for (int i = 0; i < 4; i++) {
            new DecisionRecorder(dir, 3, "n1").record(golden.snapshot(), plan, Instant.EPOCH);
        }
        DecisionRecorder recorder = new DecisionRecorder(dir, 3, "n1");
        recorder.record(golden.snapshot(), plan, Instant.EPOCH);
        assertEquals(List.of("decision-000003.yaml", "decision-000004.yaml", "decision-000005.yaml"),
                recorder.recordings().stream().map(p -> p.getFileName().toString()).toList());
        try (var left = Files.list(dir)) {
            assertEquals(3, left.count(), "no temporary file is left behind");
        }
        Path nested = dir.resolve("decisions");
        Path file = new DecisionRecorder(nested, 3, "n1").record(golden.snapshot(), plan, Instant.EPOCH);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(nested)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                "a recording holds the whole CIB: private, like the state directory");
    }

    @Test
    void aFileOfANewerFormatOrWithAnUnknownKeyIsRefusedInOneSentence() {
        String newer = assertThrows(DecisionFile.BadDecisionFileException.class, () -> DecisionFile.read(
                "format: 2\nnodes: [n1]\n")).getMessage();
        assertEquals("the file is of format 2, newer than the format 1 this pgpacer reads; replay it with the"
                + " pgpacer version that recorded it", newer);
        String missing = assertThrows(DecisionFile.BadDecisionFileException.class, () -> DecisionFile.read(
                "nodes: [n1]\n")).getMessage();
        assertEquals("key 'format' is missing; a decision file starts with 'format: 1'", missing);
        String unknown = assertThrows(DecisionFile.BadDecisionFileException.class, () -> DecisionFile.read(
                "format: 1\nnodes: [n1]\nleese: {holder: n1}\n")).getMessage();
        assertTrue(unknown.startsWith("unknown key 'leese'; a decision file of format 1 has "), unknown);
        String both = assertThrows(DecisionFile.BadDecisionFileException.class, () -> DecisionFile.read(
                "format: 1\nnodes: [n1]\ncib: {}\n")).getMessage();
        assertEquals("key 'nodes' cannot stand beside 'cib:', which gives the whole cluster; remove one of them",
                both);
        String state = assertThrows(DecisionFile.BadDecisionFileException.class, () -> DecisionFile.read(
                "format: 1\nnodes: [n1]\nreports:\n  n1: {pg: running}\n")).getMessage();
        assertTrue(state.startsWith("key 'reports.n1.pg' is 'running'; it must be one of [no-data, "), state);
    }
}
