/** Who may call an agent's API: bearer tokens, client certificates, HTTPS, and the default when none is configured. */
package io.pgpacer.api.security;
