package io.pgpacer.api.security;

import io.pgpacer.os.PortBinding;
import java.net.InetAddress;

/** Whether an address belongs to this host: loopback, or assigned to one of its interfaces. */
public final class ThisHost {

    private ThisHost() {
    }

    public static boolean owns(InetAddress address) {
        return address != null && PortBinding.isLocal(address);
    }
}
