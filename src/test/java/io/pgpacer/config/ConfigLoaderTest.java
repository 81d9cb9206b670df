package io.pgpacer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

    private static final Path FILE = Path.of("/etc/pgpacer/cluster.yaml");

    private static final String VALID = """
            cluster: pgcluster
            node: pg-151
            nodes:
              - {name: pg-151, address: 10.0.0.1}
              - {name: pg-152, address: 10.0.0.2, api-port: 8010, raft-port: 7410, pg-port: 5433}
              - {name: arbiter, address: 10.0.0.3, role: witness}
            postgresql:
              data-dir: /var/lib/pgpacer/{node}/data
              replication-password: s3cret
              parameters: {max_connections: 200}
              pg-hba: ["host all app 10.0.0.0/24 scram-sha-256"]
            timings: {monitor-interval: 500ms, lease-time: 2s}
            migration-threshold: 3
            """;

    @Test
    void validConfigurationHasDefaultsFilledIn() {
        AgentConfig config = ConfigLoader.parse(FILE, VALID, null);
        assertEquals("pgcluster", config.clusterName());
        assertEquals(Path.of("/var/lib/pgpacer/pg-151/data"), config.postgres().dataDir());
        assertEquals(8008, config.self().apiPort());
        assertEquals(5433, config.nodes().get(1).pgPort());
        assertTrue(config.nodes().get(2).witness());
        assertEquals(Duration.ofMillis(500), config.timings().monitorInterval());
        assertEquals(Duration.ofSeconds(30), config.timings().bootstrapWait());
        assertEquals(3, config.migrationThreshold());
        assertEquals("replicator", config.postgres().replicationUser());
        assertEquals("200", config.postgres().parameters().get("max_connections"));
        assertEquals(io.pgpacer.core.cib.SyncPolicy.ASYNC, config.clusterSettings().sync());
    }

    /** The reference's cluster_setup.sh, beyond the clone and the VIPs: a pgbouncer that follows the primary. */
    @Test
    void theResourcesANewClusterStartsWithAreReadLikeACibDocument() {
        AgentConfig config = ConfigLoader.parse(FILE, VALID + """
                resources:
                  msPostgresql:
                    operations: ["monitor role=Master interval=3s timeout=60s", "monitor role=Slave interval=4s"]
                  primitives:
                    - id: pgbouncer
                      type: exec
                      params: {start: "pgbouncer -d /etc/pgbouncer.ini", stop: "pkill -F /run/pgbouncer.pid",
                               monitor: "test -e /run/pgbouncer.pid || exit 7"}
                      operations: ["monitor interval=5s"]
                constraints:
                  - colocation pgbouncer with master msPostgresql
                  - order promote msPostgresql then start pgbouncer
                """, null);
        io.pgpacer.core.resource.Resources resources = config.resources();
        assertEquals(List.of("msPostgresql", "pgbouncer"), resources.ids());
        assertEquals(3_000, resources.postgres().monitor("Master").orElseThrow().intervalMillis());
        assertEquals(4_000, resources.postgres().monitor("Slave").orElseThrow().intervalMillis());
        assertEquals(List.of("colocation-pgbouncer-msPostgresql-INFINITY", "order-msPostgresql-pgbouncer-mandatory"),
                resources.constraints().stream().map(io.pgpacer.core.resource.Constraint::id).toList());
        assertEquals(io.pgpacer.core.resource.Resources.EMPTY, ConfigLoader.parse(FILE, VALID, null).resources());
    }

    @Test
    void restartsBackOffFromRestartBackoffDoublingUpToItsMaximum() {
        Timings defaults = ConfigLoader.parse(FILE, VALID, null).timings();
        assertEquals(List.of(500L, 1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 30_000L, 30_000L),
                IntStream.rangeClosed(1, 8).mapToObj(n -> defaults.restartDelayMillis(n)).toList());
        Timings configured = ConfigLoader.parse(FILE, VALID.replace("lease-time: 2s", "lease-time: 2s,"
                + " restart-backoff: 1s, restart-backoff-max: 3s"), null).timings();
        assertEquals(List.of(1_000L, 2_000L, 3_000L, 3_000L),
                IntStream.rangeClosed(1, 4).mapToObj(n -> configured.restartDelayMillis(n)).toList());
    }

    @Test
    void syncReplicationIsPartOfTheClusterSettings() {
        AgentConfig config = ConfigLoader.parse(FILE, VALID + "replication: {mode: sync, sync-timeout: 5s}\n", null);
        assertEquals(new io.pgpacer.core.cib.SyncPolicy(io.pgpacer.core.cib.ReplicationMode.SYNC, 0, 5_000, false),
                config.clusterSettings().sync());
    }

    @Test
    void theNodeMayBeGivenOnTheCommandLineAndAWitnessNeedsNoPostgres() {
        AgentConfig config = ConfigLoader.parse(FILE, VALID.replace("postgresql:", "postgresql-x:")
                .replaceAll("(?s)postgresql-x:.*?timings", "timings"), "arbiter");
        assertTrue(config.witness());
        assertNull(config.postgres());
    }

    @Test
    void theWriterVipIsAnAddressWithPrefixOnANic() {
        AgentConfig config = ConfigLoader.parse(FILE, VALID + "virtual-ips: {writer: 10.0.0.100/24, nic: eth0}\n", null);
        assertEquals(new io.pgpacer.core.model.VipAddress("10.0.0.100", 24, "eth0"), config.writerVip());
        assertNull(ConfigLoader.parse(FILE, VALID, null).writerVip());
    }

    @Test
    void recoveryPolicyDefaultsToStopWithoutFailsafeAndWithAutoRewind() {
        assertEquals(io.pgpacer.core.cib.RecoveryPolicy.DEFAULTS, ConfigLoader.parse(FILE, VALID, null).recovery());
        AgentConfig config = ConfigLoader.parse(FILE, VALID + "no-quorum-policy: demote\nfailsafe: true\nauto-rewind: false\n"
                + "write-probe-failure: restart\n", null);
        assertEquals(new io.pgpacer.core.cib.RecoveryPolicy(io.pgpacer.core.cib.NoQuorumPolicy.DEMOTE, true, false,
                io.pgpacer.core.cib.CommitsHangPolicy.RESTART), config.recovery());
        assertEquals(config.recovery(), config.clusterSettings().recovery());
    }

    @Test
    void noQuorumPolicyIgnoreIsRefusedWithTheReason() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(FILE, VALID + "no-quorum-policy: ignore\n", null));
        assertTrue(e.getMessage().startsWith(FILE + ": key 'no-quorum-policy': 'ignore' is unsafe here"), e.getMessage());
        assertTrue(e.getMessage().contains("two primaries"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(FILE, VALID + "failsafe: yes please\n", null));
        assertEquals(FILE + ": key 'failsafe': expected true or false, got 'yes please'", e.getMessage());
    }

    @Test
    void clusterPropertiesInTheFileAreValidatedAsPropertySetValidatesThem() {
        assertEquals(60_000, ConfigLoader.parse(FILE, VALID, null).clusterSettings().failureTimeoutMillis());
        AgentConfig config = ConfigLoader.parse(FILE, VALID + "failure-timeout: 10m\n", null);
        assertEquals(600_000, config.clusterSettings().failureTimeoutMillis());
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(FILE, VALID + "failure-timeout: soon\n", null));
        assertEquals(FILE + ": key 'failure-timeout': expected a duration from 0 (never) to 720h, like 90s,"
                + " 10m or 1h, got 'soon'", e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(FILE,
                VALID.replace("migration-threshold: 3", "migration-threshold: 0"), null));
        assertEquals(FILE + ": key 'migration-threshold': expected a whole number from 1 to 1000000, got '0'", e.getMessage());
    }

    @Test
    void theReaderVipGoesOnAStandbyAndOptionallyFallsBackToThePrimary() {
        AgentConfig config = ConfigLoader.parse(FILE, VALID
                + "virtual-ips: {writer: 10.0.0.100/24, reader: 10.0.0.101/24, nic: eth0}\n", null);
        assertEquals(new io.pgpacer.core.model.VipAddress("10.0.0.101", 24, "eth0"), config.vips().reader());
        assertEquals(io.pgpacer.core.cib.ReaderVipPolicy.STANDBY, config.clusterSettings().readerVip());
        config = ConfigLoader.parse(FILE, VALID
                + "virtual-ips: {reader: 10.0.0.101/24, nic: eth0, reader-without-standby: primary}\n", null);
        assertNull(config.writerVip());
        assertEquals(io.pgpacer.core.cib.ReaderVipPolicy.STANDBY_OR_PRIMARY, config.clusterSettings().readerVip());
        assertEquals(io.pgpacer.core.cib.ReaderVipPolicy.NONE,
                ConfigLoader.parse(FILE, VALID, null).clusterSettings().readerVip());
    }

    @Test
    void aReaderVipThatIsTheWriterVipOrAnUnknownFallbackIsRefused() {
        ConfigException same = assertThrows(ConfigException.class, () -> ConfigLoader.parse(FILE, VALID
                + "virtual-ips: {writer: 10.0.0.100/24, reader: 10.0.0.100/24, nic: eth0}\n", null));
        assertEquals(FILE + ": key 'virtual-ips.reader': 10.0.0.100 is also the writer VIP; give the reader VIP an"
                + " address of its own", same.getMessage());
        ConfigException fallback = assertThrows(ConfigException.class, () -> ConfigLoader.parse(FILE, VALID
                + "virtual-ips: {reader: 10.0.0.101/24, nic: eth0, reader-without-standby: master}\n", null));
        assertEquals(FILE + ": key 'virtual-ips.reader-without-standby': expected stop or primary, got 'master'",
                fallback.getMessage());
    }

    @Test
    void passwordsNeverAppearInToString() {
        AgentConfig config = ConfigLoader.parse(FILE, VALID, null);
        assertFalse(config.toString().contains("s3cret"), config.toString());
    }

    @Test
    void apiAndTlsSectionsNameFilesRelativeToTheConfiguration() {
        AgentConfig plain = ConfigLoader.parse(FILE, VALID, null);
        assertEquals(ApiConfig.DEFAULTS, plain.api());
        assertNull(plain.tls());

        AgentConfig config = ConfigLoader.parse(FILE, VALID + """
                api: {token-file: api-token, client-auth: optional, auth-reads: true}
                tls: {cert-file: "tls/{node}.crt", key-file: "tls/{node}.key", ca-file: /etc/ssl/cluster-ca.crt}
                """, null);
        assertEquals(new ApiConfig(Path.of("/etc/pgpacer/api-token"), ApiConfig.ClientAuth.OPTIONAL, true, false),
                config.api());
        assertEquals(new TlsConfig(FILE, Path.of("/etc/pgpacer/tls/pg-151.crt"), Path.of("/etc/pgpacer/tls/pg-151.key"),
                Path.of("/etc/ssl/cluster-ca.crt")), config.tls());
        assertEquals(FILE + ": key 'tls.ca-file'", config.tls().label("ca-file"));
    }

    @Test
    void aYamlSyntaxErrorNeverQuotesAPassword() {
        String broken = VALID.replace("replication-password: s3cret", "replication-password s3cret\n  x: [");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(FILE, broken, null));
        assertEquals(FILE + ": is not valid YAML at line 8: while scanning a simple key; could not find expected ':'",
                e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "missing cluster         | cluster: pgcluster\\n|| key 'cluster' is missing: expected a name",
        "bad cluster name        | cluster: pgcluster|cluster: 'pg cluster'| key 'cluster': 'pg cluster' is not a valid name",
        "unknown top key         | migration-threshold: 3|migration-treshold: 3| unknown key 'migration-treshold'",
        "bad resource type       | migration-threshold: 3|resources: {primitives: [{id: x, type: daemon}]}| key 'resources.primitives[0].type': unknown resource type 'daemon'; types are ip, exec (IPaddr2 is accepted for ip)",
        "constraint on a ghost   | migration-threshold: 3|constraints: [colocation ghost with master msPostgresql]| key 'resources': constraint 'colocation-ghost-msPostgresql-INFINITY' names the missing resource 'ghost'; resources are [msPostgresql]",
        "unknown node key        | address: 10.0.0.1}|adress: 10.0.0.1}| unknown key 'nodes[0].adress'",
        "node not in list        | node: pg-151|node: pg-999| key 'node': 'pg-999' is not one of the configured nodes",
        "duplicate name          | name: pg-152|name: pg-151| key 'nodes[1].name': node name 'pg-151' is used twice",
        "bad port                | api-port: 8010|api-port: 99999| key 'nodes[1].api-port': expected a port number 1-65535, got '99999'",
        "bad role                | role: witness|role: arbiter| key 'nodes[2].role': expected 'data' or 'witness', got 'arbiter'",
        "bad duration            | lease-time: 2s|lease-time: soon| key 'timings.lease-time': expected a duration like 500ms, 1.5s, 10s, 5m or 1h (a bare number is seconds), got 'soon'",
        "lease below monitor     | monitor-interval: 500ms|monitor-interval: 3s| key 'timings.lease-time': lease-time (2s) must exceed monitor-interval (3s)",
        "backoff too short       | lease-time: 2s|lease-time: 2s, restart-backoff: 10ms| key 'timings.restart-backoff': 10ms is too short; use at least 100ms",
        "backoff max below start | lease-time: 2s|lease-time: 2s, restart-backoff: 2s, restart-backoff-max: 1s| key 'timings.restart-backoff-max': restart-backoff-max (1s) must be at least restart-backoff (2s)",
        "threshold zero          | migration-threshold: 3|migration-threshold: 0| key 'migration-threshold': expected a whole number from 1 to 1000000, got '0'",
        "missing data dir        | data-dir: /var/lib/pgpacer/{node}/data|bin-dir: /x| key 'postgresql.data-dir' is missing",
        "bad hba line            | host all app|hots all app| key 'postgresql.pg-hba[0]': expected a pg_hba.conf line",
        "bad parameter name      | max_connections: 200|Max Connections: 200| key 'postgresql.parameters.Max Connections': not a PostgreSQL setting name",
        "not yaml                | nodes:|nodes: [| is not valid YAML",
        "bad replication mode    | migration-threshold: 3|replication: {mode: semi}| key 'replication.mode': expected async, sync or quorum, got 'semi'",
        "quorum without k        | migration-threshold: 3|replication: {mode: quorum}| key 'replication.quorum' is missing",
        "quorum above standbys   | migration-threshold: 3|replication: {mode: quorum, quorum: 2}| key 'replication.quorum': expected a number of standbys from 1 to 1, got '2'",
        "k outside quorum mode   | migration-threshold: 3|replication: {mode: sync, quorum: 1}| key 'replication.quorum': only used with mode quorum",
        "strict not boolean      | migration-threshold: 3|replication: {mode: sync, strict: maybe}| key 'replication.strict': expected true or false, got 'maybe'",
        "vip without prefix      | migration-threshold: 3|virtual-ips: {writer: 10.0.0.100, nic: eth0}| key 'virtual-ips.writer': '10.0.0.100' has no prefix length; write ADDRESS/PREFIX, e.g. 10.0.0.100/24",
        "vip not an address      | migration-threshold: 3|virtual-ips: {writer: db.example/24, nic: eth0}| key 'virtual-ips.writer': ",
        "vip prefix out of range | migration-threshold: 3|virtual-ips: {writer: 10.0.0.100/33, nic: eth0}| key 'virtual-ips.writer': VIP cidr 33 for 10.0.0.100 is out of range",
        "vip without nic         | migration-threshold: 3|virtual-ips: {writer: 10.0.0.100/24}| key 'virtual-ips.nic' is missing",
        "unknown api key         | migration-threshold: 3|api: {token: abc}| unknown key 'api.token'; expected one of [auth-health-checks, auth-reads, client-auth, token-file]",
        "bad client-auth         | migration-threshold: 3|api: {client-auth: maybe}| key 'api.client-auth': expected none, optional or required, got 'maybe'",
        "client-auth without tls | migration-threshold: 3|api: {client-auth: required}| key 'api.client-auth': client certificates need TLS; add a 'tls' section",
        "auth-reads not boolean  | migration-threshold: 3|api: {auth-reads: yes please}| key 'api.auth-reads': expected true or false, got 'yes please'",
        "tls without ca          | migration-threshold: 3|tls: {cert-file: a.crt, key-file: a.key}| key 'tls.ca-file' is missing: expected the cluster CA's certificate in PEM",
        "unknown tls key         | migration-threshold: 3|tls: {cert: a.crt}| unknown key 'tls.cert'",
        "tls not a mapping       | migration-threshold: 3|tls: on| key 'tls': expected a mapping with 'cert-file', 'key-file' and 'ca-file'",
    })
    void badInputGetsOneMessageNamingFileAndKey(String title, String find, String replace, String expected) {
        String text = VALID.replace(find.replace("\\n", "\n"), replace == null ? "" : replace);
        assertFalse(text.equals(VALID), "the case must change the file: " + title);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(FILE, text, null));
        assertTrue(e.getMessage().startsWith(FILE + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected.trim()), "expected '" + expected.trim() + "' in: " + e.getMessage());
    }
}
