package io.pgpacer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.pgpacer.core.model.Lsn;

/**
 * The JSON document every health check answers with, shaped like Patroni's: what this node is, and in
 * {@code reason} why the check answered as it did.
 *
 * @param role {@code primary}, {@code replica}, {@code witness}, or {@code none} when PostgreSQL does not run
 * @param state PostgreSQL's state ({@code running}, {@code streaming}, {@code disconnected}, {@code stopped},
 *     ...), {@code unknown} when the agent's last observation is too old to trust
 * @param lag bytes of WAL behind the primary; absent when this node is no standby or the primary's position is
 *     unknown
 * @param holdsLease whether this agent holds a valid primary lease by its own fencing clock
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeHealth(
        String node,
        String role,
        String state,
        Long timeline,
        Lsn lsn,
        Long lag,
        String upstream,
        String leaseHolder,
        boolean holdsLease,
        Long observedMsAgo,
        String reason) {
}
