/** Imports a Pacemaker cluster's configuration (a CIB or a pcs script) as a pgpacer configuration, with notes. */
package io.pgpacer.pcs;
