package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ApiClient;
import io.pgpacer.config.ConfigException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pgpacer force-promote NODE --accept-data-loss}: the last resort when no safe promotion exists. */
@Command(name = "force-promote", description = {
        "Promote NODE although it may lack commits acknowledged to clients.",
        "For when the primary is gone and no recorded sync standby can be promoted (see the failed actions in",
        "'pgpacer status').",
        "Refused while any node holds the primary lease. Clears NODE's fail-count and the sync record.",
        "pcs equivalent: none; the reference's emergency 'cls_recovery_master' comes closest."})
final class ForcePromoteCommand implements Callable<Integer> {

    @Mixin
    AgentTarget target;

    @Parameters(index = "0", paramLabel = "NODE", description = "The standby to promote.")
    String node;

    @Option(names = "--accept-data-loss", description = "Required: you accept that acknowledged commits may be lost.")
    boolean acceptDataLoss;

    @Option(names = "--note", description = "Why (kept with the new primary's goal, e.g. a ticket number).")
    String note;

    @Override
    public Integer call() {
        if (!acceptDataLoss) {
            System.err.println("pgpacer force-promote: promoting " + node + " by force may lose commits that were"
                    + " acknowledged to clients; repeat with --accept-data-loss if that is accepted");
            return Main.BAD_INPUT;
        }
        try {
            JsonNode result = target.client().forcePromote(node, true, note);
            AgentTarget.printApplied(result);
            return 0;
        } catch (ConfigException | ApiClient.ApiException e) {
            return AgentTarget.failed("force-promote", e);
        }
    }
}
