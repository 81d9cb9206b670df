package io.pgpacer.core.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpacer.replay.DecisionFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The scheduler's specification, in Pacemaker's {@code cts/scheduler} style: each
 * {@code src/test/resources/scheduler/NAME.yaml} holds a cluster state ({@link DecisionFile}'s format) and the
 * explanation the scheduler must give for it ({@code expected:}: the plan's steps with their reasons, its notes, and
 * the status line when nobody is promoted). Every plan must also keep {@link PlanInvariants}. INDEX.md lists every
 * scenario, one line each, and says what the dialect's keys mean. {@code -Dscheduler.update=true} rewrites every
 * {@code expected:} from the scheduler's answer; review the diff.
 */
class SchedulerGoldenTest {

    private static final Path DIR = Path.of("src/test/resources/scheduler");
    private static final Pattern INDEX_LINE = Pattern.compile("^- `([a-z0-9-]+)`: .+$", Pattern.MULTILINE);

    static Stream<String> scenarios() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted()
                    .map(n -> n.substring(0, n.length() - ".yaml".length())).toList().stream();
        }
    }

    @Test
    void thereAreEnoughScenarios() throws IOException {
        assertTrue(scenarios().count() >= 120, "the golden scenarios are the scheduler's specification");
    }

    @Test
    void theIndexListsExactlyTheScenariosPresent() throws IOException {
        String index = Files.readString(DIR.resolve("INDEX.md"), StandardCharsets.UTF_8);
        List<String> listed = new ArrayList<>();
        Matcher m = INDEX_LINE.matcher(index);
        while (m.find()) {
            listed.add(m.group(1));
        }
        List<String> present = scenarios().toList();
        List<String> missing = present.stream().filter(n -> !listed.contains(n)).toList();
        List<String> stale = listed.stream().filter(n -> !present.contains(n)).toList();
        List<String> twice = listed.stream().filter(n -> listed.indexOf(n) != listed.lastIndexOf(n)).distinct()
                .toList();
        assertEquals(List.of(), missing, "scenarios INDEX.md does not list");
        assertEquals(List.of(), stale, "INDEX.md lines without a scenario file");
        assertEquals(List.of(), twice, "scenarios INDEX.md lists twice");
    }

    /** The snapshot of an inline scenario (other planner tests write theirs in the same words, without a format). */
    static ClusterSnapshot snapshot(JsonNode doc) {
        ObjectNode versioned = ((ObjectNode) doc.deepCopy()).put("format", DecisionFile.FORMAT);
        return DecisionFile.read(versioned).snapshot();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void scenario(String name) throws IOException {
        Path file = DIR.resolve(name + ".yaml");
        String text = Files.readString(file, StandardCharsets.UTF_8);
        DecisionFile.Decision decision = DecisionFile.read(text);
        Plan plan = Scheduler.decide(decision.snapshot());
        String actual = plan.explain();
        if (Boolean.getBoolean("scheduler.update")) {
            int at = text.indexOf("\nexpected:");
            String head = at < 0 ? text.stripTrailing() : text.substring(0, at);
            Files.writeString(file, head + "\nexpected: |\n" + actual.lines().map(l -> "  " + l + "\n")
                    .reduce("", String::concat), StandardCharsets.UTF_8);
            return;
        }
        assertTrue(decision.description() != null, name + ": every scenario says what it shows");
        assertEquals(decision.expected(), actual, name + ": " + decision.description());
        assertEquals(List.of(), PlanInvariants.check(decision.snapshot(), plan), name + ": the plan breaks a rule");
    }
}
