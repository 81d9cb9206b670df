package io.pgpacer.cli;

import io.pgpacer.config.AgentConfig;
import io.pgpacer.store.ratis.RatisStoreConfig;

/** The agent's store configuration, for tests in other packages that look at a real agent's Raft storage. */
public final class StoreCommandAccess {

    private StoreCommandAccess() {
    }

    public static RatisStoreConfig storeConfig(AgentConfig config) {
        return StoreCommand.storeConfig(config);
    }
}
