package io.pgpacer.core.decide;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeReport;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Who {@code pgpacer recover-master} makes the primary when the operator names nobody: the online node with the most
 * advanced WAL (timeline, then LSN; ties by configured order), as at the cluster's first start, ignoring the recorded
 * primary. Pure: the CIB and who is online in, the choice and its reason out.
 */
public final class RecoveryElection {

    /** The elected node and why, or the reason nobody can be. */
    public record Result(String node, String reason) {

        public boolean elected() {
            return node != null;
        }
    }

    private RecoveryElection() {
    }

    public static Result elect(Cib cib, Predicate<String> online) {
        CandidateRanking.Ranking ranking = CandidateRanking.recoveryCandidates(cib, online);
        Optional<String> best = ranking.best();
        String others = ranking.excluded().isEmpty() ? "" : " (not considered: " + ranking.excludedText() + ")";
        if (best.isEmpty()) {
            return new Result(null, "no node can be elected: " + ranking.excludedText());
        }
        NodeReport report = cib.reports().get(best.get());
        return new Result(best.get(), best.get() + " has the most advanced WAL (timeline " + report.timeline() + ", "
                + report.lsn() + ")" + others);
    }
}
