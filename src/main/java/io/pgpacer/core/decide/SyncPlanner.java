package io.pgpacer.core.decide;

import io.pgpacer.core.cib.ReplicaStatus;
import io.pgpacer.core.cib.ReplicationMode;
import io.pgpacer.core.cib.SyncPolicy;
import io.pgpacer.core.cib.SyncSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The primary's next step in keeping its sync standbys, a pure function. The order of steps is the S2
 * contract: a standby is recorded in the CIB before PostgreSQL waits for it; PostgreSQL stops waiting for a
 * standby before it leaves the CIB; falling back to asynchronous replication first clears the CIB record
 * (a compare-and-set that proves the lease) and only then lets PostgreSQL stop waiting.
 */
public final class SyncPlanner {

    /** What PostgreSQL is configured to wait for: {@code ANY k (names)}; no names means asynchronous. */
    public record Waiting(List<String> names, int k) {
        public static final Waiting NONE = new Waiting(List.of(), 0);

        public Waiting {
            names = List.copyOf(names);
        }
    }

    /** The one next step; at most one of the fields is set. */
    public record Step(SyncSet record, Waiting apply, String reason) {
        static Step none(String reason) {
            return new Step(null, null, reason);
        }
    }

    /**
     * Everything the planner looks at.
     *
     * @param replicas the primary's pg_stat_replication rows, by application_name
     * @param notStreamingSince per standby name, since when (ms, the agent's clock) it has not been streaming
     * @param candidates standbys that may be chosen, in configured order (data nodes other than the primary)
     * @param appliedAt when PostgreSQL last took the current {@code waiting} (ms), so removals wait for it to
     *     reach every backend
     */
    public record Input(SyncPolicy policy, SyncSet recorded, Waiting waiting, List<ReplicaStatus> replicas,
            Map<String, Long> notStreamingSince, List<String> candidates, long now, long appliedAt) {
    }

    /** How long a new {@code synchronous_standby_names} is given to reach every backend before records shrink. */
    public static final long SETTLE_MILLIS = 1_000;

    private SyncPlanner() {
    }

    /**
     * What a standby about to be promoted does before it is: the record to make first (null when the record already
     * names every standby waited for), and what PostgreSQL then waits for from its first commit as primary.
     */
    public record AtPromotion(SyncSet record, Waiting waiting) {
    }

    /**
     * A new primary in a sync mode waits for any k of the other data nodes from its first commit, until the sync steps
     * that follow narrow the wait to the standbys that stream (or, not strict, fall back to asynchronous replication
     * once none streamed for sync-timeout). PostgreSQL takes writes the moment it is promoted; waiting for nobody until
     * the first sync step would acknowledge commits that no standby holds, and a failover then would lose them (the
     * simulator's seed 901). As in every step, the record names them before PostgreSQL waits for them.
     */
    public static AtPromotion atPromotion(SyncPolicy policy, SyncSet recorded, List<String> candidates) {
        if (policy.mode() == ReplicationMode.ASYNC || candidates.isEmpty()) {
            return new AtPromotion(null, Waiting.NONE);
        }
        Waiting wait = new Waiting(candidates, Math.min(acksNeeded(policy), candidates.size()));
        List<String> current = recorded.standbys().stream().filter(candidates::contains).toList();
        if (current.containsAll(candidates) && current.size() == recorded.standbys().size()
                && recorded.minAcks() <= wait.k()) {
            return new AtPromotion(null, wait);
        }
        int acks = current.isEmpty() ? wait.k() : Math.min(recorded.minAcks(), wait.k());
        return new AtPromotion(new SyncSet(union(current, candidates), acks, recorded.version()), wait);
    }

    private static int acksNeeded(SyncPolicy policy) {
        return policy.mode() == ReplicationMode.SYNC ? 1 : Math.max(1, policy.quorum());
    }

    public static Step next(Input in) {
        if (in.policy().mode() == ReplicationMode.ASYNC) {
            return towards(in, Waiting.NONE, "asynchronous replication is configured");
        }
        int k = acksNeeded(in.policy());
        List<String> healthy = in.candidates().stream().filter(n -> streaming(in, n)).toList();
        List<String> keep = in.waiting().names().stream().filter(n -> withinGrace(in, n) && in.candidates().contains(n))
                .toList();
        List<String> desired = in.policy().mode() == ReplicationMode.SYNC ? syncStandby(in, keep, healthy)
                : union(keep, healthy);
        if (desired.size() < k) {
            if (in.policy().strict()) {
                // Commits wait for any k of all standbys, whichever stream again first.
                return towards(in, new Waiting(in.candidates(), Math.min(k, in.candidates().size())),
                        "strict: commits wait until " + k + " sync standby(s) stream");
            }
            return towards(in, Waiting.NONE, "fall back to asynchronous replication: " + desired.size() + " of " + k
                    + " sync standbys available");
        }
        return towards(in, new Waiting(desired, k), "sync standbys " + desired);
    }

    // Sync mode's one standby: the one waited for while it is within its grace; of several waited for (a new primary
    // waits for any of the others), the best that streams, or all of them until one streams or their grace ends.
    private static List<String> syncStandby(Input in, List<String> keep, List<String> healthy) {
        if (keep.isEmpty()) {
            return best(in, healthy, 1);
        }
        if (keep.size() == 1) {
            return keep;
        }
        List<String> keptStreaming = keep.stream().filter(n -> streaming(in, n)).toList();
        return keptStreaming.isEmpty() ? keep : best(in, keptStreaming, 1);
    }

    // The ordered steps from what is recorded and configured now towards {@code target}.
    private static Step towards(Input in, Waiting target, String why) {
        SyncSet recorded = in.recorded();
        // A recorded name that is no candidate is this primary itself (recorded by its predecessor): it holds
        // every commit of that era, so the record may drop it at once.
        List<String> current = recorded.standbys().stream().filter(in.candidates()::contains).toList();
        if (target.names().isEmpty()) {
            if (!recorded.isEmpty()) {
                return new Step(new SyncSet(List.of(), 0, recorded.version()), null, why + ": clear the record first");
            }
            return in.waiting().names().isEmpty() ? Step.none(why) : new Step(null, Waiting.NONE, why);
        }
        int recordedAcks = current.isEmpty() ? target.k() : Math.min(recorded.minAcks(), target.k());
        if (!current.containsAll(target.names()) || current.size() != recorded.standbys().size()
                || recorded.minAcks() > target.k()) {
            return new Step(new SyncSet(union(current, target.names()), recordedAcks, recorded.version()), null,
                    why + ": record before waiting");
        }
        if (!in.waiting().equals(target)) {
            return new Step(null, target, why);
        }
        boolean exact = new LinkedHashSet<>(current).equals(new LinkedHashSet<>(target.names()))
                && recorded.minAcks() == target.k();
        if (!exact && in.now() - in.appliedAt() >= SETTLE_MILLIS) {
            return new Step(new SyncSet(target.names(), target.k(), recorded.version()), null,
                    why + ": PostgreSQL no longer waits for " + minus(current, target.names()));
        }
        return Step.none(why);
    }

    private static boolean streaming(Input in, String name) {
        return in.replicas().stream().anyMatch(r -> r.name().equals(name) && r.streaming());
    }

    private static boolean withinGrace(Input in, String name) {
        if (streaming(in, name)) {
            return true;
        }
        Long since = in.notStreamingSince().get(name);
        return since != null && in.now() - since < in.policy().syncTimeoutMillis();
    }

    // The best {@code count} streaming standbys: least behind first, then configured order.
    private static List<String> best(Input in, List<String> healthy, int count) {
        Comparator<String> byLag = Comparator.comparing((String n) -> in.replicas().stream()
                .filter(r -> r.name().equals(n)).findFirst().map(ReplicaStatus::flushLsn).orElseThrow()).reversed()
                .thenComparingInt(in.candidates()::indexOf);
        return healthy.stream().sorted(byLag).limit(count).toList();
    }

    private static List<String> union(List<String> a, List<String> b) {
        Set<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return new ArrayList<>(all);
    }

    private static List<String> minus(List<String> a, List<String> b) {
        return a.stream().filter(n -> !b.contains(n)).toList();
    }
}
