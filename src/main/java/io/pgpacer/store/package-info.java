/** The replicated cluster store: its contract, its JSON codec and the Ratis implementation. */
package io.pgpacer.store;
