/**
 * Pure PostgreSQL knowledge, no I/O: rendering pgpacer.conf, pg_hba.conf, conninfo strings and the
 * passfile with correct quoting, and parsing pg_controldata, postmaster.pid and version output.
 */
package io.pgpacer.postgres.conf;
