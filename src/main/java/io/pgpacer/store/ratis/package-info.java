/** The cluster store on Apache Ratis: the CIB state machine, its snapshots, and the member that runs it. */
package io.pgpacer.store.ratis;
