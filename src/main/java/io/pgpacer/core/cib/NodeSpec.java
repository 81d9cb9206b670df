package io.pgpacer.core.cib;

/**
 * A configured cluster member: where its agent and PostgreSQL listen. Witnesses run no PostgreSQL and
 * only vote in the Raft group.
 */
public record NodeSpec(String name, String address, int apiPort, int raftPort, int pgPort, boolean witness) {

    public boolean holdsData() {
        return !witness;
    }
}
