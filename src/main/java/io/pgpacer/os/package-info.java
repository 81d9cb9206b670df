/**
 * The OS as the agent meets it: running programs (to completion with a timeout and captured output, or as
 * long-lived children, always with a clean environment), asking whether a port can be bound, and the OS's
 * reason for a failed file or network operation in its own words.
 */
package io.pgpacer.os;
