package io.pgpacer.agent;

import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.cib.PromotionRecord;
import io.pgpacer.core.decide.ClusterSnapshot;
import io.pgpacer.postgres.CommitGuardState;
import io.pgpacer.postgres.PgObservation;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * This host's agent as the API and the metrics see it: what it last observed, whether its loop turns and its lease
 * holds, and the two requests they pass on (a failsafe ping, a planned restart). {@link Agent} implements it; the
 * API and the metrics depend on this and not on the agent, so that the agent is assembled and changed without them.
 * Every method may be called from any thread and answers without waiting for the agent's loop.
 */
public interface LocalAgent {

    /** Whether {@code node} reported within the node timeout, by this agent's clock. */
    boolean online(String node);

    /**
     * What the controller decides on, as this member sees it now: the CIB and this member's observations. A member
     * that is not the controller answers as a controller elected just now would (it trusts no silence yet).
     */
    ClusterSnapshot decisionSnapshot();

    /** Whether this member is the controller (the store's leader) now. */
    boolean controlling();

    /** This node's PostgreSQL as the loop last observed it, with its age; empty before the first pass. */
    Optional<LocalObservation> latestObservation();

    /** Calls {@code listener} (instead of any earlier one) with the nanoseconds each look at PostgreSQL took. */
    void onObserveTimed(LongConsumer listener);

    /** Milliseconds until this agent must fence its lease unless a renewal lands; empty while it holds none. */
    OptionalLong leaseRemainingMillis();

    /** The commit guard in this node's PostgreSQL, asked now; empty when it is not used or not loaded. */
    Optional<CommitGuardState> commitGuard();

    /**
     * The gray failure this node's PostgreSQL shows now (its commits hang or fail, or its WAL receipt stalls while
     * the primary advances), as the failed action words it; empty while there is none.
     */
    Optional<String> grayFailure();

    /** How many gray failures this agent counted since it started, by kind. */
    Map<String, Long> grayFailureCounts();

    /** Calls {@code listener} (instead of any earlier one) with each committed write probe's latency in nanoseconds. */
    void onWriteProbeCommitted(LongConsumer listener);

    /**
     * Calls {@code listener} (instead of any earlier one) with each promotion of this node whose phases its agent
     * measured and recorded in the timeline history, once, after the new primary's first write.
     */
    void onPromotionTimed(Consumer<PromotionRecord> listener);

    /** Whether this agent holds a primary lease it may still act on, by its own fencing clock. */
    boolean holdsValidLease();

    /**
     * Answers a failsafe ping from {@code primary}, which holds lease {@code generation} and cannot reach the store;
     * a confirmation is a promise not to take the lease for a lease time. Takes at most a short store timeout.
     */
    FailsafeAnswer answerFailsafe(String primary, long generation);

    /** Ends the agent for a planned restart; the answer is why it is refused, or empty when it was accepted. */
    Optional<String> requestRestart();

    /** Whether this agent runs no PostgreSQL and only votes. */
    boolean witness();

    /** Whether the observe → report → step loop still turns, as the liveness check sees it. */
    LoopProgress loopProgress();

    /** This member's answer to a failsafe ping; {@code reason} says why it confirmed or not. */
    record FailsafeAnswer(boolean confirmed, String reason) {
    }

    /**
     * A report this agent built, and how long ago.
     *
     * @param observed the look at PostgreSQL it was built from; null for a witness
     * @param ageMillis milliseconds since the observation, by the agent's monotonic clock
     */
    record LocalObservation(NodeReport report, PgObservation observed, long ageMillis) {
    }

    /**
     * How the loop is moving, by the agent's monotonic clock.
     *
     * @param running false before the loop started and after it ended
     * @param millisSinceLastPass since the loop last finished a pass (or started, before the first one ended)
     * @param millisInCurrentPass how long the pass under way has run; 0 between passes
     */
    record LoopProgress(boolean running, long millisSinceLastPass, long millisInCurrentPass) {
    }
}
