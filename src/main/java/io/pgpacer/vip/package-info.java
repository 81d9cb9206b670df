/**
 * Virtual IP addresses that follow the primary (read-write) or a standby (read-only): the {@link
 * io.pgpacer.vip.VirtualIp} contract for a validated {@link io.pgpacer.core.model.VipAddress}; {@code linux} drives
 * real interfaces.
 */
package io.pgpacer.vip;
