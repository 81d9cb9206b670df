/** Value types of the cluster domain: WAL positions, timelines, node names, virtual IP addresses; no I/O. */
package io.pgpacer.core.model;
