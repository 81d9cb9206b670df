package io.pgpacer.core.resource;

import io.pgpacer.core.model.Hint;
import java.util.List;
import java.util.Optional;

/**
 * The PostgreSQL promotable clone ({@code msPostgresql}, master-max 1): one primary, every other data node a
 * hot standby. Its parameters (replication mode, replication user, connection options) come from the agents'
 * configuration file; the CIB holds its operations and meta attributes.
 *
 * @param operations role-specific monitors ({@code role=Master}, {@code role=Slave}) and the timeouts of start,
 *     stop, promote and demote; an operation not listed takes the agents' defaults
 */
public record PostgresClone(List<Operation> operations, ResourceMeta meta) {

    public static final String ID = "msPostgresql";
    /** The primitive inside the clone, as {@code crm_mon} prints {@code Master/Slave Set: msPostgresql [pgsql]}. */
    public static final String PRIMITIVE = "pgsql";
    public static final String MASTER = "Master";
    public static final String SLAVE = "Slave";

    public static final PostgresClone DEFAULT = new PostgresClone(List.of(), ResourceMeta.DEFAULT);

    public PostgresClone {
        operations = operations == null ? List.of() : List.copyOf(operations);
        meta = meta == null ? ResourceMeta.DEFAULT : meta;
    }

    /** The monitor for {@code role} ({@link #MASTER} or {@link #SLAVE}), or the one for every role. */
    public Optional<Operation> monitor(String role) {
        return operations.stream().filter(o -> o.name().equals("monitor") && role.equals(o.role())).findFirst()
                .or(() -> operations.stream().filter(o -> o.name().equals("monitor") && o.role() == null)
                        .findFirst());
    }

    /**
     * Why an operator's command may not make a node primary now (forced promotion, recover-master, switchover), or
     * empty: while the clone is disabled every node stays stopped, and while it is unmanaged pgpacer does not act.
     */
    public Optional<String> promotionRefusal() {
        if (!meta.managed()) {
            return Optional.of(ID + " is unmanaged: pgpacer does not act on PostgreSQL; run '" + Hint.manage(ID)
                    + "' first");
        }
        if (!meta.enabled()) {
            return Optional.of(ID + " is disabled: PostgreSQL stays stopped on every node and none is promoted; run"
                    + " '" + Hint.enable(ID) + "' first");
        }
        return Optional.empty();
    }

    public PostgresClone withMeta(ResourceMeta newMeta) {
        return new PostgresClone(operations, newMeta);
    }
}
