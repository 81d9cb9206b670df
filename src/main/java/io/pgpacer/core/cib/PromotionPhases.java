package io.pgpacer.core.cib;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where the time of one change of primary went, phase by phase, as the new primary's agent measured it on its
 * monotonic clock: from the CIBs its store member applied (the old primary's last sign of life, the loss established,
 * its own goal) and from its own steps (lease acquired, promotion confirmed, writer VIP added, first write probe
 * committed). The phases follow each other without gaps, so they add up to {@code totalMillis}; a phase that was not
 * observed is absent (no writer VIP configured, or an agent that started after the old primary was lost).
 *
 * @param times the phases observed, in the order they happened
 * @param totalMillis from the start of the first phase observed to the end of the last
 */
public record PromotionPhases(List<PhaseTime> times, long totalMillis) {

    /**
     * The phases of a change of primary, in the order they happen; a failover has no hand-over, a switchover no
     * detection.
     */
    public enum Phase {
        /** From the old primary's last sign of life (a lease renewal, a failure report) to its loss established. */
        DETECTION("detection"),
        /** From the controller beginning a switchover to the old primary handing the lease over (it stopped writes). */
        HANDOVER("hand-over"),
        /** From the loss (or the hand-over) to the controller assigning the new primary's goal. */
        DECISION("decision"),
        /** From the goal to the new primary holding the lease. */
        LEASE("lease"),
        /** From the lease to PostgreSQL confirming the new timeline (the promotion recorded, pg_promote). */
        PROMOTE("promote"),
        /** From the promotion to the writer VIP added on the new primary. */
        VIP("vip"),
        /** From then to the first commit of the new primary's write probe: writes provably work again. */
        FIRST_WRITE("first write");

        private final String words;

        Phase(String words) {
            this.words = words;
        }

        /** The phase in operator words, as the event line and {@code pgpacer history} print it. */
        public String words() {
            return words;
        }

        /** The phase as a Prometheus label value: {@code first_write}, {@code handover}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One phase and how long it took, in milliseconds. */
    public record PhaseTime(Phase phase, long millis) {
    }

    /** The instant, by the measuring agent's monotonic clock (ms), at which {@code phase} ended. */
    public record PhaseEnd(Phase phase, long atMillis) {
    }

    public PromotionPhases {
        times = List.copyOf(times);
    }

    /**
     * The phases between {@code startMillis} and each end in turn: each phase lasts from the previous end (the start
     * for the first) to its own. An end observed before the previous one (two observers of the same moment, such as a
     * VIP re-added after the first write) makes a phase of 0, never a negative one, and the total still runs to the
     * last instant.
     *
     * @param ends in the order of the phases, each phase at most once
     */
    public static PromotionPhases between(long startMillis, List<PhaseEnd> ends) {
        List<PhaseTime> times = new ArrayList<>();
        long previous = startMillis;
        for (PhaseEnd end : ends) {
            long at = Math.max(previous, end.atMillis());
            times.add(new PhaseTime(end.phase(), at - previous));
            previous = at;
        }
        return new PromotionPhases(times, previous - startMillis);
    }

    /** How long {@code phase} took, if it was observed. */
    public Optional<Long> millis(Phase phase) {
        return times.stream().filter(t -> t.phase() == phase).map(PhaseTime::millis).findFirst();
    }

    /**
     * E.g. {@code detection 2.31 s, decision 0.04 s, lease 0.12 s, promote 0.35 s, first write 0.21 s (total 3.03 s)}.
     */
    public String render() {
        return times.stream().map(t -> t.phase().words() + " " + seconds(t.millis()))
                .collect(Collectors.joining(", ")) + " (total " + seconds(totalMillis) + ")";
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
    }
}
