package io.pgpacer.store;

import java.io.IOException;

/**
 * This host's store member cannot start: its Raft storage is damaged, or missing although the cluster already
 * knows the member. The message is one sentence naming what is wrong and the command that repairs it.
 */
public final class StoreDamagedException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient MemberHealth health;

    public StoreDamagedException(MemberHealth health, Throwable cause) {
        super(health.describe(), cause);
        this.health = health;
    }

    public MemberHealth health() {
        return health;
    }
}
