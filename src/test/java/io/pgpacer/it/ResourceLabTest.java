package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.resource.Constraint;
import io.pgpacer.core.resource.OnFail;
import io.pgpacer.core.resource.Operation;
import io.pgpacer.core.resource.PostgresClone;
import io.pgpacer.core.resource.ResourceEdit;
import io.pgpacer.core.resource.Score;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.KeepClusterOnFailure;
import io.pgpacer.testkit.lab.Cut;
import io.pgpacer.testkit.lab.LabCluster;
import io.pgpacer.testkit.lab.NetLab;
import io.pgpacer.testkit.lab.VipWatch;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An operator's {@code ip} resource in the network-namespace lab (2 data hosts and a witness): colocated with the
 * master, the address is on the primary's host alone (its interface from {@code virtual-ips.nic}); when the
 * primary's host is cut off, its agent fences and removes the address, the other host is promoted and takes it, and
 * a watch that reads every host's addresses every few milliseconds never sees it on two hosts at once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(KeepClusterOnFailure.class)
class ResourceLabTest {

    private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final String EXTRA = NetLab.address(110);

    private LabCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = LabCluster.start("resource-ip", 2, true, "");
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void anIpResourceWithTheMasterFollowsThePrimaryAndIsNeverOnTwoHosts() throws Exception {
        String primary = ClusterHarness.primary(cluster.awaitHealthy(BOOTSTRAP));
        cluster.api().changeResources(new ResourceEdit.Create("vip-extra", "ip", Map.of("ip", EXTRA, "cidr_netmask",
                Integer.toString(NetLab.PREFIX_LENGTH)), List.of(Operation.monitor(1_000, 5_000, OnFail.RESTART)),
                null, null, false));
        cluster.api().changeResources(new ResourceEdit.AddConstraint(new Constraint.Colocation(null, "vip-extra",
                PostgresClone.ID, PostgresClone.MASTER, Score.INFINITY)));
        Eventually.await("vip-extra on " + primary + " alone", CONVERGE, () -> cluster.holdersOf(EXTRA),
                holders -> holders.equals(List.of(primary)));
        cluster.awaitStatus("vip-extra shown started on " + primary, CONVERGE, s -> s.resources().stream()
                .anyMatch(r -> r.id().equals("vip-extra") && r.running().equals(List.of(primary))));

        try (VipWatch watch = cluster.watchAddress(EXTRA)) {
            cluster.isolate(primary, Cut.DROP);
            try {
                List<String> moved = Eventually.await("vip-extra on another host", CONVERGE,
                        () -> cluster.holdersOf(EXTRA), holders -> holders.size() == 1 && !holders.contains(primary));
                String promoted = moved.get(0);
                assertNotEquals(primary, promoted);
                cluster.awaitStatus(promoted + " holds the lease", CONVERGE, s -> promoted.equals(s.leaseHolder()));
                assertEquals(List.of(), watch.overlaps(), "never on two hosts:\n"
                        + watch.timeline(watch.changes().get(0).atNanos()));
            } finally {
                cluster.heal(primary);
            }
        }
        String after = cluster.awaitWritablePrimary(CONVERGE);
        Eventually.await("vip-extra on " + after + " alone after the heal", CONVERGE, () -> cluster.holdersOf(EXTRA),
                holders -> holders.equals(List.of(after)));
        assertTrue(cluster.holdersOf(EXTRA).size() == 1, "one holder after the heal: " + cluster.holdersOf(EXTRA));
    }
}
