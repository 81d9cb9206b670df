/** The agents' REST API, its Patroni-compatible health checks, and the typed client the CLI uses. */
package io.pgpacer.api;
