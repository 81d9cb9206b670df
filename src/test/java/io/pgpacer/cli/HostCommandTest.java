package io.pgpacer.cli;

import static io.pgpacer.testkit.InProcessCli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.testkit.InProcessCli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host commands' input: hosts as typed, passphrases refused before anything is stored. */
class HostCommandTest {

    @TempDir
    Path etc;

    @Test
    void hostsAreReadAsTyped() {
        assertEquals("http://pg-152:8008", EnrolmentClient.Target.parse("pg-152").api().toString());
        assertEquals("http://10.0.0.1:9000", EnrolmentClient.Target.parse("10.0.0.1:9000").api().toString());
        assertEquals("http://[fd00::2]:8008", EnrolmentClient.Target.parse("[fd00::2]:8008").api().toString());
        assertEquals("http://[::1]:8008", EnrolmentClient.Target.parse("::1").api().toString());
        for (String bad : new String[] {"", "pg-152:0", "pg-152:x", "pg-152:70000", "[fd00::2", "a b", "http://x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> EnrolmentClient.Target.parse(bad), bad);
            assertTrue(e.getMessage().contains("is not HOST[:PORT]"), e.getMessage());
        }
    }

    @Test
    void aShortPassphraseIsRefusedAndNothingStored() {
        Run run = run("short", "host", "secret", "--stdin", "--etc", etc.toString());
        assertEquals(2, run.code(), run.err());
        assertEquals("pgpacer host secret: the passphrase has 5 characters, fewer than 8; choose a longer one",
                run.err().strip());
        assertFalse(Files.exists(etc.resolve("host.key")));
    }

    @Test
    void withoutATerminalThePassphraseMustComeOnStandardInput() {
        Run run = run("", "host", "secret", "--etc", etc.toString());
        assertEquals(2, run.code(), run.err());
        assertTrue(run.err().contains("pass --stdin"), run.err());
        assertFalse(Files.exists(etc.resolve("host.key")));
    }

    @Test
    void theSecretIsStoredWithMode0600AndWithoutThePassphrase() throws Exception {
        Run run = run("a long enough passphrase", "host", "secret", "--stdin", "--etc", etc.toString());
        assertEquals(0, run.code(), run.err());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(etc.resolve("host.key"))));
        assertFalse(Files.readString(etc.resolve("host.key")).contains("passphrase"));
    }

    @Test
    void authRefusesABadHostAndAHostNamedTwiceBeforeAskingAnything() {
        Run bad = run("", "host", "auth", "--stdin", "--etc", etc.toString(), "pg-152:0");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("'pg-152:0' is not HOST[:PORT]"), bad.err());
        Run twice = run("", "host", "auth", "--stdin", "--etc", etc.toString(), "pg-152", "pg-152:8008");
        assertEquals(2, twice.code(), twice.err());
        assertTrue(twice.err().contains("'pg-152:8008' is named twice"), twice.err());
        assertFalse(Files.exists(etc.resolve("api-token")));
    }

    @Test
    void setupDeliversOnlyWithTheClustersSecrets() {
        Run run = run("", "cluster", "setup", "--name", "c", "--deliver", "--etc", etc.toString(),
                "n1=127.0.0.1,api=8101", "n2=127.0.0.1,api=8102,raft=7402,pg=5433");
        assertEquals(2, run.code(), run.err());
        assertEquals("pgpacer cluster setup: no cluster secrets in " + etc + "; authorize every node first: pgpacer"
                + " host auth --etc " + etc + " 127.0.0.1:8101 127.0.0.1:8102", run.err().strip());
        Run both = run("", "cluster", "setup", "--name", "c", "--deliver", "--replication-password-file", "/x",
                "n1=127.0.0.1", "n2=127.0.0.2");
        assertEquals(2, both.code(), both.err());
        assertTrue(both.err().contains("exclude each other"), both.err());
    }

    @Test
    void anAgentWithAConfigurationRefusesAnEnrolmentPortThatIsNotItsApiPort() throws Exception {
        Path config = Files.writeString(etc.resolve("pgpacer.yaml"), "cluster: c\nnode: n1\nnodes:\n  - {name: n1,"
                + " address: 127.0.0.1, api-port: 8101, raft-port: 7401, pg-port: 5501}\npostgresql:\n  data-dir:"
                + " " + etc.resolve("data") + "\nstate-dir: " + etc.resolve("state") + "\n");
        Run run = run("", "agent", "--config", config.toString(), "--api-port", "9999");
        assertEquals(2, run.code(), run.err());
        assertEquals("pgpacer agent: --api-port 9999 is not node 'n1''s api-port in " + config + " (8101); drop"
                + " --api-port, which only places the enrolment API of a host without a configuration", run.err().strip());
        assertFalse(Files.exists(etc.resolve("state")), "nothing was started");
    }
}
