package io.pgpacer.postgres;

import java.util.OptionalLong;

/**
 * What the pgpacer_guard extension in a running PostgreSQL holds: the lease generation it last granted
 * ({@code 0}: none since PostgreSQL started), the milliseconds until commits are refused (empty while none was
 * granted; negative once passed), and how many commits it refused before their commit record or whose
 * acknowledgement it withheld because the lease ran out while they were written.
 */
public record CommitGuardState(long epoch, OptionalLong remainingMillis, long refusedCommits, long withheldAcks) {
}
