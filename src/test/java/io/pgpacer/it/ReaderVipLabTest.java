package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.KeepClusterOnFailure;
import io.pgpacer.testkit.lab.Cut;
import io.pgpacer.testkit.lab.LabCluster;
import io.pgpacer.testkit.lab.VipWatch;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The reader VIP in the network-namespace lab: 3 data hosts in synchronous replication and a client host. Given a
 * healthy cluster, the reader VIP is on the sync standby and serves read-only sessions there; when that standby's
 * host is cut off (iptables DROP), the address moves to the other standby, and a watch that reads every host's
 * addresses every few milliseconds never sees it on two hosts at once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(KeepClusterOnFailure.class)
class ReaderVipLabTest {
    private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final Duration VIP_MOVE = Duration.ofSeconds(20);

    private LabCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = LabCluster.start("reader-vip", 3, false, "replication: {mode: sync, sync-timeout: 3s}\n");
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void theReaderVipIsOnTheSyncStandbyAndServesReadOnlySessions() throws Exception {
        String primary = ClusterHarness.primary(cluster.awaitHealthy(BOOTSTRAP));
        List<String> sync = Eventually.await("a recorded sync standby", CONVERGE, this::recordedSyncStandbys,
                names -> names.size() == 1);
        awaitReaderVipOn(sync.get(0));
        try (Connection c = cluster.connectTo(LabCluster.READER_VIP); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select pg_is_in_recovery(), host(inet_server_addr())")) {
            rs.next();
            assertAll("a session through the reader VIP",
                    () -> assertTrue(rs.getBoolean(1), "it reached a server in recovery (a standby)"),
                    () -> assertEquals(LabCluster.READER_VIP, rs.getString(2)));
        }
        assertNotEquals(primary, sync.get(0));
        io.pgpacer.core.status.ClusterStatus status = cluster.awaitStatus("both VIPs shown as started", CONVERGE,
                st -> ("Started " + primary).equals(st.writerVip()) && st.readerVip() != null
                        && st.readerVip().startsWith("Started " + sync.get(0)));
        assertTrue(status.readerVip().startsWith("Started " + sync.get(0)), status.readerVip());
        io.pgpacer.api.ApiClient.ApiException refused = org.junit.jupiter.api.Assertions.assertThrows(
                io.pgpacer.api.ApiClient.ApiException.class, () -> cluster.api().changeResources(
                        new io.pgpacer.core.resource.ResourceEdit.Delete("vip-master")));
        assertAll("the writer VIP is built in, not an operator's resource",
                () -> assertEquals(400, refused.status()),
                () -> assertTrue(refused.getMessage().contains("'vip-master' is the writer VIP, configured by"
                        + " virtual-ips.writer in the agents' configuration file"), refused.getMessage()),
                () -> assertEquals(LabCluster.WRITER_VIP + "/" + io.pgpacer.testkit.lab.NetLab.PREFIX_LENGTH + " on "
                        + io.pgpacer.testkit.lab.LabHost.NIC, cluster.api().cib().path("settings").path("vipAddresses")
                        .path("writer").asText()));
    }

    @Test
    @Order(2)
    void isolatingTheStandbyWithTheReaderVipMovesItToTheOtherStandby() throws Exception {
        String primary = ClusterHarness.primary(cluster.awaitHealthy(CONVERGE));
        String holder = awaitSingleHolder();
        int promotions = cluster.promotions();
        String other = cluster.dataNodes().stream().filter(n -> !n.equals(primary) && !n.equals(holder)).findFirst()
                .orElseThrow();
        long cutAt;
        List<VipWatch.Overlap> overlaps;
        String timeline;
        try (VipWatch watch = cluster.watchReaderVip()) {
            cutAt = System.nanoTime();
            cluster.host(holder).isolate(Cut.DROP);
            try {
                awaitReaderVipOn(other);
                long movedMillis = (System.nanoTime() - cutAt) / 1_000_000;
                System.out.printf("reader VIP: %s isolated, the address reached %s alone %d ms later; %s%n", holder,
                        other, movedMillis, watch.timeline(cutAt));
            } finally {
                cluster.host(holder).heal();
            }
            overlaps = watch.overlaps();
            timeline = watch.timeline(cutAt);
        }
        assertEquals(List.of(), overlaps, "the reader VIP was on two hosts at once: " + timeline);
        ClusterHarness.primary(cluster.awaitStatus(holder + " back and streaming, " + primary + " still primary",
                CONVERGE, st -> ClusterHarness.healthy(st) && primary.equals(ClusterHarness.primary(st))));
        // why: a healthy holder keeps the address; a standby that returns takes it back only while it is still the
        // recorded sync standby (a short isolation ends before sync-timeout replaced it): readers should see what
        // the primary's clients were told is committed.
        List<String> sync = new ArrayList<>();
        cluster.api().cib().path("syncSet").path("standbys").forEach(n -> sync.add(n.asText()));
        String expected = sync.contains(holder) && !sync.contains(other) ? holder : other;
        Eventually.await("the reader VIP on " + expected + " alone (sync standbys " + sync + ")", VIP_MOVE,
                cluster::readerVipHolders, holders -> holders.equals(List.of(expected)));
        assertEquals(promotions, cluster.promotions(), "isolating a standby promotes nobody");
    }

    private String awaitSingleHolder() {
        return Eventually.await("the reader VIP on one host", VIP_MOVE, cluster::readerVipHolders,
                holders -> holders.size() == 1).get(0);
    }

    private void awaitReaderVipOn(String node) {
        Eventually.await("the reader VIP on " + node + " alone", VIP_MOVE, cluster::readerVipHolders,
                holders -> holders.equals(List.of(node)));
    }

    private List<String> recordedSyncStandbys() {
        List<String> names = new ArrayList<>();
        cluster.api().cib().path("syncSet").path("standbys").forEach(n -> names.add(n.asText()));
        return names;
    }
}
