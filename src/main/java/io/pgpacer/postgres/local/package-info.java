/**
 * Runs one node's PostgreSQL on this host: the postmaster as a child of the agent, the PostgreSQL
 * programs (as the PostgreSQL OS user) and a JDBC connection with short timeouts.
 */
package io.pgpacer.postgres.local;
