package io.pgpacer.postgres;

/**
 * A relation file's names on a running server: its database, and {@code schema.table} when the server has a relation
 * with that file (null otherwise).
 */
public record RelationName(String database, String relation) {
}
