package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The class archive's training runs the commands it names to the end: a status document the CLI can no longer
 * read (a renamed field of ClusterStatus) would leave the status path out of every installed archive unnoticed.
 */
class ClassArchiveTrainingTest {

    @Test
    void everyTrainingCommandSucceedsAndStatusShowsTheStandInCluster() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<Integer> exitCodes;
        try (PrintStream output = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            exitCodes = ClassArchiveTraining.run(output);
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(0, 0, 0, 0, 0), exitCodes, "exit codes of --help, status (plain, --full, --json), "
                + "history; what they printed:\n" + printed);
        assertTrue(printed.contains("Masters: [ node1 ]") && printed.contains("Slaves: [ node2 ]"), printed);
        assertTrue(printed.contains("\"cluster\" : \"training\""), "status --json printed the document:\n" + printed);
    }
}
