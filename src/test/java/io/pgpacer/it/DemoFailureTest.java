package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pgpacer.cli.LoopbackCluster;
import io.pgpacer.testkit.Eventually;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A demo that cannot become healthy says why in one sentence, with the command that starts it again. */
class DemoFailureTest {

    @Test
    void anAgentThatCannotStartIsNamedWithItsReasonAndTheDemoStopsTheOthers() throws Exception {
        Path dir = Path.of("target", "it", "demo-failure-" + UUID.randomUUID().toString().substring(0, 8))
                .toAbsolutePath();
        LoopbackCluster configured = LoopbackCluster.in(dir, 3, "timings: {bootstrap-wait: 20s}\n");
        JsonNode node2 = new ObjectMapper(new YAMLFactory()).readTree(configured.config().toFile()).path("nodes").get(1);
        int apiPort = node2.path("api-port").asInt();
        Path launcher = DemoProcess.launcher(dir);
        // Another program holds node2's API port, as after a crash that left something listening.
        try (ServerSocket squatter = new ServerSocket(apiPort, 1, InetAddress.getByName("127.0.0.1"));
             DemoProcess demo = DemoProcess.start(launcher, dir, "failing", Duration.ofSeconds(240))) {
            assertTrue(squatter.isBound());
            int exit = demo.awaitExit(Duration.ofSeconds(240));
            String out = demo.output();
            System.out.println("demo with node2's API port taken (exit " + exit + "):\n" + out);
            assertEquals(1, exit, out);
            List<String> said = out.lines().filter(l -> l.startsWith("pgpacer demo: node2")).toList();
            assertEquals(1, said.size(), "one line says why: " + out);
            String why = said.get(0);
            assertTrue(why.startsWith("pgpacer demo: node2's agent exited with status "), why);
            assertTrue(why.contains("cannot listen on 127.0.0.1:" + apiPort + " for the API"), "the agent's own words: "
                    + why);
            assertTrue(why.endsWith("; fix that, then start the demo again: " + launcher + " demo --dir " + dir), why);
            assertFalse(out.contains("Exception") || out.contains("\tat "), "no stack trace: " + out);
            assertTrue(out.contains("pgpacer demo: stopped;"), "the demo stopped the agents it started: " + out);
        }
        Eventually.await("no agent or PostgreSQL of the demo's directory left", Duration.ofSeconds(30),
                () -> ProcessHandle.allProcesses().filter(p -> p.info().arguments()
                        .map(a -> String.join(" ", a).contains(dir.toString())).orElse(false)).map(ProcessHandle::pid)
                        .toList(), List::isEmpty);
        assertTrue(Files.exists(dir.resolve("node2.log")));
    }
}
