/** The cluster information base (CIB): immutable records replicated by the store. */
package io.pgpacer.core.cib;
