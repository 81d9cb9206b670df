package io.pgpacer.postgres.local;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Test-side SQL as the superuser over loopback, the way an application or a DBA would reach the node. */
final class Sql {
    private Sql() {
    }

    static void execute(int port, String sql) {
        try (Connection connection = connect(port); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new AssertionError("on port " + port + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    /** The first column of every row; an error (server not ready yet) is returned as a one-element list. */
    static List<String> column(int port, String sql) {
        try (Connection connection = connect(port); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (rows.next()) {
                values.add(rows.getString(1));
            }
            return values;
        } catch (SQLException e) {
            return List.of("ERROR: " + e.getMessage());
        }
    }

    private static Connection connect(int port) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                + "/postgres?user=postgres&connectTimeout=2&socketTimeout=10&ApplicationName=pgpacer-test");
    }
}
