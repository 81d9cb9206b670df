package io.pgpacer.testkit.lab;

/** How a partition treats the packets it stops. */
public enum Cut {
    /** Packets vanish: senders notice only by timeouts, like a pulled cable or a dead switch. */
    DROP,
    /**
     * Packets are refused: TCP gets a reset and other traffic an ICMP port-unreachable, so senders fail at once,
     * like a firewall that rejects.
     */
    REJECT
}
