package io.pgpacer.api;

import io.pgpacer.agent.LocalAgent.LoopProgress;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.model.Lsn;
import java.util.Map;
import java.util.Optional;

/**
 * Decides each health endpoint's answer from a node's {@link HealthFacts}, as a pure function: Patroni's
 * semantics, with this agent's own primary lease in place of Patroni's leader lock. Every answer carries the
 * sentence that explains it.
 */
public final class HealthCheck {

    /** This node's PostgreSQL as the checks judge it. */
    private enum Condition { WITNESS, UNKNOWN, NOT_RUNNING, UNRESPONSIVE, PRIMARY, STREAMING, DISCONNECTED }

    /** The judged condition, its word for the {@code state} field, and the sentence describing it. */
    private record Judged(Condition condition, String state, String description) {
    }

    /** One check's outcome and why. */
    private record Verdict(boolean healthy, String reason) {
    }

    private HealthCheck() {
    }

    /**
     * Answers one health check.
     *
     * @param query the request's query parameters; only {@code lag} is read, and only by endpoints that accept it
     * @return 200 or 503 with the node's health document, or 400 when {@code lag} is malformed
     */
    public static HealthAnswer evaluate(HealthEndpoint endpoint, Map<String, String> query, HealthFacts facts) {
        Optional<MaxLag> maxLag = Optional.empty();
        if (endpoint.acceptsLag() && query.containsKey("lag")) {
            try {
                maxLag = Optional.of(MaxLag.parse(query.get("lag")));
            } catch (IllegalArgumentException e) {
                return HealthAnswer.badRequest(e.getMessage());
            }
        }
        Judged pg = judge(facts);
        Verdict verdict = switch (endpoint) {
            case PRIMARY -> writablePrimary(facts, pg);
            case LEADER -> leaseHolder(facts);
            case REPLICA -> streamingReplica(facts, pg, maxLag);
            case READ_ONLY, READINESS -> pg.condition() == Condition.PRIMARY ? writablePrimary(facts, pg)
                    : streamingReplica(facts, pg, maxLag);
            case HEALTH -> postgresRunning(pg);
            case LIVENESS -> loopAlive(facts);
        };
        return HealthAnswer.of(verdict.healthy(), document(facts, pg, verdict.reason()));
    }

    private static Judged judge(HealthFacts facts) {
        NodeReport pg = facts.postgres();
        if (facts.witness()) {
            return new Judged(Condition.WITNESS, "witness", "this node is a witness: it runs no PostgreSQL");
        }
        if (pg == null) {
            return new Judged(Condition.UNKNOWN, "unknown", "the agent has not observed PostgreSQL yet");
        }
        // why: an old observation may describe a PostgreSQL that has since stopped; the controller stops trusting a
        // node's reports after the same time.
        if (facts.observedMillisAgo() > facts.staleAfterMillis()) {
            return new Judged(Condition.UNKNOWN, "unknown", "the agent last observed PostgreSQL "
                    + facts.observedMillisAgo() + " ms ago, more than the node timeout of " + facts.staleAfterMillis()
                    + " ms (its loop is busy or stuck)");
        }
        if (pg.running() && !facts.postmasterAlive()) {
            return new Judged(Condition.NOT_RUNNING, "failed",
                    "the postmaster (pid " + pg.postmasterPid() + ") has exited");
        }
        String state = ClusterView.stateOf(pg);
        return switch (pg.pgState()) {
            case PRIMARY -> new Judged(Condition.PRIMARY, state, "PostgreSQL runs as a writable primary");
            case STANDBY -> pg.streaming()
                    ? new Judged(Condition.STREAMING, state, "PostgreSQL is a standby streaming from "
                            + (pg.upstream() == null ? "an upstream outside the cluster" : pg.upstream()))
                    : new Judged(Condition.DISCONNECTED, state, "PostgreSQL is a standby that is not streaming");
            case UNRESPONSIVE -> new Judged(Condition.UNRESPONSIVE, state,
                    "the postmaster runs but PostgreSQL does not answer SQL");
            case STOPPED, FAILED, NO_DATA, DIVERGED -> new Judged(Condition.NOT_RUNNING, state,
                    "PostgreSQL is not running (" + state + ")");
        };
    }

    private static Verdict writablePrimary(HealthFacts facts, Judged pg) {
        if (pg.condition() != Condition.PRIMARY) {
            boolean standby = pg.condition() == Condition.STREAMING || pg.condition() == Condition.DISCONNECTED;
            return new Verdict(false, standby ? "PostgreSQL is a standby, not the primary" : pg.description());
        }
        if (facts.grayFailure() != null) {
            return new Verdict(false, "PostgreSQL answers as primary but cannot make a write durable ("
                    + facts.grayFailure() + "): do not send writes here");
        }
        Verdict lease = leaseHolder(facts);
        return lease.healthy() ? new Verdict(true, "writable primary holding the primary lease")
                : new Verdict(false, "PostgreSQL is writable but " + lease.reason() + ": do not send writes here");
    }

    // The agent's own lease keeper decides: its clock runs out before the store's. The CIB must agree, so that
    // a keeper that has not yet noticed the store taking its lease away is not believed.
    private static Verdict leaseHolder(HealthFacts facts) {
        String recorded = facts.leaseHolder() == null ? "the lease is free" : "the lease holder is " + facts.leaseHolder();
        if (!facts.holdsValidLease()) {
            return new Verdict(false, "this agent holds no valid primary lease (" + recorded + ")");
        }
        if (!facts.node().equals(facts.leaseHolder())) {
            return new Verdict(false, "this agent's lease is not the one the store records (" + recorded + ")");
        }
        return new Verdict(true, "this agent holds a valid primary lease");
    }

    private static Verdict streamingReplica(HealthFacts facts, Judged pg, Optional<MaxLag> maxLag) {
        if (pg.condition() != Condition.STREAMING) {
            return new Verdict(false, pg.condition() == Condition.PRIMARY ? "PostgreSQL is the primary, not a replica"
                    : pg.description());
        }
        if (facts.holdsValidLease() || facts.node().equals(facts.leaseHolder())) {
            return new Verdict(false, "this node holds the primary lease (it is being promoted), so it is no replica");
        }
        if (facts.grayFailure() != null) {
            return new Verdict(false, pg.description() + ", but its replication hangs (" + facts.grayFailure() + ")");
        }
        if (maxLag.isEmpty()) {
            return new Verdict(true, pg.description());
        }
        long max = maxLag.get().bytes();
        Optional<Long> lag = lag(facts);
        if (lag.isEmpty()) {
            return new Verdict(false, pg.description() + ", but its lag is unknown: the store holds no position of a"
                    + " running primary");
        }
        return lag.get() > max
                ? new Verdict(false, pg.description() + ", " + lag.get() + " bytes behind the primary: more than the "
                        + max + " allowed")
                : new Verdict(true, pg.description() + ", " + lag.get() + " bytes behind the primary (" + max
                        + " allowed)");
    }

    private static Verdict postgresRunning(Judged pg) {
        boolean running = pg.condition() == Condition.PRIMARY || pg.condition() == Condition.STREAMING
                || pg.condition() == Condition.DISCONNECTED;
        return new Verdict(running, pg.description());
    }

    // why the store member counts: an agent whose member cannot take part in the store is cut off from the cluster
    // for good, however well its loop turns; only an operator's repair helps, so the check must not say alive.
    private static Verdict loopAlive(HealthFacts facts) {
        if (facts.storeMember().damaged()) {
            return new Verdict(false, facts.storeMember().describe());
        }
        LoopProgress loop = facts.loop();
        if (!loop.running()) {
            return new Verdict(false, "the agent's loop is not running");
        }
        // why: pg_basebackup and pg_rewind run inside a pass and may take hours; a long pass is not a dead loop.
        if (loop.millisInCurrentPass() > 0) {
            return new Verdict(true, "the agent's loop is in a pass that has run for " + loop.millisInCurrentPass()
                    + " ms");
        }
        if (loop.millisSinceLastPass() > facts.staleAfterMillis()) {
            return new Verdict(false, "the agent's loop has not started a pass for " + loop.millisSinceLastPass()
                    + " ms, more than the node timeout of " + facts.staleAfterMillis() + " ms");
        }
        return new Verdict(true, "the agent's loop finished a pass " + loop.millisSinceLastPass() + " ms ago");
    }

    private static Optional<Long> lag(HealthFacts facts) {
        return ClusterView.lagBytes(Optional.ofNullable(facts.primaryLsn()), facts.postgres().lsn());
    }

    private static NodeHealth document(HealthFacts facts, Judged pg, String reason) {
        NodeReport report = facts.witness() ? null : facts.postgres();
        String role = switch (pg.condition()) {
            case PRIMARY -> "primary";
            case STREAMING, DISCONNECTED -> "replica";
            case WITNESS -> "witness";
            case UNKNOWN, NOT_RUNNING, UNRESPONSIVE -> "none";
        };
        boolean standby = pg.condition() == Condition.STREAMING || pg.condition() == Condition.DISCONNECTED;
        return new NodeHealth(facts.node(), role, pg.state(),
                report == null || report.timeline() == 0 ? null : report.timeline(),
                report == null || report.lsn().equals(Lsn.ZERO) ? null : report.lsn(),
                standby ? lag(facts).orElse(null) : null,
                report == null ? null : report.upstream(),
                facts.leaseHolder(), facts.holdsValidLease(),
                report == null ? null : facts.observedMillisAgo(), reason);
    }
}
