/**
 * Gray failures judged without I/O: what the primary's latest commit probe means, and whether a standby's received
 * WAL stands still while its upstream's advances.
 */
package io.pgpacer.core.probe;
