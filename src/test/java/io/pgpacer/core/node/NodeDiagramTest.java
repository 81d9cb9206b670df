package io.pgpacer.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/node-state-machine.md is the table as it is. */
class NodeDiagramTest {

    @Test
    void theDocumentMatchesTheTable() throws IOException {
        String expected = NodeDiagram.markdown();
        Path doc = Path.of("docs/node-state-machine.md");
        String actual = Files.exists(doc) ? Files.readString(doc, StandardCharsets.UTF_8) : "";
        if (!expected.equals(actual)) {
            Path written = Path.of("target/node-state-machine.md");
            Files.writeString(written, expected, StandardCharsets.UTF_8);
            assertEquals(expected, actual, "docs/node-state-machine.md differs from the table in core/node; the"
                    + " table's version is in target/node-state-machine.md: cp target/node-state-machine.md docs/");
        }
    }
}
