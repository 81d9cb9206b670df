package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ApiClient;
import io.pgpacer.config.ConfigException;
import io.pgpacer.core.resource.ResourceEdit;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.core.status.NodeStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pgpacer cluster start|stop [--all | NODE...]}: PostgreSQL and the VIPs on every node or on some, with the
 * agents left running so that the same command from any host brings them back. The whole cluster stops by disabling
 * {@code msPostgresql}, which keeps the recorded primary and its timeline for the next start (F12); single nodes stop
 * as {@code node standby} does, a primary handing over first. Both wait and report per node. And
 * {@code pgpacer cluster enable|disable [--all | NODE...]}: whether each node's agent starts at boot.
 */
final class ClusterStartStopCommands {

    private static final Duration POLL = Duration.ofMillis(250);

    private ClusterStartStopCommands() {
    }

    /** Which nodes a command acts on: {@code --all} or names, exactly one of the two. */
    static final class NodeChoice {

        @Option(names = "--all", description = "Every node of the cluster.")
        boolean all;

        @Parameters(paramLabel = "NODE", arity = "0..*", description = "The nodes (or --all).")
        List<String> nodes;

        boolean some() {
            return nodes != null && !nodes.isEmpty();
        }

        /** Prints why the choice is refused and returns true, when it is neither --all nor names, or both. */
        boolean refused(String command) {
            if (all != some()) {
                return false;
            }
            System.err.println("pgpacer " + command + ": give either --all or the nodes, e.g. 'pgpacer " + command
                    + " --all' or 'pgpacer " + command + " node2'");
            return true;
        }
    }

    /** What both verbs take: which nodes, and how long to wait for them. */
    abstract static class StartOrStop implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Mixin
        NodeChoice choice;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
                description = "How long to wait for the nodes (default ${DEFAULT-VALUE}).")
        int timeoutSeconds;

        abstract String verb();

        abstract void request(ApiClient api, ClusterStatus status);

        /** Whether {@code node} reached what the verb asked for, and how to say so. */
        abstract boolean reached(ClusterStatus status, NodeStatus node);

        abstract String describe(ClusterStatus status, NodeStatus node);

        @Override
        public Integer call() {
            String command = "cluster " + verb();
            if (choice.refused(command)) {
                return Main.BAD_INPUT;
            }
            if (OperatorWait.refusedTimeout(command, timeoutSeconds)) {
                return Main.BAD_INPUT;
            }
            try {
                ApiClient api = target.client();
                ClusterStatus before = api.status();
                List<String> dataNodes = before.nodes().stream().filter(n -> !n.witness()).map(NodeStatus::name)
                        .toList();
                if (choice.some()) {
                    List<String> unknown = choice.nodes.stream().filter(n -> !dataNodes.contains(n)).toList();
                    if (!unknown.isEmpty()) {
                        System.err.println("pgpacer " + command + ": unknown data node" + (unknown.size() > 1 ? "s "
                                : " ") + String.join(", ", unknown) + "; the data nodes are " + dataNodes
                                + "; nothing was changed");
                        return Main.BAD_INPUT;
                    }
                }
                List<String> chosen = choice.all ? dataNodes : choice.nodes;
                request(api, before);
                return await(api, command, chosen);
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed(command, e);
            }
        }

        private int await(ApiClient api, String command, List<String> chosen) {
            OperatorWait wait = OperatorWait.upTo(timeoutSeconds);
            ClusterStatus last = null;
            while (wait.lookAgain(POLL)) {
                try {
                    last = api.status();
                } catch (ApiClient.ApiException e) {
                    // why: an agent may be busy stopping or starting; the next look asks again.
                }
                ClusterStatus seen = last;
                if (seen != null && chosen.stream().allMatch(n -> reached(seen, node(seen, n)))) {
                    chosen.forEach(n -> System.out.println(n + ": " + describe(seen, node(seen, n))));
                    System.out.printf("%s: done in %.1f s%n", command, wait.elapsedSeconds());
                    return 0;
                }
            }
            ClusterStatus seen = last;
            System.err.println("pgpacer " + command + ": not done after " + timeoutSeconds + " s; see 'pgpacer status'");
            if (seen != null) {
                chosen.stream().filter(n -> !reached(seen, node(seen, n)))
                        .forEach(n -> System.err.println("  " + n + ": " + describe(seen, node(seen, n))));
            }
            return 1;
        }

        static NodeStatus node(ClusterStatus status, String name) {
            return status.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
        }

        static String state(NodeStatus node) {
            if (!node.online()) {
                return "agent offline";
            }
            String state = node.pgState().toLowerCase(java.util.Locale.ROOT);
            return node.upstream() == null || !node.pgState().equals("STANDBY") ? state
                    : state + " (" + node.dataStatus() + " from " + node.upstream() + ")";
        }
    }

    @Command(name = "stop", description = {"Stop PostgreSQL and the VIPs on NODE... or on every node (--all).",
            "A primary hands over to a standby first when other nodes stay up; --all stops the whole cluster and",
            "keeps the recorded primary and its timeline for the next start. The agents keep running, so",
            "'pgpacer cluster start' from any host brings the nodes back. Waits until they are stopped.",
            "pcs equivalent: 'pcs cluster stop [--all | NODE...]'."})
    static final class Stop extends StartOrStop {

        @Override
        String verb() {
            return "stop";
        }

        @Override
        void request(ApiClient api, ClusterStatus status) {
            if (choice.all) {
                api.changeResources(new ResourceEdit.SetMeta(ClusterStatus.POSTGRES_RESOURCE, false, null));
                return;
            }
            choice.nodes.forEach(n -> api.standby(n, true));
        }

        @Override
        boolean reached(ClusterStatus status, NodeStatus node) {
            return node.online() && (node.pgState().equals("STOPPED") || node.pgState().equals("NO_DATA"));
        }

        @Override
        String describe(ClusterStatus status, NodeStatus node) {
            String recorded = status.lastPromotion() != null && node.name().equals(status.lastPromotion().node())
                    && reached(status, node) ? "; the recorded primary, which the next start resumes" : "";
            return state(node) + recorded;
        }
    }

    @Command(name = "start", description = {"Start PostgreSQL and the VIPs again on NODE... or on every node (--all).",
            "Undoes 'pgpacer cluster stop' (and 'pgpacer node standby'): the recorded primary resumes its",
            "timeline and the others stream from it. Waits until each node runs as primary or streaming standby.",
            "pcs equivalent: 'pcs cluster start [--all | NODE...]'."})
    static final class Start extends StartOrStop {

        @Override
        String verb() {
            return "start";
        }

        @Override
        void request(ApiClient api, ClusterStatus status) {
            if (choice.all && !status.postgresMeta().enabled()) {
                api.changeResources(new ResourceEdit.SetMeta(ClusterStatus.POSTGRES_RESOURCE, true, null));
            }
            List<String> chosen = choice.all ? status.standby() : choice.nodes;
            chosen.stream().filter(status.standby()::contains).forEach(n -> api.standby(n, false));
        }

        @Override
        boolean reached(ClusterStatus status, NodeStatus node) {
            return node.online() && (status.masters().contains(node.name())
                    || (node.dataStatus().startsWith("STREAMING") && status.masters().contains(node.upstream())));
        }

        @Override
        String describe(ClusterStatus status, NodeStatus node) {
            return status.masters().contains(node.name()) ? "primary (timeline " + node.timeline() + ")" : state(node);
        }
    }

    /** Asks each chosen node's own agent to turn its service's start at boot on or off, and reports per node. */
    abstract static class Autostart implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Mixin
        NodeChoice choice;

        abstract boolean atBoot();

        @Override
        public Integer call() {
            String command = "cluster " + (atBoot() ? "enable" : "disable");
            if (choice.refused(command)) {
                return Main.BAD_INPUT;
            }
            List<String> chosen;
            List<ApiClient> agents;
            try {
                // Every node is resolved before any is asked: an unknown name changes nothing anywhere.
                chosen = choice.all ? target.nodeNames() : choice.nodes;
                agents = chosen.stream().map(target::clientOf).toList();
            } catch (ConfigException e) {
                return AgentTarget.failed(command, e);
            }
            int failed = 0;
            for (int i = 0; i < chosen.size(); i++) {
                try {
                    JsonNode answer = agents.get(i).call("POST", "/agent/autostart?state=" + (atBoot() ? "on" : "off"));
                    System.out.println(answer.path("message").asText());
                } catch (ApiClient.ApiException e) {
                    failed++;
                    String message = e.getMessage();
                    System.err.println(message.startsWith(chosen.get(i) + ": ") ? message
                            : chosen.get(i) + ": " + message);
                }
            }
            if (failed > 0) {
                System.err.println("pgpacer " + command + ": " + failed + " of " + chosen.size() + " nodes not changed;"
                        + " see above");
                return 1;
            }
            return 0;
        }
    }

    @Command(name = "enable", description = {"Start the agent of NODE... or of every node (--all) at boot.",
            "Runs 'systemctl enable pgpacer.service' on each host through its agent and reports per host.",
            "pcs equivalent: 'pcs cluster enable [--all | NODE...]'."})
    static final class Enable extends Autostart {

        @Override
        boolean atBoot() {
            return true;
        }
    }

    @Command(name = "disable", description = {"Do not start the agent of NODE... or of every node (--all) at boot.",
            "Runs 'systemctl disable pgpacer.service' on each host through its agent and reports per host.",
            "pcs equivalent: 'pcs cluster disable [--all | NODE...]'."})
    static final class Disable extends Autostart {

        @Override
        boolean atBoot() {
            return false;
        }
    }
}
