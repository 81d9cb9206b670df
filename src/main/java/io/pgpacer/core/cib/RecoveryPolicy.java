package io.pgpacer.core.cib;

/**
 * How nodes behave when the cluster store or their data cannot be trusted as usual.
 *
 * @param noQuorum what a primary cut off from the store's majority does before its lease can expire
 * @param failsafe whether a primary that lost the store keeps serving while every other member's agent
 *     confirms, directly, that it is cut off from the store too and sees no other primary
 * @param autoRewind whether a node whose WAL diverged from the new primary's timeline is rewound with
 *     pg_rewind without an operator command
 * @param commitsHang what a primary whose commits hang does ({@code write-probe-failure}); null (a CIB written
 *     before it existed) takes the default, failover
 */
public record RecoveryPolicy(NoQuorumPolicy noQuorum, boolean failsafe, boolean autoRewind,
        CommitsHangPolicy commitsHang) {

    public static final RecoveryPolicy DEFAULTS = new RecoveryPolicy(NoQuorumPolicy.STOP, false, true,
            CommitsHangPolicy.FAILOVER);

    public RecoveryPolicy {
        noQuorum = noQuorum == null ? NoQuorumPolicy.STOP : noQuorum;
        commitsHang = commitsHang == null ? CommitsHangPolicy.FAILOVER : commitsHang;
    }
}
