package io.pgpacer.testkit.lab;

import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The faults the lab injects on a cluster's primary, each as one procedure on a {@link LabScenario}: inject
 * the fault, wait until it did its work (writes back through the VIP on a new primary, or, for a cut
 * replication link, writes going on without a failover), undo it (restart, thaw, heal) and wait until the
 * cluster converged again; the procedure returns the primary it converged to. Tests add their own checks
 * around them; the lab benchmark runs them as they are.
 */
public enum LabFault {
    /** A planned switchover to the next data node. */
    SWITCHOVER("switchover") {
        @Override
        public String run(LabScenario s) {
            List<String> nodes = s.cluster().dataNodes();
            String target = nodes.get((nodes.indexOf(s.old()) + 1) % nodes.size());
            s.inject(() -> s.cluster().api().switchover(target, null, null));
            s.awaitWritesOn(target);
            s.awaitOldFollowing(target);
            return target;
        }
    },
    /** kill -9 of the primary's postmaster; its agent stays. */
    POSTMASTER_KILL("postmaster kill -9") {
        @Override
        public String run(LabScenario s) {
            String promoted = s.awaitFailoverAfter(() -> s.cluster().kill9Postmaster(s.old()));
            s.awaitOldFollowing(promoted);
            return promoted;
        }
    },
    /** kill -9 of the primary's agent (PostgreSQL dies with it), restarted once another node took over. */
    AGENT_KILL("agent kill -9") {
        @Override
        public String run(LabScenario s) {
            LabCluster cluster = s.cluster();
            String promoted = s.awaitFailoverAfter(() -> cluster.kill9Agent(s.old()));
            s.awaitVipAlsoOn(promoted);
            cluster.startAgent(s.old());
            cluster.awaitVipOn(promoted);
            s.awaitOldFollowing(promoted);
            return promoted;
        }
    },
    /** Every process of the primary's host SIGSTOPped, thawed once another node took over. */
    FREEZE("freeze") {
        @Override
        public String run(LabScenario s) {
            LabCluster cluster = s.cluster();
            String promoted;
            try {
                promoted = s.awaitFailoverAfter(() -> cluster.freeze(s.old()));
                s.awaitVipAlsoOn(promoted);
            } finally {
                cluster.thaw(s.old());
            }
            s.awaitOldFollowing(promoted);
            return promoted;
        }
    },
    /** The primary's host cut off the network, packets dropped, healed once another node took over. */
    ISOLATE_DROP("isolate (DROP)") {
        @Override
        public String run(LabScenario s) {
            return isolate(s, Cut.DROP);
        }
    },
    /** The primary's host cut off the network, packets rejected, healed once another node took over. */
    ISOLATE_REJECT("isolate (REJECT)") {
        @Override
        public String run(LabScenario s) {
            return isolate(s, Cut.REJECT);
        }
    },
    /**
     * The primary's host cut off (DROP) and healed in turn every {@link #FLAP_PERIOD}, {@link #FLAP_CYCLES}
     * times, then healed for good. A cut as long as the lease time always makes the primary fence itself
     * (it fences a quarter of the lease before it could expire) and lets the controller expire the lease about
     * when the heal comes.
     */
    FLAPPING("flapping partition") {
        @Override
        public String run(LabScenario s) {
            LabCluster cluster = s.cluster();
            AtomicReference<Flapping> flapping = new AtomicReference<>();
            try {
                s.inject(() -> flapping.set(cluster.lab().flap(FLAP_PERIOD, () -> cluster.isolate(s.old(), Cut.DROP),
                        () -> cluster.heal(s.old()))));
                Eventually.await(FLAP_CYCLES + " cuts and heals of " + s.old(), FLAP_PERIOD.multipliedBy(
                        2L * FLAP_CYCLES + 4), () -> flapping.get().heals() >= FLAP_CYCLES);
            } finally {
                if (flapping.get() != null) {
                    flapping.get().close();
                }
                cluster.heal(s.old());
            }
            return ClusterHarness.primary(cluster.awaitHealthy(LabScenario.CONVERGE));
        }
    },
    /**
     * Only PostgreSQL's traffic between the primary and every standby dropped (Raft and the API flow) for at
     * least {@link #REPLICATION_CUT_HOLD}, until the primary acknowledged writes through the VIP after that;
     * then healed, and every standby replays past the primary's WAL position at the heal.
     */
    REPLICATION_CUT("replication link cut") {
        @Override
        public String run(LabScenario s) {
            LabCluster cluster = s.cluster();
            String primary = s.old();
            List<String> standbys = cluster.dataNodes().stream().filter(n -> !n.equals(primary)).toList();
            try {
                s.inject(() -> standbys.forEach(n -> cluster.host(primary).cutPortTo(cluster.host(n),
                        LabCluster.PG_PORT, Cut.DROP)));
                long until = s.faultAt() + REPLICATION_CUT_HOLD.toNanos();
                Eventually.await("writes acknowledged by " + primary + " through the VIP more than "
                        + REPLICATION_CUT_HOLD.toSeconds() + " s after its replication links were cut",
                        LabScenario.CONVERGE.plus(REPLICATION_CUT_HOLD), () -> s.writer().firstAckBy(primary, until) > 0);
            } finally {
                standbys.forEach(n -> cluster.host(primary).healLinkTo(cluster.host(n)));
            }
            String lsn = query(cluster, primary, "SELECT pg_current_wal_lsn()");
            for (String standby : standbys) {
                Eventually.await(standby + " replaying past " + lsn + ", " + primary + "'s WAL position at the heal",
                        LabScenario.CONVERGE, () -> "t".equals(query(cluster, standby,
                                "SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn")));
            }
            cluster.awaitStatus("one primary " + primary + " with every standby streaming", LabScenario.CONVERGE,
                    st -> ClusterHarness.healthy(st) && primary.equals(ClusterHarness.primary(st)));
            return primary;
        }
    };

    /** How long each cut and each heal of {@link #FLAPPING} lasts: the default lease time. */
    public static final Duration FLAP_PERIOD = Duration.ofSeconds(3);
    public static final int FLAP_CYCLES = 4;
    /** How long {@link #REPLICATION_CUT} keeps the links cut at least: several lease times. */
    public static final Duration REPLICATION_CUT_HOLD = Duration.ofSeconds(10);

    private final String label;

    LabFault(String label) {
        this.label = label;
    }

    /** What the fault is, for reports. */
    public String label() {
        return label;
    }

    /**
     * Injects the fault on the scenario's primary, undoes it once it did its work, waits until the cluster
     * converged (one primary, every standby streaming from it) and returns that primary.
     */
    public abstract String run(LabScenario s);

    private static String isolate(LabScenario s, Cut cut) {
        LabCluster cluster = s.cluster();
        String promoted;
        try {
            promoted = s.awaitFailoverAfter(() -> cluster.isolate(s.old(), cut));
            // The isolated host still runs: its agent must have dropped the VIP on its own.
            cluster.awaitVipOn(promoted);
        } finally {
            cluster.heal(s.old());
        }
        s.awaitOldFollowing(promoted);
        return promoted;
    }

    private static String query(LabCluster cluster, String node, String sql) {
        try (Connection c = cluster.connect(node); Statement st = c.createStatement();
                ResultSet rows = st.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(node + ": " + sql + ": " + e.getMessage(), e);
        }
    }
}
