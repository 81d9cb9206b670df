package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ApiClient;
import io.pgpacer.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code pgpacer property list|set|unset}: the cluster properties stored in the CIB. */
@Command(name = "property", description = {"Show or change the cluster properties, stored in the CIB.",
        "They are the same on every node: no-quorum-policy, migration-threshold, failure-timeout, write-probe-timeout, write-probe-failure, maintenance-mode, failsafe, auto-rewind.",
        "pcs equivalent: 'pcs property ...'."},
        subcommands = {PropertyCommand.ListProperties.class, PropertyCommand.Set.class, PropertyCommand.Unset.class})
final class PropertyCommand {

    @Command(name = "list", description = {"Print every cluster property and its value.",
            "pcs equivalent: 'pcs property list --all'."})
    static final class ListProperties implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @CommandLine.Option(names = "--verbose", description = "Also print each property's default, accepted"
                + " values and meaning.")
        boolean verbose;

        @Override
        public Integer call() {
            try {
                System.out.print(render(target.client().properties(), verbose));
                return 0;
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed("property list", e);
            }
        }
    }

    @Command(name = "set", description = {"Set one or more properties, all or none.",
            "A bad name or value changes nothing and says what is accepted.", "pcs equivalent: 'pcs property set NAME=VALUE ...'."})
    static final class Set implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(arity = "1..*", paramLabel = "NAME=VALUE", description = "e.g. migration-threshold=3")
        List<String> assignments;

        @Override
        public Integer call() {
            Map<String, String> values = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            for (String a : assignments) {
                int eq = a.indexOf('=');
                if (eq <= 0) {
                    problems.add("expected NAME=VALUE, got '" + a + "'");
                } else {
                    values.put(a.substring(0, eq).trim(), a.substring(eq + 1).trim());
                }
            }
            if (!problems.isEmpty()) {
                System.err.println("pgpacer property set: " + String.join("; ", problems));
                return Main.BAD_INPUT;
            }
            return send(target, "property set", values);
        }
    }

    @Command(name = "unset", description = {"Return one or more properties to their defaults.",
            "pcs equivalent: 'pcs property unset NAME'."})
    static final class Unset implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(arity = "1..*", paramLabel = "NAME")
        List<String> names;

        @Override
        public Integer call() {
            Map<String, String> values = new LinkedHashMap<>();
            names.forEach(n -> values.put(n, null));
            return send(target, "property unset", values);
        }
    }

    private static int send(AgentTarget target, String command, Map<String, String> values) {
        try {
            JsonNode result = target.client().setProperties(values);
            AgentTarget.printApplied(result);
            return 0;
        } catch (ConfigException | ApiClient.ApiException e) {
            return AgentTarget.failed(command, e);
        }
    }

    /** The properties as {@code pcs property list} prints them, sorted by name. */
    static String render(JsonNode properties, boolean verbose) {
        List<JsonNode> sorted = new ArrayList<>();
        properties.forEach(sorted::add);
        sorted.sort((a, b) -> a.path("name").asText().compareTo(b.path("name").asText()));
        StringBuilder out = new StringBuilder("Cluster Properties:\n");
        for (JsonNode p : sorted) {
            out.append(' ').append(p.path("name").asText()).append(": ").append(p.path("value").asText());
            if (verbose) {
                out.append("   (default ").append(p.path("default").asText()).append("; ")
                        .append(p.path("accepted").asText()).append("; ").append(p.path("description").asText())
                        .append(')');
            }
            out.append('\n');
        }
        return out.toString();
    }
}
