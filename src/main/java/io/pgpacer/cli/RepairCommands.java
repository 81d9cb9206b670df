package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ApiClient;
import io.pgpacer.config.ConfigException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pgpacer repair NODE}, {@code pgpacer rebuild NODE} and {@code pgpacer recover-master}: the operator's ways back
 * for a node whose data cannot simply stream from the primary, and for a cluster where no node can become primary.
 */
final class RepairCommands {

    private static final Duration POLL = Duration.ofMillis(250);

    private RepairCommands() {
    }

    /** A request about one standby that its agent carries out; it can wait until the standby streams again. */
    abstract static class StandbyRequest implements Callable<Integer> {
        @Mixin
        AgentTarget target;

        @Parameters(paramLabel = "NODE", description = "The standby.")
        String node;

        @Option(names = "--wait", description = "Wait until NODE streams from the primary again.")
        boolean wait;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
                description = "How long --wait waits (default ${DEFAULT-VALUE}).")
        int timeoutSeconds;

        abstract String command();

        abstract JsonNode send(ApiClient api);

        @Override
        public Integer call() {
            try {
                ApiClient api = target.client();
                JsonNode result = send(api);
                AgentTarget.printApplied(result);
                return wait ? awaitStreaming(command(), api, node, timeoutSeconds) : 0;
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed(command(), e);
            }
        }
    }

    @Command(name = "repair", description = {"Rewind NODE onto the primary with pg_rewind and restart it as its standby.",
            "For a node that reports DIVERGED (its WAL went past the point where its timeline was forked,",
            "typically an old primary that crashed). Its agent carries it out; its commits that the primary lacks",
            "are discarded, which is what makes it follow the primary again. Refused for the primary itself.",
            "pcs equivalent: none; the reference's 'cls_repair_by_pg_rewind'."})
    static final class Repair extends StandbyRequest {
        @Override
        String command() {
            return "repair";
        }

        @Override
        JsonNode send(ApiClient api) {
            return api.repair(node);
        }
    }

    @Command(name = "rebuild", description = {"Replace NODE's data with a new copy of the primary (pg_basebackup).",
            "NODE then restarts as its standby. The old data directory is kept next to the new one, renamed",
            "DATADIR.pgpacer-old-TIME, unless --discard-old (then it is deleted once the copy succeeded).",
            "Also the way to re-clone a node whose data directory was lost: pgpacer never re-clones it on its own.",
            "pcs equivalent: none; the reference's 'cls_rebuild_slave'."})
    static final class Rebuild extends StandbyRequest {
        @Option(names = "--discard-old", description = "Delete the old data directory once the new copy runs.")
        boolean discardOld;

        @Override
        String command() {
            return "rebuild";
        }

        @Override
        JsonNode send(ApiClient api) {
            return api.rebuild(node, discardOld);
        }
    }

    @Command(name = "recover-master", description = {"Emergency: make the online node with the most advanced WAL the primary.",
            "It clears the recorded primary and promotes that node (or --node), as at the cluster's first start.",
            "For a cluster in which no node can become primary (see the failed actions in 'pgpacer status');",
            "refused while a primary holds the lease. Commits that only the lost primary had are lost.",
            "pcs equivalent: none; the reference's 'cls_reset_master'."})
    static final class RecoverMaster implements Callable<Integer> {
        @Mixin
        AgentTarget target;

        @Option(names = "--yes-i-know", description = "Required: you accept that commits only the lost primary had"
                + " are lost.")
        boolean confirmed;

        @Option(names = "--node", paramLabel = "NODE", description = "The node to make primary (default: the online"
                + " node with the most advanced WAL).")
        String node;

        @Override
        public Integer call() {
            if (!confirmed) {
                System.err.println("pgpacer recover-master: this clears the recorded primary and makes "
                        + (node == null ? "the node with the most advanced WAL" : node) + " the primary; commits only"
                        + " the lost primary had are lost. Repeat with --yes-i-know if that is what you want");
                return Main.BAD_INPUT;
            }
            try {
                JsonNode result = target.client().recoverMaster(node, true);
                AgentTarget.printApplied(result);
                return 0;
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed("recover-master", e);
            }
        }
    }

    // Done when the request left NODE's goal and NODE streams from the primary.
    private static int awaitStreaming(String command, ApiClient api, String node, int timeoutSeconds) {
        OperatorWait wait = OperatorWait.upTo(timeoutSeconds);
        String lastActivity = null;
        while (wait.lookAgain(POLL)) {
            JsonNode cib = api.cib();
            JsonNode report = cib.path("reports").path(node);
            String primary = cib.path("lease").path("holder").asText(null);
            String activity = report.path("activity").asText(null);
            if (activity != null && !activity.equals(lastActivity)) {
                System.out.println(node + ": " + activity);
                lastActivity = activity;
            }
            if (cib.path("goals").path(node).path("repair").isNull() && report.path("streaming").asBoolean()
                    && primary != null && primary.equals(report.path("upstream").asText(null))) {
                System.out.printf("%s streams from %s again, %.1f s after the request%n", node, primary,
                        wait.elapsedSeconds());
                return 0;
            }
        }
        if (wait.interrupted()) {
            return 1;
        }
        System.err.println("pgpacer " + command + ": " + node + " does not stream yet after " + timeoutSeconds
                + " s; see 'pgpacer status'");
        return 1;
    }
}
