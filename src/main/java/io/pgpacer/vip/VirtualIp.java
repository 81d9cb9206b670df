package io.pgpacer.vip;

import io.pgpacer.core.model.VipAddress;

/**
 * One virtual IP address on one network interface of this host, moved between hosts like Pacemaker's IPaddr2.
 * Every method is idempotent and safe to repeat after a failure; none is atomic with respect to another host
 * (the scheduler makes sure at most one host is told to hold an address).
 */
public interface VirtualIp {

    /** The address, its prefix length and its interface. */
    VipAddress address();

    /**
     * Puts the address on its interface and announces it to the neighbours (a gratuitous ARP for IPv4), so
     * that they stop sending to the previous holder. Already present is success, and announces again.
     *
     * @throws VipException if the address could not be added (the message says why, for example missing
     *         privileges), or if it was added but the announcement failed (it then stays on the interface)
     */
    void start();

    /**
     * Removes the address from its interface, whatever prefix length it was added with. Absent is success.
     *
     * @throws VipException if the address is still on the interface afterwards
     */
    void stop();

    /**
     * Whether the address is on its interface now (with any prefix length).
     *
     * @throws VipException if the interface cannot be inspected, for example because it does not exist
     */
    boolean isPresent();
}
