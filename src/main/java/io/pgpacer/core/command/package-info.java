/** Typed CIB changes and their deterministic application (the store's state machine logic). */
package io.pgpacer.core.command;
