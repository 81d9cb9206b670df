package io.pgpacer.postgres.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class ConninfoTest {

    @Test
    void leavesPlainValuesUnquoted() {
        assertEquals("10.0.0.1", Conninfo.quote("10.0.0.1"));
        assertEquals("/var/run/pgpacer/pgpass", Conninfo.quote("/var/run/pgpacer/pgpass"));
        assertEquals("fe80::1%eth0", Conninfo.quote("fe80::1%eth0"));
    }

    @Test
    void quotesSpacesQuotesBackslashesAndEmptyValues() {
        assertEquals("'/srv/my data/pgpass'", Conninfo.quote("/srv/my data/pgpass"));
        assertEquals("'o\\'brien'", Conninfo.quote("o'brien"));
        assertEquals("'a\\\\b'", Conninfo.quote("a\\b"));
        assertEquals("''", Conninfo.quote(""));
        assertEquals("'a=b'", Conninfo.quote("a=b"));
    }

    @Test
    void replicationConninfoNamesThePassfileNeverThePassword() {
        String conninfo = Conninfo.replication("10.0.0.1", 5432, "replicator", "node 2", "/run/pgpacer/pgpass");

        assertEquals("host=10.0.0.1 port=5432 user=replicator application_name='node 2'"
                + " passfile=/run/pgpacer/pgpass connect_timeout=2 keepalives_idle=5 keepalives_interval=1"
                + " keepalives_count=3", conninfo);
        assertFalse(conninfo.contains("password"));
    }

    @Test
    void rewindSourceConnectsAsTheSuperuserToTheDatabasePostgres() {
        assertEquals("host=10.0.0.2 port=5433 user=postgres dbname=postgres passfile=/p connect_timeout=2"
                        + " keepalives_idle=5 keepalives_interval=1 keepalives_count=3",
                Conninfo.rewindSource("10.0.0.2", 5433, "postgres", "/p"));
    }
}
