package io.pgpacer.core.timeline;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.cib.PromotionPhases;
import io.pgpacer.core.cib.PromotionPhases.Phase;
import io.pgpacer.core.cib.PromotionPhases.PhaseEnd;
import io.pgpacer.core.cib.Role;
import io.pgpacer.core.cib.Switchover;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The instants of a change of primary to {@code self}, on one clock: the agent's monotonic milliseconds at which its
 * store member applied each CIB ({@link #applied}) and at which the agent took each of its own steps. Pure: every
 * instant is given, nothing is read, so the same sequence always gives the same phases ({@link #phases}).
 *
 * <p>From the CIBs: the lease holder's last sign of life (a renewal or an acquisition applied, or a failure of it
 * counted), the controller beginning a switchover, the holder's lease freed (expired, released, handed over: the loss
 * established) and this node's goal becoming primary. A change of primary is followed from that loss until this node
 * made its first write; another node taking the lease, or this node losing it, ends it without phases.
 *
 * @param self the node whose promotion is timed
 * @param previous the CIB applied before, null before the first (which says nothing about when anything happened)
 * @param holderSignAt when the current lease holder last showed life, -1 when not seen since this agent started
 * @param handoverBegunAt when the controller told the current holder to hand over for a switchover, or -1
 * @param timed the change of primary to this node under way, or null
 */
public record PromotionStopwatch(String self, Cib previous, long holderSignAt, long handoverBegunAt, Timed timed) {

    /** Not seen (yet). */
    static final long UNSEEN = -1;

    /**
     * One change of primary to this node: the instants seen so far, {@value PromotionStopwatch#UNSEEN} for those not
     * seen (yet).
     *
     * @param startAt the old primary's last sign of life (a failover) or the switchover's beginning, or -1
     * @param lostAt the old primary's lease freed
     */
    public record Timed(String oldPrimary, boolean switchover, long startAt, long lostAt, long goalAt, long leaseAt,
            long promotedAt, long vipAt, long firstWriteAt) {

        static Timed lost(String oldPrimary, boolean switchover, long startAt, long lostAt) {
            return new Timed(oldPrimary, switchover, startAt, lostAt, UNSEEN, UNSEEN, UNSEEN, UNSEEN, UNSEEN);
        }

        Timed goal(long at) {
            return goalAt != UNSEEN ? this
                    : new Timed(oldPrimary, switchover, startAt, lostAt, at, leaseAt, promotedAt, vipAt, firstWriteAt);
        }

        Timed lease(long at) {
            return leaseAt != UNSEEN ? this
                    : new Timed(oldPrimary, switchover, startAt, lostAt, goalAt, at, promotedAt, vipAt, firstWriteAt);
        }

        Timed promoted(long at) {
            return promotedAt != UNSEEN ? this
                    : new Timed(oldPrimary, switchover, startAt, lostAt, goalAt, leaseAt, at, vipAt, firstWriteAt);
        }

        Timed vip(long at) {
            return vipAt != UNSEEN || promotedAt == UNSEEN ? this
                    : new Timed(oldPrimary, switchover, startAt, lostAt, goalAt, leaseAt, promotedAt, at, firstWriteAt);
        }

        Timed firstWrite(long at) {
            return firstWriteAt != UNSEEN || promotedAt == UNSEEN ? this
                    : new Timed(oldPrimary, switchover, startAt, lostAt, goalAt, leaseAt, promotedAt, vipAt, at);
        }
    }

    /** A stopwatch that has seen nothing yet. */
    public static PromotionStopwatch of(String self) {
        return new PromotionStopwatch(self, null, UNSEEN, UNSEEN, null);
    }

    /** Takes the next CIB the store member applied, at {@code at}; call it for every CIB, in order. */
    public PromotionStopwatch applied(Cib cib, long at) {
        if (previous == null) {
            return new PromotionStopwatch(self, cib, UNSEEN, UNSEEN, null);
        }
        Lease before = previous.lease();
        Lease after = cib.lease();
        String oldHolder = before.holder();
        long signAt = holderSignAt;
        long begunAt = handoverBegunAt;
        Timed next = timed;
        if (!after.isFree() && !after.heldBy(oldHolder)) {
            // why: an acquisition is its holder's first sign of life, and starts its own story.
            signAt = at;
            begunAt = UNSEEN;
        } else if (!after.isFree() && !after.equals(before)) {
            signAt = at;
        }
        if (oldHolder != null && cib.failCount(oldHolder).count() > previous.failCount(oldHolder).count()) {
            signAt = at;
        }
        if (beganHandover(previous.switchover(), cib.switchover(), oldHolder)) {
            begunAt = at;
        }
        if (oldHolder != null && !oldHolder.equals(self) && after.isFree()) {
            boolean handedOver = cib.switchover() != null && cib.switchover().phase() == Switchover.Phase.CATCHING_UP
                    && oldHolder.equals(cib.switchover().from());
            next = Timed.lost(oldHolder, handedOver, handedOver ? begunAt : signAt, at);
        } else if (!after.isFree() && !after.heldBy(self) || before.heldBy(self) && !after.heldBy(self)) {
            // why: another node became primary, or this one lost the lease before its first write.
            next = null;
        }
        if (next != null && cib.goal(self).map(NodeGoal::role).orElse(null) == Role.PRIMARY) {
            next = next.goal(at);
        }
        return new PromotionStopwatch(self, cib, after.isFree() ? UNSEEN : signAt, begunAt, next);
    }

    private static boolean beganHandover(Switchover before, Switchover after, String holder) {
        return after != null && after.phase() == Switchover.Phase.HANDING_OVER && after.from().equals(holder)
                && (before == null || before.phase() != Switchover.Phase.HANDING_OVER);
    }

    /** This node's agent holds the lease since {@code at}. */
    public PromotionStopwatch leaseAcquired(long at) {
        return timed == null ? this : with(timed.lease(at));
    }

    /** PostgreSQL confirmed the new timeline at {@code at} (the confirmation applied). */
    public PromotionStopwatch promoted(long at) {
        return timed == null ? this : with(timed.promoted(at));
    }

    /** The writer VIP was added on this node at {@code at}; only after the promotion counts. */
    public PromotionStopwatch vipAdded(long at) {
        return timed == null ? this : with(timed.vip(at));
    }

    /** This node's write probe committed at {@code at}; only the first after the promotion counts. */
    public PromotionStopwatch committed(long at) {
        return timed == null ? this : with(timed.firstWrite(at));
    }

    /** The change of primary is recorded (or given up): the stopwatch waits for the next one. */
    public PromotionStopwatch done() {
        return with(null);
    }

    private PromotionStopwatch with(Timed changed) {
        return new PromotionStopwatch(self, previous, holderSignAt, handoverBegunAt, changed);
    }

    /**
     * The phases of the change of primary under way, once it is complete: promoted, first write made, and the writer
     * VIP added when one is configured. Empty before that, and when no change of primary to this node is being timed.
     */
    public Optional<PromotionPhases> phases(boolean writerVipConfigured) {
        if (timed == null || timed.promotedAt() == UNSEEN || timed.firstWriteAt() == UNSEEN
                || writerVipConfigured && timed.vipAt() == UNSEEN) {
            return Optional.empty();
        }
        List<PhaseEnd> ends = new ArrayList<>();
        if (timed.startAt() != UNSEEN) {
            ends.add(new PhaseEnd(timed.switchover() ? Phase.HANDOVER : Phase.DETECTION, timed.lostAt()));
        }
        end(ends, Phase.DECISION, timed.goalAt());
        end(ends, Phase.LEASE, timed.leaseAt());
        end(ends, Phase.PROMOTE, timed.promotedAt());
        end(ends, Phase.VIP, timed.vipAt());
        end(ends, Phase.FIRST_WRITE, timed.firstWriteAt());
        long start = timed.startAt() != UNSEEN ? timed.startAt() : timed.lostAt();
        return Optional.of(PromotionPhases.between(start, ends));
    }

    private static void end(List<PhaseEnd> ends, Phase phase, long at) {
        if (at != UNSEEN) {
            ends.add(new PhaseEnd(phase, at));
        }
    }
}
