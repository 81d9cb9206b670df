package io.pgpacer.postgres.conf;

import java.util.Arrays;
import java.util.List;

/** Reasoning about PostgreSQL's {@code listen_addresses} setting. */
public final class ListenAddresses {
    private static final List<String> IPV4_LOOPBACK_REACHABLE = List.of("*", "0.0.0.0", "localhost", "127.0.0.1");
    private static final List<String> IPV6_LOOPBACK_REACHABLE = List.of("::", "::1");

    private ListenAddresses() {
    }

    /**
     * What PostgreSQL listens on for a node at {@code nodeAddress}: that address, plus loopback so that the
     * agent monitors where pg_hba trusts it (on the node's address the superuser needs a password, and none is
     * set when the cluster is first created); with a writer VIP, every address, since the VIP comes and goes
     * while PostgreSQL runs.
     */
    public static String forNode(String nodeAddress, boolean writerVip) {
        if (writerVip) {
            return "*";
        }
        if (IPV4_LOOPBACK_REACHABLE.contains(nodeAddress) || IPV6_LOOPBACK_REACHABLE.contains(nodeAddress)) {
            return nodeAddress;
        }
        return nodeAddress + "," + (nodeAddress.contains(":") ? "::1" : "127.0.0.1");
    }

    /**
     * The address the local agent should connect to: loopback whenever PostgreSQL listens there (so
     * pg_hba's loopback trust applies), otherwise the first configured address.
     *
     * @throws IllegalArgumentException if PostgreSQL listens on no TCP address at all
     */
    public static String monitorHost(String listenAddresses) {
        List<String> addresses = Arrays.stream(listenAddresses.split(","))
                .map(String::strip).filter(address -> !address.isEmpty()).toList();
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("listen address is empty: PostgreSQL would accept no TCP"
                    + " connections, so neither the agent nor the standbys could reach it");
        }
        if (addresses.stream().anyMatch(IPV4_LOOPBACK_REACHABLE::contains)) {
            return "127.0.0.1";
        }
        if (addresses.stream().anyMatch(IPV6_LOOPBACK_REACHABLE::contains)) {
            return "::1";
        }
        return addresses.get(0);
    }
}
