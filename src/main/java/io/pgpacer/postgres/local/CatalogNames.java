package io.pgpacer.postgres.local;

import io.pgpacer.postgres.PostgresException;
import io.pgpacer.postgres.RelationName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Names relation files as the WAL identifies them ({@code tablespace/database/relfilenode}) by a running server's
 * catalog: the database by {@code pg_database}, the relation by {@code pg_filenode_relation} in that database. A file
 * the server has no relation for (created after the fork, or rewritten since) keeps no name.
 */
final class CatalogNames {

    private static final int TIMEOUT_SECONDS = 10;
    private static final String RELATION_SQL = "SELECT n.nspname, c.relname FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = pg_filenode_relation(?::oid, ?::oid)";

    private CatalogNames() {
    }

    /**
     * @return per file node that has a database on the server, its names (the relation's null when unknown there)
     * @throws PostgresException if the server cannot be reached or a query fails (the driver's words are in it)
     */
    static Map<String, RelationName> of(String host, int port, String user, String password,
            Collection<String> fileNodes) {
        Map<String, RelationName> names = new LinkedHashMap<>();
        Map<Long, String> databases = new HashMap<>();
        try (Connection connection = open(host, port, "postgres", user, password);
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT oid::bigint, datname FROM pg_database")) {
            while (rows.next()) {
                databases.put(rows.getLong(1), rows.getString(2));
            }
        } catch (SQLException e) {
            throw new PostgresException("naming the discarded relations by the catalog of " + host + ":" + port
                    + " failed: " + e.getMessage(), e);
        }
        Map<Long, Map<String, long[]>> byDatabase = new LinkedHashMap<>();
        for (String fileNode : fileNodes) {
            String[] parts = fileNode.split("/");
            if (parts.length != 3 || !databases.containsKey(Long.parseLong(parts[1]))) {
                continue;
            }
            byDatabase.computeIfAbsent(Long.parseLong(parts[1]), d -> new LinkedHashMap<>())
                    .put(fileNode, new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[2])});
        }
        for (Map.Entry<Long, Map<String, long[]>> database : byDatabase.entrySet()) {
            String databaseName = databases.get(database.getKey());
            try (Connection connection = open(host, port, databaseName, user, password);
                 PreparedStatement statement = connection.prepareStatement(RELATION_SQL)) {
                for (Map.Entry<String, long[]> file : database.getValue().entrySet()) {
                    statement.setLong(1, file.getValue()[0]);
                    statement.setLong(2, file.getValue()[1]);
                    try (ResultSet row = statement.executeQuery()) {
                        names.put(file.getKey(), new RelationName(databaseName,
                                row.next() ? row.getString(1) + "." + row.getString(2) : null));
                    }
                }
            } catch (SQLException e) {
                throw new PostgresException("naming the discarded relations in database '" + databaseName + "' of "
                        + host + ":" + port + " failed: " + e.getMessage(), e);
            }
        }
        return names;
    }

    private static Connection open(String host, int port, String database, String user, String password)
            throws SQLException {
        String hostInUrl = host.contains(":") ? "[" + host + "]" : host;
        // why encoded: a database name may hold any character; the driver decodes the URL's path
        return JdbcSession.connect("jdbc:postgresql://" + hostInUrl + ":" + port + "/"
                + java.net.URLEncoder.encode(database, java.nio.charset.StandardCharsets.UTF_8), user, password,
                TIMEOUT_SECONDS, TIMEOUT_SECONDS, "host " + host);
    }
}
