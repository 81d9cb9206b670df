/** The agents' REST API and the typed client the CLI uses. */
package io.pgpacer.api;
