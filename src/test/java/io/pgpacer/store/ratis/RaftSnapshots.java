package io.pgpacer.store.ratis;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;

/** Asks a running member of a real store to take a snapshot now, as it does by itself every threshold commands. */
public final class RaftSnapshots {

    private RaftSnapshots() {
    }

    /** Makes {@code config}'s member snapshot its state machine; returns the snapshot's log index. */
    public static long take(RatisStoreConfig config) throws IOException {
        RaftPeer self = RaftPeer.newBuilder().setId(config.self()).setAddress(config.selfAddress().getHostString() + ":"
                + config.selfAddress().getPort()).build();
        RaftProperties properties = RatisClusterStore.properties(config);
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(10, TimeUnit.SECONDS));
        try (RaftClient client = RaftClient.newBuilder().setClientId(ClientId.randomId())
                .setRaftGroup(RaftGroup.valueOf(RatisClusterStore.groupId(config.clusterName()), self))
                .setProperties(properties).setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(20,
                        TimeDuration.valueOf(250, TimeUnit.MILLISECONDS))).build()) {
            RaftClientReply reply = client.getSnapshotManagementApi(RaftPeerId.valueOf(config.self())).create(true,
                    10_000);
            if (!reply.isSuccess()) {
                throw new IOException("member " + config.self() + " took no snapshot: " + reply);
            }
            return reply.getLogIndex();
        }
    }
}
