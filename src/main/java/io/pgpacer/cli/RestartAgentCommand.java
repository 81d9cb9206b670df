package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ApiClient;
import io.pgpacer.config.ConfigException;
import java.time.Duration;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pgpacer node restart-agent NODE}: a planned restart of one agent (a package upgrade) that keeps its
 * PostgreSQL serving. The primary hands its role over first by a switchover; then the node's own agent ends with
 * its PostgreSQL running as a standby, the service manager starts the new agent, and the new agent adopts that
 * PostgreSQL. Waits until the node reports again and says whether its PostgreSQL kept running.
 */
@Command(name = "restart-agent", description = {"Restart NODE's agent without stopping its PostgreSQL.",
        "For example after upgrading the package on NODE. If NODE is the primary, the primary role first moves to the best standby by",
        "a zero-loss switchover. The agent then ends with status 75, its PostgreSQL still running as a standby;",
        "systemd (pgpacer.service, Restart=on-failure) starts it again and the new agent adopts that PostgreSQL.",
        "Waits until NODE reports again."})
final class RestartAgentCommand implements java.util.concurrent.Callable<Integer> {

    private static final Duration POLL = Duration.ofMillis(200);
    /** Shorter: the restart's time is measured from the moment the old agent's API is gone. */
    private static final Duration GONE_POLL = Duration.ofMillis(50);
    private static final String COMMAND = "node restart-agent";

    @Mixin
    AgentTarget target;

    @Parameters(paramLabel = "NODE", description = "The node whose agent restarts.")
    String node;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "How long to wait for the switchover and for the new agent (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() {
        if (OperatorWait.refusedTimeout(COMMAND, timeoutSeconds)) {
            return Main.BAD_INPUT;
        }
        try {
            ApiClient cluster = target.client();
            ApiClient own = target.clientOf(node);
            OperatorWait wait = OperatorWait.upTo(timeoutSeconds);
            if (node.equals(cluster.cib().path("lease").path("holder").asText(null))) {
                System.out.println(node + " is the primary: switching over first, so that its PostgreSQL can keep"
                        + " running as a standby");
                int switched = SwitchoverCommand.run(cluster, null, null, null, true, timeoutSeconds);
                if (switched != 0) {
                    return switched;
                }
                if (await(cluster, wait, report -> "STANDBY".equals(report.path("pgState").asText())
                        && report.path("streaming").asBoolean()) == null) {
                    System.err.println("pgpacer " + COMMAND + ": " + node + " did not stream as a standby within "
                            + timeoutSeconds + " s after the switchover; its agent was not restarted. See 'pgpacer"
                            + " status'.");
                    return 1;
                }
            }
            double restartAskedAt = wait.elapsedSeconds();
            JsonNode answer = own.call("POST", "/agent/restart");
            System.out.println(answer.path("message").asText());
            long kept = answer.path("postmaster_pid").asLong();
            if (!awaitGone(own, wait)) {
                System.err.println("pgpacer " + COMMAND + ": " + node + "'s agent accepted the restart but still"
                        + " answers after " + timeoutSeconds + " s; see its log on " + node);
                return 1;
            }
            // Once the old agent's API is gone its loop has ended: a later report comes from the new agent.
            long lastOld = cluster.cib().path("reports").path(node).path("sequence").asLong();
            JsonNode report = await(cluster, wait, r -> r.path("sequence").asLong() > lastOld
                    && (kept == 0 || ("STANDBY".equals(r.path("pgState").asText()) && r.path("streaming").asBoolean())));
            if (report == null) {
                System.err.println("pgpacer " + COMMAND + ": " + node + "'s agent ended for its restart, but no new"
                        + " agent of " + node + " reported a streaming standby within " + timeoutSeconds + " s."
                        + " Under systemd, pgpacer.service starts it again by itself; otherwise start it on " + node
                        + " with 'systemctl start pgpacer'.");
                return 1;
            }
            long now = report.path("postmasterPid").asLong();
            double seconds = wait.elapsedSeconds() - restartAskedAt;
            if (kept != 0 && now != kept) {
                System.err.printf("pgpacer %s: %s's agent restarted in %.1f s, but its PostgreSQL did not keep"
                        + " running (postmaster %d before, %d now); see the agent's log on %s%n", COMMAND, node,
                        seconds, kept, now, node);
                return 1;
            }
            System.out.printf("%s: agent restarted in %.1f s%s%n", node, seconds, kept == 0 ? ""
                    : "; PostgreSQL kept running (postmaster " + kept + "), streaming from "
                            + report.path("upstream").asText());
            return 0;
        } catch (ConfigException | ApiClient.ApiException e) {
            return AgentTarget.failed(COMMAND, e);
        }
    }

    /** Whether NODE's own API stopped answering (its agent ended) before the deadline. */
    private static boolean awaitGone(ApiClient own, OperatorWait wait) {
        while (wait.lookAgain(GONE_POLL)) {
            try {
                own.call("GET", "/liveness");
            } catch (ApiClient.ApiException e) {
                if (e.status() == 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** NODE's report in the CIB once it satisfies {@code condition}, or null at the deadline or on Ctrl-C. */
    private JsonNode await(ApiClient cluster, OperatorWait wait, Predicate<JsonNode> condition) {
        while (wait.lookAgain(POLL)) {
            try {
                JsonNode report = cluster.cib().path("reports").path(node);
                if (!report.isMissingNode() && condition.test(report)) {
                    return report;
                }
            } catch (ApiClient.ApiException e) {
                // why: the agent asked first may be the one restarting; the next look tries the others.
            }
        }
        return null;
    }
}
