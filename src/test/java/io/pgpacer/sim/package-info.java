/**
 * The deterministic simulator (issue 16 point 5): the real scheduler, reducer and node state machine run against a
 * simulated store, PostgreSQL, network and clocks on one thread, driven by one seed, checked for S1-S3 and liveness.
 */
package io.pgpacer.sim;
