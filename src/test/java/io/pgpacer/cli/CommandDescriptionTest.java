package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A parent's {@code --help} lists each command with the first line of its description only, so that line must be
 * one complete short sentence: the details belong on the lines after it.
 */
class CommandDescriptionTest {

    /** Long enough for a sentence, short enough that the list shows it in at most two rows. */
    private static final int SHORT = 80;

    @Test
    void everyCommandStartsItsDescriptionWithOneCompleteShortSentence() {
        List<String> problems = new ArrayList<>();
        List<CommandLine> commands = everyCommand(Main.commandLine());
        for (CommandLine command : commands) {
            String name = command.getCommandSpec().qualifiedName();
            String[] description = command.getCommandSpec().usageMessage().description();
            String first = description.length == 0 ? "" : description[0];
            problem(first).ifPresent(p -> problems.add(name + ": " + p + ": \"" + first + "\""));
        }
        assertTrue(commands.size() > 40, "walked only " + commands.size() + " commands");
        assertEquals(List.of(), problems);
    }

    @Test
    void theCheckFindsACutSentence() {
        assertEquals("does not end with '.'",
                problem("Run this host's agent: a member of the Raft store, the controller when").orElseThrow());
        assertEquals("is cut inside parentheses", problem("Start a cluster (real PostgreSQL, real.").orElseThrow());
        assertEquals("is cut inside quotes", problem("Run 'pgpacer status.").orElseThrow());
        assertEquals("ends on an abbreviation", problem("Change its operations, e.g.").orElseThrow());
        assertEquals("does not start with a capital letter", problem("cluster name, nodes.").orElseThrow());
        assertTrue(problem("Show the cluster's nodes, roles, attributes and failed actions.").isEmpty());
        assertTrue(problem("Remove a constraint by its id ('constraint list' shows the ids).").isEmpty());
    }

    @Test
    void writtenLinesBecomeParagraphsThatTheHelpWrapsOnce() {
        assertEquals(List.of("Start a cluster.", "Real PostgreSQL on loopback ports. It prints the status.",
                        "Ctrl-C stops it.", "pcs equivalent: none."),
                List.of(Main.paragraphs(new String[] {"Start a cluster.", "Real PostgreSQL on loopback", "ports. It prints",
                        "the status.", "Ctrl-C stops it.", "pcs equivalent: none."})));
        assertEquals(List.of("Add a constraint.", "  colocation A with B", "  order A then B", "Append id=ID:",
                        "Example: x"),
                List.of(Main.paragraphs(new String[] {"Add a constraint.", "  colocation A with B", "  order A then B",
                        "Append id=ID:", "Example: x"})));
    }

    private static java.util.Optional<String> problem(String line) {
        String sentence = line.strip();
        if (sentence.isEmpty()) {
            return java.util.Optional.of("has no description");
        }
        if (!Character.isUpperCase(sentence.charAt(0))) {
            return java.util.Optional.of("does not start with a capital letter");
        }
        if (!sentence.endsWith(".")) {
            return java.util.Optional.of("does not end with '.'");
        }
        if (sentence.endsWith("e.g.") || sentence.endsWith("i.e.") || sentence.endsWith("etc.")) {
            return java.util.Optional.of("ends on an abbreviation");
        }
        if (count(sentence, '(') != count(sentence, ')')) {
            return java.util.Optional.of("is cut inside parentheses");
        }
        // An apostrophe inside a word (host's) is no quote.
        if (sentence.replaceAll("(?<=\\p{L})'(?=\\p{L})", "").chars().filter(c -> c == '\'').count() % 2 != 0) {
            return java.util.Optional.of("is cut inside quotes");
        }
        if (sentence.length() > SHORT) {
            return java.util.Optional.of("is longer than " + SHORT + " characters");
        }
        return java.util.Optional.empty();
    }

    private static long count(String text, char c) {
        return text.chars().filter(x -> x == c).count();
    }

    // Every command once, aliases included only by their main name.
    private static List<CommandLine> everyCommand(CommandLine root) {
        Set<CommandLine> seen = new LinkedHashSet<>();
        List<CommandLine> pending = new ArrayList<>(List.of(root));
        while (!pending.isEmpty()) {
            CommandLine command = pending.remove(0);
            if (seen.add(command)) {
                pending.addAll(command.getSubcommands().values());
            }
        }
        return List.copyOf(seen);
    }
}
