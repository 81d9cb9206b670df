package io.pgpacer.cli;

import io.pgpacer.api.ApiClient;
import io.pgpacer.config.ConfigException;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.resource.Constraint;
import io.pgpacer.core.resource.ResourceEdit;
import io.pgpacer.core.resource.ResourceSyntax;
import io.pgpacer.store.CibJson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code pgpacer constraint list|add|remove}: colocation, order and location constraints. */
@Command(name = "constraint", description = {"Constraints on where and in which order resources run.",
        "pcs equivalent: 'pcs constraint ...'."},
        subcommands = {ConstraintCommand.ListConstraints.class, ConstraintCommand.Add.class,
                ConstraintCommand.Remove.class})
final class ConstraintCommand {

    @Command(name = "list", aliases = "show", description = {"List every constraint by type, with its id.",
            "pcs equivalent: 'pcs constraint --full'."})
    static final class ListConstraints implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Override
        public Integer call() {
            try {
                Cib cib = CibJson.decodeCib(target.client().cib().toString().getBytes(StandardCharsets.UTF_8));
                System.out.print(render(cib.resources().constraints(), cib.settings().vipAddresses().constraints()));
                return 0;
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed("constraint list", e);
            }
        }
    }

    @Command(name = "add", description = {"Add a colocation, order or location constraint.",
            "  colocation RESOURCE with [master|slave] RESOURCE [SCORE]   (score default INFINITY)",
            "  order [ACTION] RESOURCE then [ACTION] RESOURCE   (actions start, stop, promote, demote; default start)",
            "  location RESOURCE prefers|avoids NODE[=SCORE]",
            "Append id=ID to choose its id; otherwise it is named as pcs names it.",
            "Example: pgpacer constraint add colocation pgbouncer with master msPostgresql INFINITY",
            "pcs equivalent: 'pcs constraint colocation|order|location ...'."})
    static final class Add implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(index = "0", paramLabel = "TYPE", description = "colocation, order or location.")
        String type;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "ARG")
        List<String> words;

        @Override
        public Integer call() {
            return ResourceCommand.change(target, "constraint add", () -> new ResourceEdit.AddConstraint(
                    ResourceSyntax.constraint(type + " " + String.join(" ", words))));
        }
    }

    @Command(name = "remove", aliases = "delete", description = {"Remove a constraint by its id ('constraint list'"
            + " shows the ids).", "pcs equivalent: 'pcs constraint remove ID'."})
    static final class Remove implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            return ResourceCommand.change(target, "constraint remove", () -> new ResourceEdit.RemoveConstraint(id));
        }
    }

    /**
     * The constraints as {@code pcs constraint --full} lists them: location, then ordering, then colocation; the
     * built-in ones of the configured VIPs first in each, marked as such.
     */
    static String render(List<Constraint> constraints, List<Constraint> builtIn) {
        StringBuilder out = new StringBuilder();
        section(out, "Location Constraints:", constraints, builtIn, Constraint.Location.class);
        section(out, "Ordering Constraints:", constraints, builtIn, Constraint.Ordering.class);
        section(out, "Colocation Constraints:", constraints, builtIn, Constraint.Colocation.class);
        return out.toString();
    }

    private static void section(StringBuilder out, String title, List<Constraint> constraints,
            List<Constraint> builtIn, Class<? extends Constraint> type) {
        out.append(title).append('\n');
        builtIn.stream().filter(type::isInstance).forEach(c -> out.append("  ").append(c.render())
                .append(" (built in: virtual-ips)\n"));
        constraints.stream().filter(type::isInstance).forEach(c -> out.append("  ").append(c.render()).append('\n'));
    }
}
