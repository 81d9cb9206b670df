package io.pgpacer.cli;

import io.pgpacer.api.ApiClient;
import io.pgpacer.config.ConfigException;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.store.CibJson;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pgpacer status}: the cluster at a glance, like {@code pcs status} / {@code crm_mon -Afr -1}. */
@Command(name = "status", description = {"Show the cluster's nodes, roles, attributes and failed actions.",
        "pcs equivalent: 'pcs status'; with --full: 'crm_mon -Afr -1'."})
final class StatusCommand implements Callable<Integer> {

    @Mixin
    AgentTarget target;

    @Option(names = "--full", description = "Add node attributes, the migration summary and the latest promotion.")
    boolean full;

    @Option(names = "--json", description = "Print the status as JSON, for scripts.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ClusterStatus status;
        try {
            status = target.client().status();
        } catch (ConfigException | ApiClient.ApiException e) {
            return AgentTarget.failed("status", e);
        }
        System.out.print(json ? CibJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(status) + "\n"
                : StatusPrinter.render(status, full));
        return 0;
    }
}
