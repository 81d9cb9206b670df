package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.model.Hint;
import io.pgpacer.core.resource.PostgresClone;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Every hint pgpacer prints is a command that works as printed (issue 15.4): each {@link Hint} rendering is parsed by
 * the real command line, and its names must land where they mean something (a node in {@code --node}, not in the
 * RESOURCE argument); every other {@code 'pgpacer ...'} or {@code (pgpacer ...)} hint in the sources must parse too.
 */
class HintCommandLineTest {

    /** A rendered hint, the command it must reach, and the values its options and arguments must hold. */
    private record Row(String hint, String command, Map<String, String> options, List<String> arguments) {
    }

    private static final String NODE = "node1";
    private static final String RESOURCE = "pgbouncer";

    private static List<Row> table() {
        return List.of(
                new Row(Hint.cleanupNode(NODE), "cleanup", Map.of("--node", NODE), List.of()),
                new Row(Hint.cleanupResource(RESOURCE), "cleanup", Map.of(), List.of(RESOURCE)),
                new Row(Hint.cleanupResourceOn(RESOURCE, NODE), "cleanup", Map.of("--node", NODE), List.of(RESOURCE)),
                new Row(Hint.repair(NODE), "repair", Map.of(), List.of(NODE)),
                new Row(Hint.rebuild(NODE), "rebuild", Map.of(), List.of(NODE)),
                new Row(Hint.unstandby(NODE), "unstandby", Map.of(), List.of(NODE)),
                new Row(Hint.unmaintenance(NODE), "unmaintenance", Map.of(), List.of(NODE)),
                new Row(Hint.clusterResume(), "resume", Map.of(), List.of()),
                new Row(Hint.clear(PostgresClone.ID, NODE), "clear", Map.of(), List.of(PostgresClone.ID, NODE)),
                new Row(Hint.clear(RESOURCE), "clear", Map.of(), List.of(RESOURCE)),
                new Row(Hint.enable(PostgresClone.ID), "enable", Map.of(), List.of(PostgresClone.ID)),
                new Row(Hint.manage(PostgresClone.ID), "manage", Map.of(), List.of(PostgresClone.ID)),
                new Row(Hint.ban(PostgresClone.ID, NODE), "ban", Map.of(), List.of(PostgresClone.ID, NODE)),
                new Row(Hint.forcePromote(NODE), "force-promote", Map.of("--accept-data-loss", "true"),
                        List.of(NODE)),
                new Row(Hint.switchoverTo(NODE), "switchover", Map.of("--to", NODE), List.of()),
                new Row(Hint.switchover(), "switchover", Map.of(), List.of()),
                new Row(Hint.switchoverCancel(), "switchover", Map.of("--cancel", "true"), List.of()),
                new Row(Hint.restartAgent(NODE), "restart-agent", Map.of(), List.of(NODE)),
                new Row(Hint.status(), "status", Map.of(), List.of()),
                new Row(Hint.cibQuery(), "query", Map.of(), List.of()),
                new Row(Hint.cibReplace("cib.yaml"), "replace", Map.of(), List.of("cib.yaml")),
                new Row(Hint.recoverMaster(), "recover-master", Map.of("--yes-i-know", "true"), List.of()));
    }

    @Test
    void everyRenderedHintParsesAndPutsEachNameWhereItMeansSomething() {
        for (Row row : table()) {
            ParseResult leaf = leaf(parse(row.hint()));
            assertEquals(row.command(), leaf.commandSpec().name(), row.hint());
            for (Map.Entry<String, String> option : row.options().entrySet()) {
                assertTrue(leaf.hasMatchedOption(option.getKey()), row.hint() + ": " + option.getKey());
                assertEquals(option.getValue(), String.valueOf(leaf.matchedOptionValue(option.getKey(), (Object) null)),
                        row.hint() + ": " + option.getKey());
            }
            List<String> arguments = leaf.matchedPositionals().stream().flatMap(p -> p.stringValues().stream())
                    .toList();
            assertEquals(row.arguments(), arguments, row.hint() + ": its arguments");
        }
    }

    // A hint in any source file, written as text: 'pgpacer ...' or (pgpacer ...), with a concatenated value taken
    // as a name. Catches wrong syntax (an unknown command or option); the table above checks the meaning.
    @Test
    void everyHintWrittenInTheSourcesParses() throws IOException {
        Pattern quoted = Pattern.compile("'(pgpacer [a-z][^']*)'|\\((pgpacer [a-z][^)(]*)\\)");
        List<String> found = new ArrayList<>();
        List<String> broken = new ArrayList<>();
        List<String> named = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file, StandardCharsets.UTF_8)
                        // a value concatenated into a literal: "...repair " + node + "'..." reads as a name
                        .replaceAll("\"\\s*\\+\\s*[A-Za-z_][\\w.()]*\\s*\\+\\s*\"", NODE)
                        // a literal continued on the next line: "... (pgpacer node" + "\n" + " unstandby ..."
                        .replaceAll("\"\\s*\\n\\s*\\+\\s*\"", "");
                Matcher m = quoted.matcher(source);
                while (m.find()) {
                    String hint = m.group(1) != null ? m.group(1) : m.group(2);
                    if (hint.contains("\"") || hint.contains("{@")) {
                        continue; // a Javadoc reference or a fragment the concatenation above could not join
                    }
                    found.add(hint);
                    try {
                        ParseResult parsed = parse(hint);
                        if (!leaf(parsed).unmatched().isEmpty()) {
                            broken.add(file.getFileName() + ": '" + hint + "': unmatched " + leaf(parsed).unmatched());
                        }
                    } catch (CommandLine.MissingParameterException e) {
                        named.add(hint); // a command named, not a hint to run: "as 'pgpacer cib query' wrote it"
                    } catch (CommandLine.UnmatchedArgumentException e) {
                        if (e.getUnmatched().size() < hint.split(" ").length - 1) {
                            broken.add(file.getFileName() + ": '" + hint + "': " + e.getMessage());
                        } // else prose that begins with the word pgpacer: "(pgpacer may not act then; ...)"
                    } catch (CommandLine.ParameterException e) {
                        broken.add(file.getFileName() + ": '" + hint + "': " + e.getMessage());
                    }
                }
            }
        }
        System.out.println("hints found in the sources: " + found.size() + ", of which command names only: " + named);
        assertTrue(found.size() >= 20, "the scan finds the hints: " + found);
        assertEquals(List.of(), broken, "hints that do not work as printed");
    }

    private static ParseResult parse(String hint) {
        String[] words = hint.split(" ");
        assertEquals("pgpacer", words[0], hint);
        return Main.commandLine().parseArgs(java.util.Arrays.copyOfRange(words, 1, words.length));
    }

    private static ParseResult leaf(ParseResult parsed) {
        ParseResult last = parsed;
        while (last.hasSubcommand()) {
            last = last.subcommand();
        }
        return last;
    }
}
