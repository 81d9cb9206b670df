package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.command.CibReducer;
import io.pgpacer.core.command.StoreCommand;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every class of bad {@code cib replace} document (also {@code cib edit} and POST /cib/config, which parse the same
 * way): refused as a whole with each problem naming its key or constraints and the fix; the parse yields no command,
 * so nothing can change.
 */
class CibDocumentBadInputTest {

    private static final List<NodeSpec> NODES = List.of(
            new NodeSpec("n1", "10.0.0.1", 8008, 7001, 5432, false),
            new NodeSpec("n2", "10.0.0.2", 8008, 7001, 5432, false));

    private final Cib cib = CibReducer.apply(Cib.EMPTY, new StoreCommand.InitializeCluster("pgc", NODES,
            new ClusterSettings(1, 3000, 3000, 30000))).cib();

    private static final String EXEC = "type: exec, params: {start: 'true', stop: 'true', monitor: 'true'}";

    // The queried document with three primitives a, b, c and the given constraint lines.
    private String document(String... constraints) {
        String queried = CibDocument.yaml(CibDocument.render(cib));
        String primitives = "  primitives:\n"
                + "  - {id: a, " + EXEC + "}\n"
                + "  - {id: b, " + EXEC + "}\n"
                + "  - {id: c, " + EXEC + "}\n";
        StringBuilder lines = new StringBuilder("constraints:\n");
        for (String c : constraints) {
            lines.append("- ").append(c).append('\n');
        }
        assertTrue(queried.contains("  primitives: []\n") && queried.contains("constraints: []\n"), queried);
        return queried.replace("  primitives: []\n", primitives).replace("constraints: []\n", lines.toString());
    }

    private List<String> problems(String document) {
        List<String> problems = assertThrows(CibDocument.InvalidDocumentException.class,
                () -> CibDocument.parse(document, cib)).problems();
        for (String p : problems) {
            assertEquals(1, p.lines().count(), p);
            assertFalse(p.contains("Exception") || p.contains("io.pgpacer"), "no internals: " + p);
        }
        return problems;
    }

    @Test
    void theBaseDocumentIsValid() {
        assertEquals(3, CibDocument.parse(document("order start a then start b"), cib).resources().primitives().size());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "order loop                | order start a then start b id=o1; order start b then start a id=o2 | 'start a then start b (id:o1)', 'start b then start a (id:o2)' form an order loop that can never be satisfied; remove one of them",
        "order loop of three       | order start a then start b id=o1; order start b then start c id=o2; order start c then start a id=o3 | (id:o1)', 'start b then start c (id:o2)', 'start c then start a (id:o3)' form an order loop",
        "order loop of stops       | order stop a then stop b id=o1; order stop b then stop a id=o2 | 'stop a then stop b (id:o1)', 'stop b then stop a (id:o2)' form an order loop",
        "mixed actions loop        | order stop a then start b id=o1; order start b then stop a id=o2 | form an order loop that can never be satisfied",
        "colocation loop           | colocation a with b id=c1; colocation b with a id=c2 | 'a with b (score:INFINITY) (id:c1)', 'b with a (score:INFINITY) (id:c2)' form a loop of colocations and start orders",
        "colocation and order loop | colocation a with b id=c1; order start a then start b id=o1 | 'a with b (score:INFINITY) (id:c1)', 'start a then start b (id:o1)' form a loop of colocations and start orders; each resource would have to be placed after the other; remove one of them",
        "colocated with itself     | colocation a with a id=c1 | constraint 'c1': a resource cannot be colocated with itself",
    })
    void constraintsThatCannotBeSatisfiedAreRefusedNamingThem(String title, String constraints, String expected) {
        List<String> problems = problems(document(constraints.split("; ")));
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected.replace("; each", ": each"))),
                "expected '" + expected + "' in " + problems);
    }

    @Test
    void aLoopFreeChainIsAccepted() {
        CibDocument.parse(document("order start a then start b", "order start b then start c",
                "colocation c with b", "order stop c then stop a"), cib);
    }

    @Test
    void aGroupMemberCannotBeConstrainedAgainstItsOwnGroup() {
        String doc = document("order start g then start a id=o1").replace("  groups: []\n",
                "  groups:\n  - {id: g, members: [a]}\n");
        assertTrue(problems(doc).stream().anyMatch(p -> p.contains("constraint 'o1' names 'a', a member of group 'g';"
                + " constrain the group instead")), problems(doc).toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "duplicate top-level key  | epoch: 1\\nepoch: 2\\n                  | the document key 'epoch' is given twice at line 4; give each key once",
        "duplicate property       | properties:\\n  failsafe: true\\n  failsafe: false\\n | key 'properties.failsafe' is given twice",
        "second document          | ---\\nproperties: {failsafe: true}\\n       | a second document begins at line",
        "failure-timeout too long | properties: {failure-timeout: 100000h}\\n | key 'properties.failure-timeout': 100000h is too long; use at most 720h",
        "threshold too large      | properties: {migration-threshold: 5000000}\\n | key 'properties.migration-threshold': expected a whole number from 1 to 1000000",
        "missing resource id      | resources:\\n  primitives:\\n  - {type: exec, params: {start: x, stop: x, monitor: x}}\\n | key 'resources.primitives[0].id' is missing: give each resource and group an id",
        "monitor interval absurd  | resources:\\n  primitives:\\n  - {id: a, type: exec, params: {start: x, stop: x, monitor: x}, operations: ['monitor interval=99999h timeout=10s on-fail=restart']}\\n | resource 'a' operation 'monitor': interval 99999h is too long; use at most 24h",
        "migration-threshold text | resources:\\n  primitives:\\n  - {id: a, type: exec, params: {start: x, stop: x, monitor: x}, migration-threshold: lots}\\n | key 'resources.primitives[0].migration-threshold': expected a whole number, got 'lots'",
    })
    void badDocumentsAreRefusedNamingTheKey(String title, String addition, String expected) {
        String queried = CibDocument.yaml(CibDocument.render(cib));
        String text = addition.replace("\\n", "\n");
        String doc = text.startsWith("epoch") ? queried.replaceFirst("epoch: \\d+\n", text)
                : text.startsWith("properties") ? queried.replaceFirst("(?s)properties:\n(  .*?\n)+", text)
                : text.startsWith("resources") ? queried.replaceFirst("(?s)resources:\n(  .*?\n)+", text)
                : queried + text;
        List<String> problems = problems(doc);
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)), "expected '" + expected + "' in "
                + problems + " for:\n" + doc);
    }

    @Test
    void quotedNumbersAndBooleansReadAsWhatTheySay() {
        String queried = CibDocument.yaml(CibDocument.render(cib));
        String quoted = queried.replaceFirst("epoch: (\\d+)\n", "epoch: \"$1\"\n").replace("api-port: 8008", "api-port: \"8008\"")
                .replace("failsafe: false", "failsafe: \"true\"");
        assertEquals(List.of("property failsafe: false -> true"), CibDocument.diff(cib, CibDocument.parse(quoted,
                cib)));
    }

    @Test
    void aDeeplyNestedDocumentIsRefusedInOurWords() {
        assertEquals(List.of("the document is nested deeper or holds longer values than a configuration ever needs;"
                + " check that this is the right file"), problems("epoch: " + "[".repeat(5000) + "]".repeat(5000)));
    }

    @Test
    void anOversizedDocumentIsRefusedBeforeItIsParsed() {
        List<String> problems = problems("epoch: 2\n#" + "x".repeat(2 << 20));
        assertEquals(List.of("the document is larger than 1 MiB, more than a CIB configuration ever needs; send what"
                + " 'pgpacer cib query' wrote"), problems);
    }
}
