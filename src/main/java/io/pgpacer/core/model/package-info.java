/** Value types of the cluster domain: WAL positions, timelines, node names; no I/O. */
package io.pgpacer.core.model;
