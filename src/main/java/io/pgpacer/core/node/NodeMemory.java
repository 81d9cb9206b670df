package io.pgpacer.core.node;

/**
 * What the node state machine remembers from earlier passes of this agent (lost with the agent: a new agent starts
 * from {@link #FRESH}). The agent keeps it and updates it as steps are carried out.
 *
 * @param configuredUpstream the upstream PostgreSQL was last configured to follow, or null (a primary, or nothing
 *     configured by this agent yet: PostgreSQL runs only after this agent configured it)
 * @param rolesEnsured whether this agent made sure of the superuser's and the replication role's existence
 * @param repairDone the request time of the operator's repair this agent carried out last, until the store clears it
 * @param lastUnstickAttempt the upstream and timeline a stuck standby was last stopped for ("n1 on timeline 3"): tried
 *     once per upstream timeline
 * @param unstickAttempt set while a stuck standby was stopped for a recheck and is not started again yet
 * @param notStreamingSinceMillis since when this running standby has not streamed (monotonic ms), or -1
 * @param diverged whether the last start-time check found the data diverged and nothing rewound or replaced it since
 * @param rewindFailed whether pg_rewind failed on this data directory after its source answered, and nothing replaced
 *     the data since: a second pg_rewind would fail the same way
 */
public record NodeMemory(String configuredUpstream, boolean rolesEnsured, String repairDone,
        String lastUnstickAttempt, String unstickAttempt, long notStreamingSinceMillis, boolean diverged,
        boolean rewindFailed) {

    public static final NodeMemory FRESH = new NodeMemory(null, false, null, null, null, -1, false, false);

    public NodeMemory withConfiguredUpstream(String upstream) {
        return new NodeMemory(upstream, rolesEnsured, repairDone, lastUnstickAttempt, unstickAttempt,
                notStreamingSinceMillis, diverged, rewindFailed);
    }

    public NodeMemory withRolesEnsured() {
        return new NodeMemory(configuredUpstream, true, repairDone, lastUnstickAttempt, unstickAttempt,
                notStreamingSinceMillis, diverged, rewindFailed);
    }

    public NodeMemory withRepairDone(String requestedAt) {
        return new NodeMemory(configuredUpstream, rolesEnsured, requestedAt, lastUnstickAttempt, unstickAttempt,
                notStreamingSinceMillis, diverged, rewindFailed);
    }

    /** Stopped for a recheck after not streaming: remembered so that the same upstream timeline is tried once. */
    public NodeMemory withUnstickAttempt(String attempt) {
        return new NodeMemory(configuredUpstream, rolesEnsured, repairDone, attempt, attempt,
                notStreamingSinceMillis, diverged, rewindFailed);
    }

    /** Stopped after not streaming, without a recheck to follow (auto-rewind off): tried once all the same. */
    public NodeMemory withTriedUnstick(String attempt) {
        return new NodeMemory(configuredUpstream, rolesEnsured, repairDone, attempt, unstickAttempt,
                notStreamingSinceMillis, diverged, rewindFailed);
    }

    public NodeMemory withoutUnstickAttempt() {
        return new NodeMemory(configuredUpstream, rolesEnsured, repairDone, lastUnstickAttempt, null,
                notStreamingSinceMillis, diverged, rewindFailed);
    }

    /**
     * The not-streaming timer: started ({@code sinceMillis}) at the first pass that finds a standby of the goal's
     * upstream not streaming, cleared (-1) once it streams or is restarted.
     */
    public NodeMemory withNotStreamingSince(long sinceMillis) {
        return new NodeMemory(configuredUpstream, rolesEnsured, repairDone, lastUnstickAttempt, unstickAttempt,
                sinceMillis, diverged, rewindFailed);
    }

    public NodeMemory withDiverged(boolean divergedNow) {
        return new NodeMemory(configuredUpstream, rolesEnsured, repairDone, lastUnstickAttempt, unstickAttempt,
                notStreamingSinceMillis, divergedNow, rewindFailed);
    }

    /** pg_rewind failed on this data directory (true), or the data was rewound or replaced since (false). */
    public NodeMemory withRewindFailed(boolean failed) {
        return new NodeMemory(configuredUpstream, rolesEnsured, repairDone, lastUnstickAttempt, unstickAttempt,
                notStreamingSinceMillis, diverged, failed);
    }
}
