package io.pgpacer.core.decide;

import io.pgpacer.core.model.Hint;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.resource.PostgresClone;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Whether a switchover may begin now, and to which node: the primary must be serving under its lease, and
 * the target must be an online, eligible standby streaming from it on its timeline, no further behind than
 * the operator allows. The API asks it before accepting a request, the scheduler again when a scheduled
 * switchover is due; a refusal names the reason.
 */
public final class SwitchoverCheck {

    /** The chosen target, or the reason there is none. */
    public record Verdict(String target, String refusal) {

        public boolean allowed() {
            return target != null;
        }
    }

    private SwitchoverCheck() {
    }

    /**
     * @param requested the operator's target, or null for the standby closest to the primary
     * @param online whether a node's agent reported within the node timeout
     */
    public static Verdict check(Cib cib, String requested, long maxLagBytes, Predicate<String> online) {
        String primary = cib.lease().holder();
        NodeReport primaryReport = primary == null ? null : cib.reports().get(primary);
        if (primary != null && cib.maintenance().covers(primary)) {
            return refuse(primary + " is in maintenance; pgpacer does not act on it");
        }
        if (primaryReport == null || primaryReport.pgState() != PgState.PRIMARY) {
            return refuse("no primary is serving now"
                    + (primary == null ? "" : " (" + primary + " holds the lease but is not running as primary)"));
        }
        if (requested != null) {
            if (cib.node(requested).filter(NodeSpec::holdsData).isEmpty()) {
                return refuse("'" + requested + "' is not a data node; data nodes are " + dataNodeNames(cib));
            }
            if (requested.equals(primary)) {
                return refuse(requested + " is already the primary");
            }
            Optional<String> problem = problem(cib, requested, primaryReport, maxLagBytes, online);
            return problem.map(SwitchoverCheck::refuse).orElse(new Verdict(requested, null));
        }
        List<String> problems = new ArrayList<>();
        List<String> fit = new ArrayList<>();
        List<String> order = dataNodeNames(cib);
        for (String node : order) {
            if (!node.equals(primary)) {
                problem(cib, node, primaryReport, maxLagBytes, online).ifPresentOrElse(problems::add, () -> fit.add(node));
            }
        }
        return fit.stream()
                .min(Comparator.comparingLong((String n) -> lagBytes(primaryReport, cib.reports().get(n)))
                        .thenComparingInt(order::indexOf))
                .map(n -> new Verdict(n, null))
                .orElseGet(() -> refuse("no standby can take over: " + String.join("; ", problems)));
    }

    private static Optional<String> problem(Cib cib, String node, NodeReport primary, long maxLagBytes,
            Predicate<String> online) {
        NodeReport report = cib.reports().get(node);
        if (report == null || !online.test(node)) {
            return Optional.of(node + " is offline");
        }
        if (cib.maintenance().covers(node)) {
            return Optional.of(node + " is in maintenance");
        }
        if (cib.inStandby(node)) {
            return Optional.of(node + " is in standby (" + Hint.unstandby(node) + ")");
        }
        if (cib.runsNoPostgres(node)) {
            return Optional.of(node + " " + cib.whyNoPostgres(node).orElseThrow()
                    + " (" + Hint.clear(PostgresClone.ID, node) + ")");
        }
        if (!cib.eligibleForPrimary(node)) {
            return Optional.of(node + " has fail-count " + cib.failCount(node).count() + " >= migration-threshold "
                    + cib.settings().migrationThreshold() + " (" + Hint.cleanupNode(node) + ")");
        }
        if (report.pgState() != PgState.STANDBY) {
            return Optional.of(node + " is not a running standby (" + report.pgState() + ")");
        }
        if (!report.streaming() || !primary.node().equals(report.upstream())) {
            return Optional.of(node + " is not streaming from the primary " + primary.node());
        }
        if (report.timeline() != primary.timeline()) {
            return Optional.of(node + " is on timeline " + report.timeline() + ", the primary on " + primary.timeline());
        }
        long lag = lagBytes(primary, report);
        if (lag > maxLagBytes) {
            return Optional.of(node + " lags " + lag + " bytes behind the primary (" + report.lsn() + " < "
                    + primary.lsn() + "), more than the allowed " + maxLagBytes + " bytes");
        }
        return Optional.empty();
    }

    private static long lagBytes(NodeReport primary, NodeReport standby) {
        return Math.max(0, primary.lsn().value() - standby.lsn().value());
    }

    private static List<String> dataNodeNames(Cib cib) {
        return cib.dataNodes().stream().map(NodeSpec::name).toList();
    }

    private static Verdict refuse(String reason) {
        return new Verdict(null, reason);
    }
}
