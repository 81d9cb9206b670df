/** The operator's view of the cluster, derived purely from the CIB. */
package io.pgpacer.core.status;
