package io.pgpacer.core.node;

/**
 * Where a node's PostgreSQL is, in the words an operator uses: what the node state machine starts every decision from
 * ({@link NodeMachine#stateOf}). Each state is read off the node's own observation (the postmaster, the data
 * directory, the lease it holds, the long step it runs, the last timeline check); the goal is not part of it.
 */
public enum NodeState {
    NO_DATA("no data", "the data directory holds no cluster"),
    FAILED("failed", "the data directory cannot be used (unreadable, or gone although it held this node's cluster)"),
    CLONING("cloning", "pg_basebackup copies the primary beside the data directory"),
    REWINDING("rewinding", "pg_rewind rewrites the data directory onto the primary's timeline"),
    STOPPED("stopped", "data is present and no postmaster runs"),
    DIVERGED("diverged", "stopped, and its WAL went past the point where the cluster's history forked its timeline"),
    STARTING("starting", "the postmaster runs but does not answer SQL yet"),
    CATCHING_UP("catching up", "a standby that does not stream from an upstream (yet)"),
    STREAMING("streaming", "a standby that streams WAL from its upstream"),
    PROMOTING("promoting", "a standby that holds the primary lease: it is about to be promoted"),
    PRIMARY("primary", "writable, holding the primary lease"),
    UNLEASED_WRITABLE("writable without the lease", "out of recovery but not holding the lease: it must be fenced");

    private final String words;
    private final String meaning;

    NodeState(String words, String meaning) {
        this.words = words;
        this.meaning = meaning;
    }

    /** The state as status and the event feed say it, e.g. {@code catching up}. */
    public String words() {
        return words;
    }

    /** One sentence of what the state means. */
    public String meaning() {
        return meaning;
    }
}
