package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.cib.VipAddresses;
import io.pgpacer.core.resource.ResourceFixtures;
import org.junit.jupiter.api.Test;

/** {@code constraint list}: the reference's VIP constraints, kept by construction, then the operator's own. */
class ConstraintCommandTest {

    @Test
    void theBuiltInVipConstraintsAreTheReferencesAndComeFirst() {
        VipAddresses vips = new VipAddresses("192.168.28.41/24 on eth0", "192.168.28.141/24 on eth0");
        assertEquals("""
                Location Constraints:
                  reports-group avoids node3 (score:-INFINITY) (ban) (id:cli-ban-reports-group-on-node3)
                Ordering Constraints:
                  promote msPostgresql then start master-group (id:order-msPostgresql-master-group-mandatory) (built in: virtual-ips)
                  demote msPostgresql then stop master-group (id:order-msPostgresql-master-group-Optional) (built in: virtual-ips)
                  promote msPostgresql then start slave-group (id:order-msPostgresql-slave-group-mandatory) (built in: virtual-ips)
                  demote msPostgresql then stop slave-group (id:order-msPostgresql-slave-group-Optional) (built in: virtual-ips)
                  promote msPostgresql then start pgbouncer (id:order-msPostgresql-pgbouncer-mandatory)
                Colocation Constraints:
                  master-group with master msPostgresql (score:INFINITY) (id:colocation-master-group-msPostgresql-INFINITY) (built in: virtual-ips)
                  slave-group with slave msPostgresql (score:INFINITY) (id:colocation-slave-group-msPostgresql-INFINITY) (built in: virtual-ips)
                  pgbouncer with master msPostgresql (score:INFINITY) (id:colocation-pgbouncer-msPostgresql-INFINITY)
                  reports-group with slave msPostgresql (score:INFINITY) (id:colocation-reports-group-msPostgresql-INFINITY)
                """, ConstraintCommand.render(ResourceFixtures.sample().constraints(), vips.constraints()));
        assertEquals("Location Constraints:\nOrdering Constraints:\nColocation Constraints:\n",
                ConstraintCommand.render(java.util.List.of(), VipAddresses.NONE.constraints()));
    }
}
