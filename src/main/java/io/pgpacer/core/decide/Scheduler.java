package io.pgpacer.core.decide;

import static io.pgpacer.core.model.Durations.seconds;

import io.pgpacer.core.cib.PromotionCause;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ControllerActivity;
import io.pgpacer.core.cib.FailedAction;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.command.StoreCommand.AssignGoals;
import io.pgpacer.core.command.StoreCommand.ExpireLease;
import io.pgpacer.core.command.StoreCommand.WithdrawFailedAction;
import io.pgpacer.core.model.Durations;
import io.pgpacer.core.model.Hint;
import io.pgpacer.core.resource.Constraint;
import io.pgpacer.core.resource.PostgresClone;
import io.pgpacer.core.resource.ResourceMeta;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pacemaker's policy engine for pgpacer: a pure function from a {@link ClusterSnapshot} to a {@link Plan}.
 * It runs on the Raft leader; it reads no clock and does no I/O, so every decision can be replayed from
 * its input.
 */
public final class Scheduler {

    /** The heads of the primary goals' reasons this scheduler gives (the cause the history records). */
    private static final String INITIAL_START = PromotionCause.INITIAL_START.words() + ": ";
    private static final String FAILOVER = PromotionCause.FAILOVER.words() + ": ";

    private Scheduler() {
    }

    public static Plan decide(ClusterSnapshot snapshot) {
        Cib cib = snapshot.cib();
        if (!cib.initialized()) {
            return Plan.note("waiting for the cluster to be initialised");
        }
        if (cib.maintenance().cluster()) {
            return Plan.note("maintenance: the cluster is paused; pgpacer observes and does not act"
                    + " (" + Hint.clusterResume() + ")");
        }
        // A primary in maintenance is not replaced: nobody would stop it, so a promotion would make two.
        String primaryInMaintenance = Optional.ofNullable(cib.lease().holder()).or(cib::goalPrimary)
                .filter(cib.maintenance()::covers).orElse(null);
        if (primaryInMaintenance != null) {
            return Plan.note("maintenance: the primary " + primaryInMaintenance + " is in maintenance; no failover"
                    + " and no change of goals until it leaves maintenance");
        }
        ResourceMeta postgres = cib.resources().postgres().meta();
        // 1. A lease nobody renews any more is freed first; promotion is decided on the next pass, on a
        //    CIB that shows the lease free. Not while msPostgresql is unmanaged: as in maintenance, nobody
        //    would act on a freed lease but a promotion, which an unmanaged PostgreSQL must not see.
        Optional<Plan> expiry = postgres.managed() ? expireStaleLease(snapshot) : Optional.empty();
        if (expiry.isPresent()) {
            return expiry.get();
        }
        // 1b. A fail-count older than failure-timeout expires, cleared in the store before anything relies on it.
        Optional<Plan> expiredFailures = FailureTimeout.expire(snapshot);
        if (expiredFailures.isPresent()) {
            return expiredFailures.get();
        }
        // 1c. A recorded refusal to promote is withdrawn once a primary serves again: it no longer matters.
        Optional<Plan> settledRefusals = withdrawSettledRefusals(cib);
        if (settledRefusals.isPresent()) {
            return settledRefusals.get();
        }
        // 2-4. PostgreSQL's goals: who is primary, everyone else streams from it.
        PostgresDecision pg = !postgres.managed() ? observePostgres(cib)
                : !postgres.enabled() ? stopPostgresEverywhere(snapshot) : decidePostgres(snapshot);
        if (!pg.settled()) {
            return pg.plan();
        }
        // 5. Once the roles are settled, the reader VIP follows a healthy standby,
        // 6. and the operator's resources follow their constraints.
        Plan settled = ReaderVipPlanner.plan(snapshot, pg.primary()).map(reader -> reader.withNotes(pg.plan().notes()))
                .orElse(pg.plan());
        return settled.followedBy(ResourcePlanner.plan(snapshot));
    }

    /**
     * What the scheduler decided for PostgreSQL: {@code settled} when no goal change or switchover step is
     * pending, so that the resources that depend on PostgreSQL's roles may be placed in the same pass.
     *
     * @param primary the primary the other nodes follow, or null
     */
    record PostgresDecision(Plan plan, String primary, boolean settled) {

        static PostgresDecision pending(Plan plan) {
            return new PostgresDecision(plan, null, false);
        }
    }

    private static PostgresDecision decidePostgres(ClusterSnapshot snapshot) {
        Cib cib = snapshot.cib();
        // 2. A planned switchover in progress decides the primary itself.
        Optional<Plan> switchover = SwitchoverPlanner.plan(snapshot);
        if (switchover.isPresent()) {
            return PostgresDecision.pending(switchover.get());
        }
        // 2b. A primary put in standby, or banned from msPostgresql, hands its role over first.
        Plan drain = StandbyPlanner.drainPrimary(snapshot);
        if (!drain.isEmpty()) {
            return PostgresDecision.pending(drain);
        }
        // 3. Choose the primary; 4. everyone else streams from it.
        PrimaryChoice choice = choosePrimary(snapshot);
        Plan goals = (choice.blocked() != null ? Plan.blocked(choice.blocked())
                : choice.primary() == null ? Plan.note(choice.reason()) : assignGoals(cib, choice))
                .withNotes(drain.notes());
        return new PostgresDecision(goals, choice.primary(), goals.isEmpty());
    }

    // when msPostgresql is unmanaged (pgpacer resource unmanage msPostgresql): as in maintenance, PostgreSQL is
    // observed only; no goal changes and no failover, whatever its state
    private static PostgresDecision observePostgres(Cib cib) {
        String primary = Optional.ofNullable(cib.lease().holder()).or(cib::goalPrimary).orElse(null);
        return new PostgresDecision(Plan.note(PostgresClone.ID + " is unmanaged: pgpacer observes PostgreSQL and"
                + " changes no goal, no failover (" + Hint.manage(PostgresClone.ID) + ")"), primary, true);
    }

    // when msPostgresql is disabled (pgpacer resource disable msPostgresql): every data node stops PostgreSQL, the
    // primary's agent releases the lease as it stops, and nothing is promoted while it stays disabled; a switchover
    // not yet complete is given up first
    private static PostgresDecision stopPostgresEverywhere(ClusterSnapshot snapshot) {
        Cib cib = snapshot.cib();
        String enable = " (" + Hint.enable(PostgresClone.ID) + ")";
        if (cib.switchover() != null && !(cib.switchover().to() != null
                && cib.lease().heldBy(cib.switchover().to()))) {
            return PostgresDecision.pending(SwitchoverPlanner.abort(snapshot, PostgresClone.ID + " is disabled")
                    .orElseThrow());
        }
        Map<String, NodeGoal> changes = new LinkedHashMap<>();
        for (NodeSpec node : cib.dataNodes()) {
            NodeGoal stopped = new NodeGoal(Role.STOPPED, null, PostgresClone.ID + " is disabled" + enable);
            if (!cib.maintenance().covers(node.name()) && !stopped.sameTarget(cib.goals().get(node.name()))) {
                changes.put(node.name(), stopped);
            }
        }
        if (changes.isEmpty()) {
            return new PostgresDecision(Plan.note(PostgresClone.ID + " is disabled: PostgreSQL stays stopped on every"
                    + " data node and no node is promoted" + enable), null, true);
        }
        return PostgresDecision.pending(new Plan(List.of(new Plan.Step(new AssignGoals(cib.goalsVersion(), changes),
                PostgresClone.ID + " is disabled: " + String.join(", ", changes.keySet()) + " stop PostgreSQL, and"
                        + " no node is promoted until it is enabled" + enable)), List.of()));
    }

    /**
     * The node that should be primary, and why; {@code primary} is null when nobody can be now.
     *
     * @param blocked when a lost primary cannot be replaced now: whether the controller waits for reports or no node
     *     is eligible, and the fix; null otherwise
     */
    record PrimaryChoice(String primary, String reason, boolean changed, ControllerActivity blocked) {

        PrimaryChoice(String primary, String reason, boolean changed) {
            this(primary, reason, changed, null);
        }

        static PrimaryChoice blocked(ControllerActivity activity) {
            return new PrimaryChoice(null, activity.describe(), false, activity);
        }
    }

    // when a primary serves under a valid lease again: the refusals to promote recorded while none could be are
    // withdrawn, so that the failed actions show only failures that still matter
    private static Optional<Plan> withdrawSettledRefusals(Cib cib) {
        String primary = cib.lease().holder();
        if (primary == null || cib.report(primary).filter(r -> r.pgState() == PgState.PRIMARY).isEmpty()) {
            return Optional.empty();
        }
        List<Plan.Step> steps = cib.failedActions().stream().filter(FailedAction::refusedPromotion)
                .map(a -> new Plan.Step(new WithdrawFailedAction(a), "refusal to promote at " + a.at()
                        + " settled: " + primary + " serves as primary"))
                .toList();
        return steps.isEmpty() ? Optional.empty() : Optional.of(new Plan(steps, List.of()));
    }

    // when the holder stops renewing: free the lease once the lease time passed by the controller's clock, or the
    // lease time less the fence margin when the holder's commits are guarded (Lease)
    private static Optional<Plan> expireStaleLease(ClusterSnapshot snapshot) {
        Lease lease = snapshot.cib().lease();
        long leaseMillis = snapshot.cib().settings().leaseMillis();
        boolean guardedLease = snapshot.cib().leaseGuarded();
        if (lease.isFree() || snapshot.leaseAge() < Lease.expiresAfterMillis(leaseMillis, guardedLease)) {
            return Optional.empty();
        }
        String guarded = " less the fence margin " + Durations.render(Lease.fenceMarginMillis(leaseMillis)) + ": "
                + lease.holder() + "'s commit guard refuses commits by then";
        String reason = lease.holder() + " lease not renewed for " + seconds(snapshot.leaseAge()) + " (lease-time "
                + seconds(leaseMillis) + (guardedLease ? guarded : "") + ")";
        return Optional.of(new Plan(
                List.of(new Plan.Step(new ExpireLease(lease.holder(), lease.generation(), lease.renewals()), reason)),
                List.of()));
    }

    private static PrimaryChoice choosePrimary(ClusterSnapshot snapshot) {
        Cib cib = snapshot.cib();
        Lease lease = cib.lease();
        // A valid lease decides: its holder is the primary until it releases the lease or it expires.
        if (!lease.isFree()) {
            return new PrimaryChoice(lease.holder(), lease.holder() + " holds a valid lease", false);
        }
        Optional<String> goalPrimary = cib.goalPrimary();
        if (goalPrimary.isPresent() && keepsPrimaryRole(snapshot, goalPrimary.get())) {
            return new PrimaryChoice(goalPrimary.get(), goalPrimary.get() + " remains the assigned primary", false);
        }
        if (goalPrimary.isEmpty() && cib.history().isEmpty()) {
            return electInitialPrimary(snapshot);
        }
        Optional<PrimaryChoice> resumed = goalPrimary.isEmpty() ? resumeRecordedPrimary(snapshot) : Optional.empty();
        if (resumed.isPresent()) {
            return resumed.get();
        }
        return electFailoverPrimary(snapshot, goalPrimary.orElse(null));
    }

    // The assigned primary keeps its role while it can still take the lease: it is eligible and online, or
    // this controller has not yet waited bootstrap-wait for it (a full cluster restart keeps its master).
    private static boolean keepsPrimaryRole(ClusterSnapshot snapshot, String node) {
        Cib cib = snapshot.cib();
        boolean diverged = cib.report(node).filter(r -> r.pgState() == PgState.DIVERGED).isPresent();
        if (!cib.eligibleForPrimary(node) || diverged) {
            return false;
        }
        if (snapshot.online(node)) {
            return true;
        }
        boolean neverHeard = !snapshot.lastHeard().containsKey(node);
        return neverHeard && snapshot.sinceControllerStart() < cib.settings().bootstrapWaitMillis();
    }

    // when no node is assigned the primary role but one was promoted before (msPostgresql enabled again after
    // 'resource disable', every node back from standby): the last recorded primary resumes on its timeline, as after
    // a full cluster restart (F12). It stopped last and cleanly, so it holds every commit; electing among the
    // stopped standbys instead could lose its last WAL.
    private static Optional<PrimaryChoice> resumeRecordedPrimary(ClusterSnapshot snapshot) {
        Cib cib = snapshot.cib();
        return cib.lastPromotion().filter(p -> p.confirmed()).map(p -> p.node())
                .filter(node -> cib.node(node).filter(NodeSpec::holdsData).isPresent())
                .filter(node -> !cib.runsNoPostgres(node) && keepsPrimaryRole(snapshot, node))
                .map(node -> new PrimaryChoice(node, node + " resumes as the recorded primary (timeline "
                        + cib.currentTimeline() + "): no node was assigned the primary role", true));
    }

    // when no promotion was ever recorded: wait for the data nodes, then take the most advanced WAL
    private static PrimaryChoice electInitialPrimary(ClusterSnapshot snapshot) {
        Cib cib = snapshot.cib();
        List<String> silent = cib.dataNodes().stream().map(NodeSpec::name)
                .filter(n -> !snapshot.online(n) || !cib.reports().containsKey(n)).toList();
        long waited = snapshot.sinceControllerStart();
        long wait = cib.settings().bootstrapWaitMillis();
        if (!silent.isEmpty() && waited < wait) {
            return new PrimaryChoice(null, INITIAL_START + "waiting for " + String.join(", ", silent)
                    + " to report (bootstrap-wait " + seconds(wait) + ", " + seconds(wait - waited) + " left)", false);
        }
        CandidateRanking.Ranking ranking = CandidateRanking.initialCandidates(snapshot);
        if (ranking.best().isEmpty()) {
            return new PrimaryChoice(null, INITIAL_START + "no node can start the cluster: " + ranking.excludedText(),
                    false);
        }
        String best = ranking.best().get();
        NodeReport report = cib.reports().get(best);
        String why = report.hasData()
                ? INITIAL_START + best + " has the most advanced WAL (timeline " + report.timeline() + ", "
                        + report.lsn() + ")"
                : INITIAL_START + "no node has data; " + best + " is first in the configured order and runs initdb";
        return new PrimaryChoice(best, why, true);
    }

    // when the primary is lost (lease free, assigned primary gone or ineligible): promote the best standby
    private static PrimaryChoice electFailoverPrimary(ClusterSnapshot snapshot, String lostPrimary) {
        Cib cib = snapshot.cib();
        CandidateRanking.Ranking ranking = CandidateRanking.failoverCandidates(snapshot, lostPrimary);
        String lost = lostPrimary == null ? "no primary is assigned" : lostPrimary + " " + lossReason(snapshot, lostPrimary);
        if (ranking.best().isEmpty()) {
            // why two kinds: a standby that has not reported since the loss will within a report interval, and the
            // failover proceeds; only a refusal with every report in calls for the operator
            if (ranking.awaitsReports()) {
                return PrimaryChoice.blocked(new ControllerActivity(ControllerActivity.Kind.WAITING_FOR_REPORTS,
                        "waiting for reports before a promotion: " + lost + ", and no standby is eligible yet: "
                                + ranking.excludedText(), null));
            }
            return PrimaryChoice.blocked(new ControllerActivity(ControllerActivity.Kind.NO_ELIGIBLE_NODE,
                    "no promotion: " + lost + ", and no standby is eligible: " + ranking.excludedText(),
                    fix(cib, ranking, lostPrimary)));
        }
        String best = ranking.best().get();
        NodeReport report = cib.reports().get(best);
        return new PrimaryChoice(best, FAILOVER + lost + "; " + best + " is the most advanced standby ("
                + report.lsn() + ")", true);
    }

    // The command that makes a node eligible: the most advanced excluded node's fix first, else the lost primary's
    // fail-count (it may take its role back once cleaned up); null when no command would help (nodes offline).
    private static String fix(Cib cib, CandidateRanking.Ranking ranking, String lostPrimary) {
        List<String> byWal = CandidateRanking.byWal(cib, ranking.excluded().stream()
                .filter(e -> e.fix() != null && e.node() != null && cib.reports().containsKey(e.node()))
                .map(CandidateRanking.Exclusion::node).toList());
        Optional<String> nodeFix = byWal.stream().findFirst().flatMap(best -> ranking.excluded().stream()
                .filter(e -> best.equals(e.node()) && e.fix() != null).map(CandidateRanking.Exclusion::fix).findFirst());
        return nodeFix
                .or(() -> ranking.excluded().stream().map(CandidateRanking.Exclusion::fix).filter(f -> f != null)
                        .findFirst())
                .or(() -> Optional.ofNullable(lostPrimary).filter(n -> !cib.eligibleForPrimary(n))
                        .map(Hint::cleanupNode))
                .orElse(null);
    }

    private static String lossReason(ClusterSnapshot snapshot, String node) {
        Cib cib = snapshot.cib();
        if (cib.report(node).filter(r -> r.pgState() == PgState.DIVERGED).isPresent()) {
            return "diverged from the timeline history";
        }
        if (!cib.eligibleForPrimary(node)) {
            return "reached migration-threshold (fail-count " + cib.failCount(node).count() + ")";
        }
        return "is offline";
    }

    private static Plan assignGoals(Cib cib, PrimaryChoice choice) {
        String primary = choice.primary();
        Map<String, NodeGoal> changes = new LinkedHashMap<>();
        NodeGoal primaryGoal = NodeGoal.primary(choice.reason());
        if (!primaryGoal.sameTarget(cib.goals().get(primary))) {
            changes.put(primary, primaryGoal);
        }
        for (NodeSpec node : cib.dataNodes()) {
            if (node.name().equals(primary) || cib.maintenance().covers(node.name())) {
                continue;
            }
            String why = choice.changed() ? "follow the new primary " + primary : "stream from the primary " + primary;
            NodeGoal goal = cib.runsNoPostgres(node.name()) ? StandbyPlanner.stopped(cib, node.name())
                    : NodeGoal.standbyOf(primary, why);
            if (!goal.sameTarget(cib.goals().get(node.name()))) {
                changes.put(node.name(), goal);
            }
        }
        if (changes.isEmpty()) {
            return Plan.note("no action: " + choice.reason());
        }
        List<Plan.Step> steps = new ArrayList<>();
        String reason = changes.containsKey(primary) ? choice.reason()
                : changes.values().stream().allMatch(g -> g.role() == Role.STOPPED)
                        ? stoppedReason(cib, List.copyOf(changes.keySet()))
                        : "standbys follow " + primary;
        steps.add(new Plan.Step(new AssignGoals(cib.goalsVersion(), changes), reason));
        return new Plan(steps, List.of());
    }

    // "node standby: n3 runs no resources; msPostgresql banned from n2"
    private static String stoppedReason(Cib cib, List<String> nodes) {
        List<String> standby = nodes.stream().filter(cib::inStandby).toList();
        List<String> banned = nodes.stream().filter(n -> !cib.inStandby(n)).toList();
        List<String> parts = new ArrayList<>();
        if (!standby.isEmpty()) {
            parts.add("node standby: " + String.join(", ", standby) + (standby.size() == 1 ? " runs" : " run")
                    + " no resources");
        }
        if (!banned.isEmpty()) {
            List<String> constraints = banned.stream().map(n -> cib.postgresBan(n).map(Constraint.Location::id)
                    .orElse("?")).toList();
            parts.add(PostgresClone.ID + " banned from " + String.join(", ", banned) + " (constraint"
                    + (banned.size() == 1 ? " " : "s ") + String.join(", ", constraints) + ")");
        }
        return String.join("; ", parts);
    }
}
