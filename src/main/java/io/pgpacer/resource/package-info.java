/**
 * Resource agents for the operator's primitive resources, behind one small OCF-style contract: {@code ip}
 * (IPaddr2 semantics through {@link io.pgpacer.vip.linux.IpAddrVirtualIp}) and {@code exec} (the operator's own
 * shell commands, each in its own process group with a timeout).
 */
package io.pgpacer.resource;
