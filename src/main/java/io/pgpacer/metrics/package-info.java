/** Prometheus metrics of one agent, computed at scrape time from its state and its copy of the CIB. */
package io.pgpacer.metrics;
