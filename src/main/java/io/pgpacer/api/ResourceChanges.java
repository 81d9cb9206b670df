package io.pgpacer.api;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.VipAddresses;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand.ReplaceResources;
import io.pgpacer.core.resource.ResourceEdit;
import io.pgpacer.core.resource.ResourceEdits;
import io.pgpacer.store.ClusterStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Carries out an operator's {@link ResourceEdit} against the store: reads the CIB through the majority, computes the
 * new resources, and submits them with the configuration epoch they were computed from. Another change landing in
 * between makes the store refuse; the edit is then computed again on the newer CIB, a few times at most.
 */
final class ResourceChanges {

    /** The HTTP status and the body of the answer. */
    record Answer(int status, Object body) {
    }

    private static final int ATTEMPTS = 3;

    private final ClusterStore store;
    private final Duration readTimeout;
    private final Duration commandTimeout;

    ResourceChanges(ClusterStore store, Duration readTimeout, Duration commandTimeout) {
        this.store = store;
        this.readTimeout = readTimeout;
        this.commandTimeout = commandTimeout;
    }

    Answer apply(ResourceEdit edit) {
        CommandResult result = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Cib cib = store.read(readTimeout);
            List<String> builtIn = edit.names().stream().filter(cib.settings().vipAddresses().ids()::contains).toList();
            if (!builtIn.isEmpty()) {
                return new Answer(400, Map.of("error", builtInRefusal(builtIn.get(0))));
            }
            ResourceEdits.Result change;
            try {
                change = ResourceEdits.apply(cib.resources(), edit, cib.dataNodes().stream().map(NodeSpec::name)
                        .toList());
            } catch (IllegalArgumentException e) {
                return new Answer(400, Map.of("error", e.getMessage()));
            }
            if (change.resources().equals(cib.resources())) {
                return new Answer(200, CommandResult.applied(cib.epoch(), change.change() + " (nothing to change)"));
            }
            result = store.submit(new ReplaceResources(cib.configEpoch(), change.resources(), change.change()),
                    commandTimeout);
            if (result.applied()) {
                return new Answer(200, result);
            }
        }
        return new Answer(409, result);
    }

    /** Why a built-in VIP resource or group cannot be changed here, and where it can. */
    static String builtInRefusal(String id) {
        boolean writer = id.equals(VipAddresses.WRITER_ID) || id.equals(VipAddresses.WRITER_GROUP);
        return "'" + id + "' is the " + (writer ? "writer VIP, configured by virtual-ips.writer" : "reader VIP,"
                + " configured by virtual-ips.reader") + " in the agents' configuration file; it always runs "
                + (writer ? "with the primary, started after its promotion" : "on one healthy standby")
                + ". Change it in that file; to constrain your own resource to it, constrain it to "
                + (writer ? "the master ('with master msPostgresql')" : "a slave ('with slave msPostgresql')");
    }
}
