package io.pgpacer.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pgpacer.api.CibDocument;
import io.pgpacer.api.JsonBody;
import io.pgpacer.config.ConfigException;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.command.CibReducer;
import io.pgpacer.core.command.Outcome;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.resource.ResourceEdit;
import io.pgpacer.core.resource.ResourceEdits;
import io.pgpacer.core.resource.ResourceFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Coverage-guided fuzzing (Jazzer) of every parser that takes an operator's or a client's text: the agent's
 * configuration file, a {@code cib replace} document, and the API bodies of {@code POST /resources} and
 * {@code POST /properties}. A target passes when the parser returns a value or refuses the input with the project's
 * own typed bad-input exception (the one its caller turns into one sentence, exit 2 or a 4xx); any other exception,
 * an OutOfMemoryError or a hang is a finding. {@code mvn test} replays the corpus in
 * {@code src/test/resources/io/pgpacer/fuzz/ParserFuzzTestInputs/<target>/}; the {@code fuzz} executions of the
 * build fuzz each target for a bounded time (see pom.xml).
 */
class ParserFuzzTest {

    private static final Path CONFIG_FILE = Path.of("/etc/pgpacer/pgpacer.yaml");
    private static final List<NodeSpec> NODES = List.of(
            new NodeSpec("node1", "127.0.0.1", 8008, 7400, 5432, false),
            new NodeSpec("node2", "127.0.0.2", 8008, 7400, 5432, false),
            new NodeSpec("node3", "127.0.0.3", 8008, 7400, 5432, false));
    private static final List<String> DATA_NODES = List.of("node1", "node2", "node3");
    /** The CIB a document or a body is checked against: three nodes and resources of every kind. */
    private static final Cib CURRENT = CibReducer.apply(Cib.EMPTY, new StoreCommand.InitializeCluster("pgcluster",
            NODES, new ClusterSettings(1, 3_000, 3_000, 30_000), ResourceFixtures.sample())).cib();

    /** The agent's YAML configuration file: an AgentConfig, or ConfigException (exit 2 with its sentence). */
    @FuzzTest(maxDuration = "12s")
    void configFile(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        try {
            ConfigLoader.parse(CONFIG_FILE, text, null);
        } catch (ConfigException refused) {
            requireSentence(refused);
        }
    }

    /**
     * A {@code cib replace} document (YAML or JSON) checked against the current CIB: a replacement, or
     * InvalidDocumentException; a replacement must then be applied or refused by the reducer, never throw there.
     */
    @FuzzTest(maxDuration = "12s")
    void cibReplaceDocument(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        StoreCommand.ReplaceConfiguration replacement;
        try {
            replacement = CibDocument.parse(text, CURRENT);
        } catch (CibDocument.InvalidDocumentException refused) {
            requireSentence(refused);
            return;
        }
        CibDocument.diff(CURRENT, replacement);
        CibReducer.apply(CURRENT, replacement);
    }

    /**
     * The body of {@code POST /resources}, read as the API reads it (JsonBody: strict, our sentences) and applied to the current
     * resources as the API applies it: a JSON error or IllegalArgumentException is a 400; nothing else may escape.
     */
    @FuzzTest(maxDuration = "12s")
    void resourceEditBody(byte[] input) {
        ResourceEdit edit;
        try {
            edit = JsonBody.resourceEdit(input);
        } catch (JsonBody.InvalidBodyException refused) {
            requireSentence(refused);
            return;
        }
        try {
            edit.names();
            ResourceEdits.apply(CURRENT.resources(), edit, DATA_NODES);
        } catch (IllegalArgumentException refused) {
            requireSentence(refused);
        }
    }

    /**
     * The body of {@code POST /properties}, a JSON object of property names to values (null: the default), as the
     * API reads it, then the reducer's SetProperties: applied, or refused with a sentence; nothing may escape.
     */
    @FuzzTest(maxDuration = "12s")
    void propertiesBody(byte[] input) {
        Map<String, String> values;
        try {
            values = JsonBody.properties(input);
        } catch (JsonBody.InvalidBodyException refused) {
            requireSentence(refused);
            return;
        }
        Outcome outcome = CibReducer.apply(CURRENT, new StoreCommand.SetProperties(values));
        if (!outcome.result().applied() && outcome.result().message().isBlank()) {
            throw new AssertionError("a refusal without a reason for " + values);
        }
    }

    // A refusal is one sentence for the operator, never an empty or missing message.
    private static void requireSentence(Exception refused) {
        String message = refused.getMessage();
        if (message == null || message.isBlank()) {
            throw new AssertionError("a refusal without a message", refused);
        }
    }
}
