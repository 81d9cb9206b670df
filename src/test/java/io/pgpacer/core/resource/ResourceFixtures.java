package io.pgpacer.core.resource;

import java.util.List;
import java.util.Map;

/** Resources of every kind and constraints of every type, for round-trip and validation tests. */
public final class ResourceFixtures {

    private ResourceFixtures() {
    }

    /** pgbouncer (exec) with the master, an extra address in a group with the slave, a ban and an order. */
    public static Resources sample() {
        Primitive pgbouncer = new Primitive("pgbouncer", ResourceKind.EXEC, Map.of(
                "start", "pgbouncer -d /etc/pgbouncer.ini", "stop", "kill $(cat /run/pgbouncer.pid)",
                "monitor", "test -e /run/pgbouncer.pid"),
                List.of(Operation.monitor(5_000, 10_000, OnFail.RESTART), Operation.stop(20_000, OnFail.BLOCK)),
                ResourceMeta.DEFAULT);
        Primitive reportsIp = new Primitive("reports-ip", ResourceKind.IP, Map.of("ip", "198.18.0.60",
                "cidr_netmask", "24"), List.of(), new ResourceMeta(true, true, 2));
        PostgresClone clone = new PostgresClone(List.of(
                new Operation("monitor", 3_000, 60_000, OnFail.RESTART, PostgresClone.MASTER),
                new Operation("monitor", 4_000, 60_000, OnFail.RESTART, PostgresClone.SLAVE)), ResourceMeta.DEFAULT);
        return new Resources(clone, List.of(pgbouncer, reportsIp),
                List.of(new Group("reports-group", List.of("reports-ip"), ResourceMeta.DEFAULT)),
                List.of(new Constraint.Colocation("colocation-pgbouncer-msPostgresql-INFINITY", "pgbouncer",
                                PostgresClone.ID, PostgresClone.MASTER, Score.INFINITY),
                        new Constraint.Ordering("order-msPostgresql-pgbouncer-mandatory", "promote", PostgresClone.ID,
                                "start", "pgbouncer"),
                        new Constraint.Colocation("colocation-reports-group-msPostgresql-INFINITY", "reports-group",
                                PostgresClone.ID, PostgresClone.SLAVE, Score.INFINITY),
                        new Constraint.Location("cli-ban-reports-group-on-node3", "reports-group", "node3",
                                Score.MINUS_INFINITY, Constraint.Location.BAN)));
    }
}
