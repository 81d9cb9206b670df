/**
 * The PostgreSQL adapter's contract: {@link io.pgpacer.postgres.PostgresInstance} and the records it
 * reads and returns; {@code conf} holds pure PostgreSQL knowledge, {@code local} drives real processes.
 */
package io.pgpacer.postgres;
