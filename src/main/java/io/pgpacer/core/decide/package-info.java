/** The scheduler: pure decisions from a cluster snapshot to a plan of store commands. */
package io.pgpacer.core.decide;
