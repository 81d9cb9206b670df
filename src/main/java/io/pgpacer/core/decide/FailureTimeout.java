package io.pgpacer.core.decide;

import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.ClusterProperty;
import io.pgpacer.core.cib.FailCount;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.command.StoreCommand.ExpireFailCount;
import io.pgpacer.core.command.StoreCommand.ExpireResourceFailCount;
import io.pgpacer.core.resource.ResourceFailCount;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Pacemaker's {@code failure-timeout}: a fail-count whose last failure is older than the timeout expires, and the
 * node may hold the primary role again (PostgreSQL's count, once the node is healthy: online and running as the
 * primary or streaming) or run that resource again (a resource's count). The
 * age is measured on the controller's wall clock (the snapshot's), since the failure time is a wall-clock time;
 * expiry only makes a node eligible again and never promotes or places by itself. Cleared in the store first, like
 * a stale lease, so every later decision sees the store's count.
 */
final class FailureTimeout {

    private FailureTimeout() {
    }

    static Optional<Plan> expire(ClusterSnapshot snapshot) {
        Cib cib = snapshot.cib();
        long timeout = cib.settings().failureTimeoutMillis();
        if (timeout <= 0) {
            return Optional.empty();
        }
        List<Plan.Step> steps = new ArrayList<>();
        for (NodeSpec node : cib.nodes()) {
            FailCount count = cib.failCount(node.name());
            // why healthy first: a node that still fails (or never came back) keeps its count, however old, so that
            // migration-threshold keeps it from the primary role; one that rejoined and streams gets it back
            if (count.count() == 0 || cib.maintenance().covers(node.name())
                    || !(snapshot.online(node.name()) && cib.runsHealthy(node.name()))) {
                continue;
            }
            Optional<Long> at = parse(count.lastFailureAt());
            if (at.isPresent() && snapshot.wallClock() - at.get() >= timeout) {
                steps.add(new Plan.Step(new ExpireFailCount(node.name(), count.count(), count.lastFailureAt()),
                        node.name() + " fail-count " + count.count() + " last failed at " + count.lastFailureAt()
                                + ", longer ago than failure-timeout " + ClusterProperty.FAILURE_TIMEOUT.value(cib)));
            }
        }
        for (ResourceFailCount count : cib.resourceRuntime().failCounts()) {
            if (count.count() == 0 || cib.maintenance().covers(count.node())) {
                continue;
            }
            Optional<Long> at = parse(count.lastFailureAt());
            if (at.isPresent() && snapshot.wallClock() - at.get() >= timeout) {
                steps.add(new Plan.Step(new ExpireResourceFailCount(count.resource(), count.node(), count.count(),
                        count.lastFailureAt()), count.resource() + " fail-count " + count.count() + " on "
                                + count.node() + " last failed at " + count.lastFailureAt()
                                + ", longer ago than failure-timeout " + ClusterProperty.FAILURE_TIMEOUT.value(cib)));
            }
        }
        return steps.isEmpty() ? Optional.empty() : Optional.of(new Plan(steps, List.of()));
    }

    // A failure time that is not an ISO-8601 instant never expires: better a count kept than one dropped early.
    private static Optional<Long> parse(String at) {
        try {
            return at == null ? Optional.empty() : Optional.of(Instant.parse(at).toEpochMilli());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
