/**
 * Virtual IP addresses that follow the primary (read-write) or a standby (read-only): the {@link
 * io.pgpacer.vip.VirtualIp} contract and the validated {@link io.pgpacer.vip.VipAddress}; {@code linux} drives
 * real interfaces.
 */
package io.pgpacer.vip;
