/**
 * The resource and constraint part of the CIB (Pacemaker's {@code <resources>} and {@code <constraints>}): the
 * PostgreSQL promotable clone, IP address and {@code exec} primitives, groups, their operations and the
 * colocation, order and location constraints, with one validation that the store, the API and the CLI share.
 */
package io.pgpacer.core.resource;
