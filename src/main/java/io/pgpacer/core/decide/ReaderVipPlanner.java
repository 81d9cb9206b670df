package io.pgpacer.core.decide;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.ReaderVip;
import io.pgpacer.core.cib.ReaderVipPolicy;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.command.StoreCommand.MoveReaderVip;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Places the reader VIP, Pacemaker's IPaddr2 colocated with a slave: on one healthy standby streaming from the
 * primary, the recorded sync standby first, then the least lag, then the configured order. It stays where it is
 * while that standby stays healthy, unless a sync standby is recorded and it is not that one: readers then see
 * what the primary's clients were told is committed. With no healthy standby it stops, or moves to the primary when the policy
 * says so, and comes back to a standby once one is healthy again.
 *
 * <p>A move takes two store commands (see {@link ReaderVip}): away from the old node, then, once no other node
 * may still carry the address, to the new one.
 */
final class ReaderVipPlanner {

    private ReaderVipPlanner() {
    }

    /** The next step of placing the reader VIP, if one is due; {@code primary} may be null. */
    static Optional<Plan> plan(ClusterSnapshot snapshot, String primary) {
        Cib cib = snapshot.cib();
        ReaderVipPolicy policy = cib.settings().readerVip();
        ReaderVip current = cib.readerVip();
        if (policy == ReaderVipPolicy.NONE || current.assigned() && cib.maintenance().covers(current.node())) {
            return Optional.empty();
        }
        List<String> standbys = healthyStandbys(snapshot, primary);
        String wanted;
        String why;
        if (!standbys.isEmpty()) {
            boolean keep = standbys.contains(current.node()) && (cib.syncSet().standbys().contains(current.node())
                    || !cib.syncSet().standbys().contains(standbys.get(0)));
            wanted = keep ? current.node() : standbys.get(0);
            why = cib.syncSet().standbys().contains(wanted) ? wanted + " is the sync standby"
                    : wanted + " is the healthy standby with the least lag";
        } else if (policy == ReaderVipPolicy.STANDBY_OR_PRIMARY && servesAsPrimary(snapshot, primary)) {
            wanted = primary;
            why = "no healthy standby; the primary " + primary + " carries it meanwhile";
        } else {
            wanted = null;
            why = "no healthy standby";
        }
        if (current.assigned()) {
            if (current.node().equals(wanted)) {
                return Optional.empty();
            }
            return Optional.of(step(current, null, wanted == null ? why : "it moves to " + wanted + " (" + why + ")"));
        }
        if (wanted == null) {
            return Optional.empty();
        }
        List<String> mayCarry = cib.dataNodes().stream().map(NodeSpec::name)
                .filter(n -> !n.equals(wanted) && !surelyDropped(snapshot, n)).toList();
        if (!mayCarry.isEmpty()) {
            return Optional.of(Plan.note("reader VIP waits before it starts on " + wanted + ": "
                    + String.join(", ", mayCarry) + " may still carry it (no report since it was unassigned)"));
        }
        return Optional.of(step(current, wanted, why));
    }

    private static Plan step(ReaderVip current, String node, String reason) {
        return new Plan(List.of(new Plan.Step(new MoveReaderVip(current.version(), node, reason), reason)),
                List.of());
    }

    // A node no longer carries the address once it reported, having seen the current assignment, that it does
    // not; or once it has been silent for the node timeout: an agent that cannot reach the store drops the
    // reader VIP before then, by its own clock from when it sent its last report that got through.
    private static boolean surelyDropped(ClusterSnapshot snapshot, String node) {
        Cib cib = snapshot.cib();
        NodeReport report = cib.reports().get(node);
        if (report != null && report.readerVipSeen() >= cib.readerVip().version() && !report.readerVip()) {
            return true;
        }
        return snapshot.silentForNodeTimeout(node);
    }

    private static List<String> healthyStandbys(ClusterSnapshot snapshot, String primary) {
        Cib cib = snapshot.cib();
        if (primary == null) {
            return List.of();
        }
        List<String> order = cib.dataNodes().stream().map(NodeSpec::name).toList();
        Comparator<String> preference = Comparator
                .comparing((String n) -> !cib.syncSet().standbys().contains(n))
                .thenComparing(n -> cib.reports().get(n).lsn(), Comparator.reverseOrder())
                .thenComparing(order::indexOf);
        return order.stream().filter(n -> !n.equals(primary) && healthyStandby(snapshot, n, primary))
                .sorted(preference).toList();
    }

    private static boolean healthyStandby(ClusterSnapshot snapshot, String node, String primary) {
        Cib cib = snapshot.cib();
        NodeGoal goal = cib.goals().get(node);
        NodeReport report = cib.reports().get(node);
        return snapshot.online(node) && !cib.maintenance().covers(node)
                && goal != null && goal.role() == Role.STANDBY && primary.equals(goal.upstream())
                && report != null && report.pgState() == PgState.STANDBY && report.streaming()
                && primary.equals(report.upstream());
    }

    private static boolean servesAsPrimary(ClusterSnapshot snapshot, String primary) {
        Cib cib = snapshot.cib();
        NodeReport report = primary == null ? null : cib.reports().get(primary);
        return report != null && snapshot.online(primary) && report.pgState() == PgState.PRIMARY
                && primary.equals(cib.lease().holder());
    }
}
