package io.pgpacer.testkit.lab;

import io.pgpacer.cli.LoopbackCluster;
import java.util.ArrayList;
import java.util.List;

/** Command lines for helper JVMs that the lab starts inside its hosts: this JVM's java and class path. */
final class TestJvm {

    private TestJvm() {
    }

    /** Runs {@code main} with the agents' small-heap options, this JVM's class path and {@code args}. */
    static List<String> command(Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(LoopbackCluster.AGENT_JVM_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }
}
