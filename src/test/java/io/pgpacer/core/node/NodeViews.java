package io.pgpacer.core.node;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.CommitGuardReport;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.RecoveryPolicy;
import io.pgpacer.core.cib.Switchover;
import io.pgpacer.core.command.CibReducer;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.resource.Resources;
import java.util.List;
import java.util.Map;

/** Views of node n2 in a three-node cluster (n1, n2, n3), for the node state machine's tests. */
final class NodeViews {

    static final String SELF = "n2";
    static final long LEASE = 4;

    private NodeViews() {
    }

    /** The cluster as initialised, no reports, no history, default settings (auto-rewind on). */
    static Cib cluster() {
        List<NodeSpec> nodes = List.of(new NodeSpec("n1", "10.0.0.1", 7001, 7101, 5432, false),
                new NodeSpec("n2", "10.0.0.2", 7001, 7101, 5432, false),
                new NodeSpec("n3", "10.0.0.3", 7001, 7101, 5432, false));
        return CibReducer.apply(Cib.EMPTY, new StoreCommand.InitializeCluster("pgc", nodes,
                new ClusterSettings(3, 3000, 3000, 1000), Resources.EMPTY)).cib();
    }

    static Cib serving(Cib cib, String node, long timeline) {
        return cib.withReport(new NodeReport(node, 1, PgState.PRIMARY, 100, timeline, Lsn.ZERO, Lsn.ZERO, null, false,
                List.of(), null, null, null, false, 0, Map.of(), CommitGuardReport.UNKNOWN))
                .withLease(new Lease(node, 3, 3));
    }

    static Cib withHistory(Cib cib, String primary, long timeline) {
        return cib.withHistoryEntry(new PromotionRecord(primary, timeline - 1, Lsn.ZERO, timeline,
                "2026-12-07T12:00:00Z", "failover", true, null));
    }

    static Cib autoRewindOff(Cib cib) {
        RecoveryPolicy on = cib.settings().recovery();
        return cib.withSettings(cib.settings().withRecovery(new RecoveryPolicy(on.noQuorum(), on.failsafe(), false,
                on.commitsHang())));
    }

    static Cib handingOver(Cib cib) {
        return cib.withSwitchover(new Switchover(SELF, "n1", 0, "2026-12-07T12:00:00Z", 0,
                Switchover.Phase.HANDING_OVER, null));
    }

    static final NodeView.Postgres STOPPED = NodeView.Postgres.NOT_RUNNING;
    static final NodeView.Postgres STARTING = new NodeView.Postgres(true, false, false, false, "the database system"
            + " is starting up");
    static final NodeView.Postgres STREAMING = new NodeView.Postgres(true, true, true, true, null);
    static final NodeView.Postgres NOT_STREAMING = new NodeView.Postgres(true, true, true, false, null);
    static final NodeView.Postgres WRITABLE = new NodeView.Postgres(true, true, false, false, null);

    static final NodeView.DataDirectory EMPTY = NodeView.DataDirectory.EMPTY;
    static final NodeView.DataDirectory LOST = new NodeView.DataDirectory(false, "the data directory is gone", false,
            0);
    static final NodeView.DataDirectory PRIMARY_DATA = new NodeView.DataDirectory(true, null, false, 2);
    static final NodeView.DataDirectory STANDBY_DATA = new NodeView.DataDirectory(true, null, true, 2);
    static final NodeView.DataDirectory UNREADABLE = new NodeView.DataDirectory(true, "permission denied", false, 2);

    static NodeView view(Cib cib, NodeGoal goal, NodeView.Postgres pg, NodeView.DataDirectory data) {
        return new NodeView(SELF, cib, goal, pg, data, 0, null, false, null, NodeMemory.FRESH,
                NodeView.Looked.NOTHING, 1_000_000);
    }

    static NodeView holding(NodeView view) {
        return new NodeView(view.self(), view.cib(), view.goal(), view.postgres(), view.data(), LEASE,
                view.commitGuardRefusal(), view.writerVipMayBeHere(), view.longStep(), view.memory(), view.looked(),
                view.nowMillis());
    }
}
