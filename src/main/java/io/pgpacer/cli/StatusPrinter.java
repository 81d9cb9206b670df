package io.pgpacer.cli;

import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.cib.VipAddresses;
import io.pgpacer.core.model.Hint;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.core.status.FailCountExpiry;
import io.pgpacer.core.status.NodeStatus;
import io.pgpacer.core.status.ResourceStatus;
import java.time.ZoneId;
import java.util.List;

/**
 * Renders {@link ClusterStatus} the way {@code pcs status} and {@code crm_mon -Afr -1} lay it out, so
 * Pacemaker users find everything where they expect it.
 */
final class StatusPrinter {

    private static final String IPADDR2 = io.pgpacer.core.resource.ResourceKind.IP.agent();

    private StatusPrinter() {
    }

    /** {@link #render(ClusterStatus, boolean, ZoneId)} in this machine's time zone. */
    static String render(ClusterStatus s, boolean full) {
        return render(s, full, ZoneId.systemDefault());
    }

    /** The status, times shown in {@code zone} as the reference shows them. */
    static String render(ClusterStatus s, boolean full, ZoneId zone) {
        StringBuilder out = new StringBuilder();
        out.append("Cluster name: ").append(s.cluster()).append('\n');
        out.append("Stack: pgpacer (Raft)\n");
        out.append("Current DC: ").append(s.controller() == null ? "NONE" : s.controller())
                .append(s.quorum() ? " - partition with quorum" : " - partition WITHOUT quorum").append('\n');
        out.append("Last updated: ").append(Timestamps.local(s.lastUpdated(), zone)).append(" (answered by ")
                .append(s.answeredBy()).append(")\n");
        out.append("Last change: configuration epoch ").append(s.configEpoch()).append(" (the epoch of '")
                .append(Hint.cibQuery()).append("')\n\n");
        if (s.noPrimary() != null) {
            out.append(noPrimary(s.noPrimary()));
        } else if (s.controllerActivity() != null) {
            out.append("Controller: ").append(s.controllerActivity().describe()).append("\n\n");
        }
        if (s.maintenance().cluster()) {
            // Pacemaker's own words for maintenance-mode, so nobody misses that failover is off.
            out.append("              *** Resource management is DISABLED ***\n")
                    .append("  The cluster will not attempt to start, stop or recover services\n")
                    .append("  (").append(Hint.clusterResume()).append(")\n\n");
        }
        out.append(s.nodesConfigured()).append(" nodes configured\n\n");
        for (String node : s.maintenance().nodes()) {
            out.append("Node ").append(node).append(": maintenance\n");
        }
        for (String node : s.standby()) {
            out.append("Node ").append(node).append(": standby\n");
        }
        out.append("Online: ").append(list(s.online())).append('\n');
        if (!s.offline().isEmpty()) {
            out.append("OFFLINE: ").append(list(s.offline())).append('\n');
        }
        out.append("\nFull list of resources:\n\n");
        out.append(postgresSet(s));
        if (!s.diverged().isEmpty()) {
            out.append("     Diverged: ").append(list(s.diverged())).append('\n');
        }
        out.append(builtInVips(s));
        out.append(resources(s.resources()));
        out.append("\nReplication: ").append(s.replication()).append('\n');
        out.append(failCounts(s));
        if (s.switchover() != null) {
            out.append("Switchover: ").append(s.switchover()).append('\n');
        }
        if (!s.diverged().isEmpty()) {
            out.append("\nDiverged nodes (WAL past the point where their timeline was forked; never started as a"
                    + " standby nor promoted):\n");
            s.nodes().stream().filter(n -> s.diverged().contains(n.name())).forEach(n -> out.append("* ")
                    .append(n.name()).append(": ").append(n.activity()).append('\n'));
        }
        if (s.masters().size() > 1) {
            out.append("\n  WARNING: more than one node reports a writable PostgreSQL; only ")
                    .append(s.leaseHolder()).append(" holds the primary lease\n");
        }
        if (full) {
            out.append("\nNode Attributes:\n");
            for (NodeStatus n : s.nodes()) {
                out.append("* Node ").append(n.name()).append(":\n");
                if (n.witness()) {
                    out.append(attribute("role", "witness (votes only)"));
                    continue;
                }
                out.append(attribute("master-pgsql", n.masterScore()));
                out.append(attribute("pgsql-data-status", n.dataStatus()));
                if (n.masterBaseline() != null) {
                    out.append(attribute("pgsql-master-baseline", n.masterBaseline()));
                }
                out.append(attribute("pgsql-status", n.pgsqlStatus()));
                out.append(attribute("pgpacer-goal", n.goal()));
                out.append(attribute("pgpacer-wal", "timeline " + n.timeline() + ", " + n.lsn()));
                out.append(attribute("commit-guard", n.commitGuard().describe()));
                if (n.activity() != null) {
                    out.append(attribute("pgpacer-activity", n.activity()));
                }
            }
            out.append("\nMigration Summary:\n");
            for (NodeStatus n : s.nodes()) {
                out.append("* Node ").append(n.name()).append(":\n");
                if (n.failCount() > 0) {
                    out.append("   pgsql: migration-threshold=").append(s.migrationThreshold()).append(" fail-count=")
                            .append(n.failCount()).append(" last-failure='")
                            .append(Timestamps.local(n.lastFailure(), zone)).append("'\n");
                }
                s.resourceFailCounts().stream().filter(f -> f.node().equals(n.name())).forEach(f -> out.append("   ")
                        .append(f.resource()).append(": fail-count=").append(f.count()).append(" last-failure='")
                        .append(Timestamps.local(f.lastFailureAt(), zone)).append("'\n"));
            }
            PromotionRecord last = s.lastPromotion();
            if (last != null) {
                out.append("\nTimeline history (latest): ").append(last.node());
                if (last.initialStart()) {
                    out.append(" started the cluster ").append(Timestamps.local(last.at(), zone))
                            .append(" on timeline ").append(last.newTimeline());
                } else {
                    out.append(" promoted ").append(Timestamps.local(last.at(), zone)).append(", timeline ")
                            .append(last.oldTimeline()).append(" -> ").append(last.newTimeline()).append(" at ")
                            .append(last.switchLsn());
                }
                out.append(" (").append(last.reason()).append(")\n");
                out.append(replInfo(last)).append('\n');
            }
        }
        List<FailedAction> damage = s.storeMemberDamage();
        if (!damage.isEmpty()) {
            out.append("\nDamaged Store Members (cut off from the store until repaired):\n");
            for (FailedAction a : damage) {
                out.append("* ").append(a.node()).append(": ").append(a.exitReason()).append(",\n    recorded='")
                        .append(Timestamps.local(a.at(), zone)).append("' (once repaired: ")
                        .append(Hint.cleanupNode(a.node())).append(")\n");
            }
        }
        List<FailedAction> failed = s.failedActions().stream().filter(a -> !damage.contains(a)).toList();
        if (!failed.isEmpty()) {
            out.append("\nFailed Resource Actions:\n");
            for (FailedAction a : failed) {
                out.append("* ").append(a.resourceName()).append('_').append(a.operation()).append(" on ").append(a.node()).append(" '")
                        .append(rcText(a.rc())).append("' (").append(a.rc()).append("): exitreason='")
                        .append(a.exitReason()).append("',\n    last-rc-change='").append(Timestamps.local(a.at(), zone))
                        .append("'\n");
            }
        }
        return out.toString();
    }

    // Nobody takes writes: said before anything else, with the reason and the command that fixes it.
    private static String noPrimary(ClusterStatus.NoPrimary none) {
        return "              *** NO PRIMARY: no node accepts writes ***\n  " + none.reason() + "\n"
                + (none.fix() == null ? "" : "  To fix: " + none.fix() + "\n") + "\n";
    }

    // Every node with a fail-count, how near it is to migration-threshold and when the count expires.
    private static String failCounts(ClusterStatus s) {
        List<NodeStatus> counted = s.nodes().stream().filter(n -> n.failCount() > 0).toList();
        if (counted.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("Fail-counts (migration-threshold ").append(s.migrationThreshold())
                .append(", failure-timeout ").append(s.failureTimeout()).append("):\n");
        for (NodeStatus n : counted) {
            out.append("* ").append(n.name()).append(": fail-count ").append(n.failCount())
                    .append(n.failCount() >= s.migrationThreshold() ? " (not promoted while it lasts)" : "").append(", ")
                    .append(expiry(n)).append('\n');
        }
        return out.toString();
    }

    private static String expiry(NodeStatus n) {
        FailCountExpiry expiry = n.failCountExpiry();
        if (expiry == null || expiry.never()) {
            return "kept until " + Hint.cleanupNode(n.name());
        }
        if (expiry.waitsForHealth()) {
            return "expires once " + n.name() + " runs as primary or streams again";
        }
        if (expiry.remainingMillis() == null) {
            return "expires at " + expiry.expiresAt();
        }
        long seconds = (expiry.remainingMillis() + 999) / 1000;
        return seconds == 0 ? "expiring now" : "expires in " + seconds + " s";
    }

    /**
     * The latest promotion as the reference's {@code pgsql_REPL_INFO} cluster property shows it: the primary, the
     * timeline before its promotion and where that timeline ended ({@code pgsql_REPL_INFO:node1|1|00000000070000D0}).
     */
    static String replInfo(PromotionRecord last) {
        return "pgsql_REPL_INFO:" + last.node() + "|" + last.oldTimeline() + "|" + last.switchLsn().toBaseline();
    }

    /** The PostgreSQL clone as {@code crm_mon} shows a master/slave set. */
    static String postgresSet(ClusterStatus s) {
        StringBuilder out = new StringBuilder();
        out.append(" Master/Slave Set: " + ClusterStatus.POSTGRES_RESOURCE + " [pgsql]")
                .append(s.postgresMeta().enabled() ? "" : " (disabled)")
                .append(s.postgresMeta().managed() ? "" : " (unmanaged)").append('\n');
        out.append("     Masters: ").append(list(s.masters())).append('\n');
        out.append("     Slaves: ").append(list(s.slaves())).append('\n');
        if (!s.stopped().isEmpty()) {
            out.append("     Stopped: ").append(list(s.stopped())).append('\n');
        }
        return out.toString();
    }

    /**
     * The configured writer and reader VIPs as the reference's groups: {@code vip-master} in {@code master-group}, with
     * the master, and {@code vip-slave} in {@code slave-group}, on a standby, with the reason for its place.
     */
    static String builtInVips(ClusterStatus s) {
        StringBuilder out = new StringBuilder();
        if (s.writerVip() != null) {
            out.append(" Resource Group: ").append(VipAddresses.WRITER_GROUP).append('\n').append(primitiveLine(
                    VipAddresses.WRITER_ID, IPADDR2, s.writerVip()));
        }
        if (s.readerVip() != null) {
            out.append(" Resource Group: ").append(VipAddresses.READER_GROUP).append('\n').append(primitiveLine(
                    VipAddresses.READER_ID, IPADDR2, s.readerVip()));
        }
        return out.toString();
    }

    private static String primitiveLine(String id, String agent, String state) {
        return "     " + String.format("%-12s", id) + "\t(" + agent + "):\t" + state + "\n";
    }

    /**
     * The primitives as {@code crm_mon} lists them, each group under a {@code Resource Group:} line:
     * {@code  pgbouncer\t(pgpacer:exec):\tStarted node1}.
     */
    static String resources(List<ResourceStatus> resources) {
        StringBuilder out = new StringBuilder();
        String group = null;
        for (ResourceStatus r : resources) {
            if (r.group() != null && !r.group().equals(group)) {
                out.append(" Resource Group: ").append(r.group()).append('\n');
            }
            group = r.group();
            out.append(r.group() == null ? " " + String.format("%-12s", r.id()) + "\t(" + r.agent() + "):\t"
                    + r.describe() + "\n" : primitiveLine(r.id(), r.agent(), r.describe()));
        }
        return out.toString();
    }

    private static String attribute(String name, String value) {
        return String.format("    + %-32s: %s%n", name, value);
    }

    private static String list(List<String> names) {
        return names.isEmpty() ? "[ ]" : "[ " + String.join(" ", names) + " ]";
    }

    // The OCF meanings the reference prints next to each code.
    private static String rcText(int rc) {
        return switch (rc) {
            case 1 -> "unknown error";
            case 2 -> "invalid parameter";
            case 5 -> "not installed";
            case 6 -> "not configured";
            case 7 -> "not running";
            default -> "error";
        };
    }
}
