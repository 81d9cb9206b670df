package io.pgpacer.postgres.local;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A stand-in for the agent, run in its own JVM by {@link PostmasterDiesWithAgentTest}: starts the
 * postmaster of an initialized node, prints its pid, then waits to be killed.
 * Arguments: test root directory, node name, port.
 */
public final class StartAndWait {
    private StartAndWait() {
    }

    public static void main(String[] args) throws IOException {
        LocalPostgresInstance instance = new LocalPostgresInstance(
                TestNodes.settings(Path.of(args[0]), args[1], Integer.parseInt(args[2]), Map.of("fsync", "off")),
                TestNodes.binaries(), TestNodes.START_TIMEOUT, TestNodes.START_TIMEOUT);
        instance.configure(null);
        instance.start();
        System.out.println("postmaster-pid=" + instance.pid());
        System.out.flush();
        // Block until the parent closes our stdin; the test kills us with SIGKILL long before that.
        while (System.in.read() != -1) {
            continue;
        }
    }
}
