/**
 * Virtual IPs on Linux the way Pacemaker's IPaddr2 handles them: {@code ip addr add/del} on the interface and a
 * gratuitous ARP from iputils' {@code arping}; {@link io.pgpacer.vip.linux.IpAddrListing} reads
 * {@code ip -j addr show}.
 */
package io.pgpacer.vip.linux;
