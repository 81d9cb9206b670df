package io.pgpacer.pcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.resource.PostgresClone;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The translation of the two inputs a user of the reference has: the CIB Pacemaker 2.1.5 wrote for the reference's
 * setup, and the reference's own {@code cluster_setup.sh}. The written YAML and the notes are pinned as golden files
 * ({@code -Dpcs.update=true} rewrites them; review the diff); the YAML loads with the agents' own loader.
 */
class PacemakerImportTest {

    private static final Path RESOURCES = Path.of("src/test/resources/pcs");

    @TempDir
    Path dir;

    static PacemakerImport.Result imported(String file, Map<String, String> addresses, String nic) throws IOException {
        String text = Files.readString(RESOURCES.resolve(file), StandardCharsets.UTF_8);
        PacemakerConfig config = PacemakerInput.read(file, text);
        Map<String, PacemakerImport.Endpoint> endpoints = new LinkedHashMap<>();
        addresses.forEach((node, address) -> endpoints.put(node, new PacemakerImport.Endpoint(address, null, null,
                null)));
        return PacemakerImport.translate(file, config, new PacemakerImport.Settings(null, endpoints, nic,
                "pgpacer.replication-password", "pgpacer.yaml"));
    }

    private static void assertGolden(String file, String actual) throws IOException {
        Path golden = RESOURCES.resolve(file);
        if (Boolean.getBoolean("pcs.update")) {
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), actual, file + " (regenerate with"
                + " -Dpcs.update=true and review the diff)");
    }

    private AgentConfig load(String yaml, String password) throws IOException {
        Path config = dir.resolve("pgpacer.yaml");
        Files.writeString(config, yaml, StandardCharsets.UTF_8);
        if (password != null) {
            Files.writeString(dir.resolve("pgpacer.replication-password"), password + "\n", StandardCharsets.UTF_8);
        }
        // As an agent loads it (an operator's loadCluster reads no password file): for its first node.
        return ConfigLoader.load(config, ConfigLoader.loadCluster(config).nodes().get(0).name());
    }

    @Test
    void theFixtureCibBecomesAConfigurationTheAgentsLoad() throws IOException {
        PacemakerImport.Result result = imported("cib-async.xml", Map.of("pm-n1", "198.18.0.11", "pm-n2",
                "198.18.0.12", "pm-n3", "198.18.0.13"), null);
        String yaml = ConfigDocument.render(result.document());
        assertGolden("cib-async.expected.yaml", yaml);
        assertGolden("cib-async.expected-notes.txt", ImportNote.render(result.notes()));
        assertNull(result.replicationPassword(), "the CIB holds no password");

        AgentConfig config = load(yaml, null);
        assertEquals("pmcluster", config.clusterName());
        assertEquals(List.of("pm-n1", "pm-n2", "pm-n3"), config.nodes().stream().map(NodeSpec::name).toList());
        assertEquals(Path.of("/usr/lib/postgresql/15/bin"), config.postgres().binDir());
        assertEquals(dir.resolve("lab/systems/pacemaker/pgsql/data"), config.postgres().dataDir());
        assertEquals("198.18.2.50", config.vips().writer().address());
        assertEquals("198.18.2.51", config.vips().reader().address());
        assertEquals("eth0", config.vips().writer().nic());
        assertTrue(config.vips().readerToPrimary(), "the rule that lets vip-slave run on PRI");
        assertEquals(1, config.migrationThreshold());
        assertEquals("stop", config.recovery().noQuorum().propertyValue(), "never 'ignore'");
        PostgresClone clone = config.resources().postgres();
        assertEquals(3_000, clone.monitor(PostgresClone.MASTER).orElseThrow().intervalMillis());
        assertEquals(4_000, clone.monitor(PostgresClone.SLAVE).orElseThrow().intervalMillis());
        assertTrue(config.resources().constraints().isEmpty(), "the VIP constraints are built in");
    }

    @Test
    void theReferencesScriptBecomesAConfigurationWithItsPasswordInAFileOfItsOwn() throws IOException {
        PacemakerImport.Result result = imported("cluster_setup.sh", Map.of("pg-151", "192.168.28.151", "pg-152",
                "192.168.28.152", "pg-153", "192.168.28.153"), null);
        String yaml = ConfigDocument.render(result.document());
        String notes = ImportNote.render(result.notes());
        assertGolden("cluster_setup.expected.yaml", yaml);
        assertGolden("cluster_setup.expected-notes.txt", notes);
        assertEquals("repluser", result.replicationPassword());
        assertFalse(yaml.contains("password=") || notes.contains("password=repluser"), "no password in the output");

        AgentConfig config = load(yaml, result.replicationPassword());
        assertEquals("repluser", config.postgres().replicationUser());
        assertEquals("repluser", config.postgres().replicationPassword());
        assertEquals(Path.of("/usr/pgsql-14/bin"), config.postgres().binDir());
        assertEquals("192.168.28.41", config.vips().writer().address());
        assertEquals("192.168.28.141", config.vips().reader().address());
        assertFalse(config.vips().readerToPrimary(), "slave-group is colocated with slave only");
        assertEquals(1, config.migrationThreshold());
        assertEquals(3_000, config.resources().postgres().monitor(PostgresClone.MASTER).orElseThrow()
                .intervalMillis());
        assertTrue(config.resources().primitives().isEmpty() && config.resources().constraints().isEmpty(),
                "the VIPs, their groups and their six constraints are built in");
    }

    @Test
    void theNicCanBeChosenForTheNewHosts() throws IOException {
        PacemakerImport.Result result = imported("cib-async.xml", Map.of("pm-n1", "198.18.0.11", "pm-n2",
                "198.18.0.12", "pm-n3", "198.18.0.13"), "ens3");
        assertEquals("ens3", load(ConfigDocument.render(result.document()), null).vips().nic());
    }

    @Test
    void aNodeWithoutAnAddressIsNamedWithTheArgumentToAdd() {
        ImportException e = assertThrows(ImportException.class, () -> imported("cib-async.xml",
                Map.of("pm-n1", "198.18.0.11"), null));
        assertEquals("no address for pm-n2, pm-n3: the CIB does not hold node addresses (Corosync does) and the names"
                + " do not resolve; add pm-n2=ADDRESS pm-n3=ADDRESS to the command, with each node's IP address",
                e.getMessage());
    }

    private static final String CIB_HEAD = "<cib><configuration><crm_config/><nodes><node id=\"1\" uname=\"n1\"/>"
            + "</nodes><resources>";
    private static final String PGSQL = "<primitive id=\"pgsql\" class=\"ocf\" provider=\"heartbeat\" type=\"pgsql\">"
            + "<instance_attributes id=\"a\"><nvpair id=\"b\" name=\"pgdata\" value=\"/data\"/>"
            + "<nvpair id=\"c\" name=\"rep_mode\" value=\"async\"/></instance_attributes></primitive>";
    private static final String CIB_TAIL = "</resources><constraints/></configuration></cib>";

    private static String refusal(String text) {
        ImportException e = assertThrows(ImportException.class, () -> PacemakerImport.translate("in.xml",
                PacemakerInput.read("in.xml", text), new PacemakerImport.Settings(null, Map.of("n1",
                        new PacemakerImport.Endpoint("127.0.0.1", null, null, null)), null, "p", "c.yaml")));
        assertFalse(e.getMessage().contains("\n"), "one sentence: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void badInputGetsOneSentence() {
        assertTrue(refusal("<cib><configuration>").startsWith("in.xml is not well-formed XML (line 1:"),
                refusal("<cib><configuration>"));
        assertEquals("in.xml is neither a Pacemaker CIB (the XML of 'cibadmin --query') nor a pcs script (shell lines"
                + " starting with 'pcs'); give one of them", refusal("hello: world\n"));
        assertEquals("in.xml is XML but not a Pacemaker CIB (its root element is <html>, not <cib>); give the output"
                + " of 'cibadmin --query'", refusal("<html/>"));
        assertEquals("in.xml has no pgsql resource (ocf:heartbeat:pgsql): pgpacer imports a Pacemaker cluster that"
                + " runs PostgreSQL with the pgsql resource agent", refusal(CIB_HEAD + CIB_TAIL));
        assertEquals("in.xml: resource 'web' has the type ocf:heartbeat:apache, which pgpacer cannot run as it is (it"
                + " imports pgsql, IPaddr2, systemd services and stonith devices); remove it from the input, import"
                + " again, and create it as an exec resource (see: pgpacer resource create --help)",
                refusal(CIB_HEAD + PGSQL + "<primitive id=\"web\" class=\"ocf\" provider=\"heartbeat\""
                        + " type=\"apache\"/>" + CIB_TAIL));
        assertEquals("in.xml: the quote \" opened on line 2 is never closed; close it so that the script runs in sh"
                + " as well", refusal("pcs property set a=b\npcs resource create x \"y\n"));
    }

    @Test
    void aDoctypeIsRefusedSoNoEntityIsRead() {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE cib [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><cib>&x;</cib>";
        String message = refusal(xxe);
        assertTrue(message.startsWith("in.xml is not well-formed XML") && message.contains("DOCTYPE"), message);
        assertFalse(message.contains("root:"), message);
    }

    @Test
    void shellWordsJoinContinuationsAndKeepQuotedSpaces() {
        assertEquals(List.of(List.of("pcs", "-f", "cfg", "resource", "create", "pgsql", "pgsql", "a=one two",
                "b=it's", "c=x"), List.of("echo", "done")),
                ShellWords.commands("s", "# setup\npcs -f cfg resource create pgsql pgsql \\\n   a=\"one two\" \\\n"
                        + "   b=\"it's\" c='x'\necho done; \n"));
    }

    @Test
    void otherResourcesAndConstraintsMapOntoPgpacersOwn() throws IOException {
        String script = """
                pcs cluster setup --name shop db1 db2 db3
                pcs cluster auth db1 db2 db3 -u hacluster -p s3cret
                pcs property set no-quorum-policy=ignore
                pcs resource create pgsql pgsql pgdata=/pg rep_mode=sync node_list="db1 db2 db3" \\
                    primary_conninfo_opt="sslmode=require" op monitor interval=2s role=Promoted
                pcs resource promotable pgsql pgsql-clone promoted-max=1 notify=true
                pcs resource create bouncer systemd:pgbouncer op monitor interval=5s on-fail=fence meta migration-threshold=3
                pcs resource create extra-ip IPaddr2 ip=10.0.0.9 cidr_netmask=24 nic=eth1 --group extra
                pcs stonith create fence1 fence_ipmilan ip=10.0.0.1 password=f3ncepw
                pcs constraint colocation add bouncer with Promoted pgsql-clone INFINITY
                pcs constraint order promote pgsql-clone then start bouncer
                pcs constraint location extra prefers db2=50
                """;
        PacemakerConfig config = PacemakerInput.read("s.sh", script);
        PacemakerImport.Result result = PacemakerImport.translate("s.sh", config, new PacemakerImport.Settings(null,
                Map.of("db1", new PacemakerImport.Endpoint("10.0.0.11", null, null, null), "db2",
                        new PacemakerImport.Endpoint("10.0.0.12", null, null, null), "db3",
                        new PacemakerImport.Endpoint("10.0.0.13", null, null, null)), null, "p", "c.yaml"));
        String yaml = ConfigDocument.render(result.document());
        String notes = ImportNote.render(result.notes());
        assertFalse(yaml.contains("s3cret") || notes.contains("s3cret") || yaml.contains("f3ncepw")
                || notes.contains("f3ncepw"), "no password anywhere:\n" + yaml + notes);
        AgentConfig loaded = load(yaml, null);
        assertEquals("shop", loaded.clusterName());
        assertEquals(List.of("constraint colocation bouncer with master msPostgresql INFINITY",
                "constraint order promote msPostgresql then start bouncer", "constraint location extra prefers db2=50"),
                loaded.resources().constraints().stream().map(c -> "constraint " + io.pgpacer.core.resource
                        .ResourceSyntax.line(c).replaceAll(" id=.*", "")).toList());
        assertEquals("systemctl is-active --quiet pgpacer-test || exit 7".replace("pgpacer-test", "pgbouncer"),
                loaded.resources().primitive("bouncer").orElseThrow().param("monitor").orElseThrow());
        assertEquals(3, loaded.resources().primitive("bouncer").orElseThrow().meta().migrationThreshold());
        assertEquals("eth1", loaded.resources().primitive("extra-ip").orElseThrow().param("nic").orElseThrow());
        assertTrue(notes.contains("no-quorum-policy=ignore: unsafe"), notes);
        assertTrue(notes.contains("fence1 (stonith:fence_ipmilan): pgpacer fences through the primary's lease"), notes);
        assertTrue(notes.contains("bouncer op monitor on-fail=fence: not a pgpacer on-fail"), notes);
        assertTrue(notes.contains("pcs cluster auth: not needed"), notes);
        assertTrue(notes.contains("pgsql primary_conninfo_opt sslmode: "), notes);
    }
}
