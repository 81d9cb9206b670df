package io.pgpacer.it;

import static io.pgpacer.testkit.InProcessCli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.api.ApiClient;
import io.pgpacer.api.security.ApiCredentials;
import io.pgpacer.api.security.ApiToken;
import io.pgpacer.cli.LoopbackCluster;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.os.FreePorts;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.InProcessCli.Run;
import io.pgpacer.testkit.TestCertificates;
import io.pgpacer.tls.NodeTls;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Given three hosts whose agents run unconfigured (each with its own /etc/pgpacer and API port on 127.0.0.1), when
 * the DBA sets a secret on each, authorizes them from the first and sets up the cluster with --deliver, as the
 * README says (with TLS: the configured agents then speak HTTPS), then the cluster becomes healthy and every host holds the same token with the right modes. Each bad
 * input is one sentence, exit 2, and changes nothing on any host.
 */
class HostEnrolmentTest {

    private static final String PASSPHRASE = "loopback enrolment passphrase";
    private static final String[] NAMES = {"n1", "n2", "n3"};

    // why not a @TempDir: initdb runs as the postgres OS user, who cannot enter JUnit's 0700 directories.
    private final Path root = Path.of("target", "it", "enrol-" + java.util.UUID.randomUUID().toString()
            .substring(0, 8)).toAbsolutePath();
    private boolean passed;

    private final List<Process> agents = new ArrayList<>();
    private TestCertificates.Authority ca;
    private TestCertificates.Issued agentsCertificate;
    private final int[] api = new int[3];
    private final int[] raft = new int[3];
    private final int[] pg = new int[3];

    @AfterEach
    void stopAgents() throws InterruptedException, IOException {
        for (Process agent : agents) {
            agent.destroy();
        }
        for (Process agent : agents) {
            if (!agent.waitFor(60, TimeUnit.SECONDS)) {
                agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (passed) {
            io.pgpacer.os.FileTrees.delete(root);
        }
    }

    private Path etc(int host) {
        return root.resolve("host" + (host + 1)).resolve("etc");
    }

    private Path log(int host) {
        return root.resolve("host" + (host + 1) + ".log");
    }

    private String target(int host) {
        return "127.0.0.1:" + api[host];
    }

    @Test
    void secretAuthAndDeliveredSetupMakeAHealthyClusterAndBadInputChangesNothing() throws Exception {
        Files.createDirectories(root.resolve("tls"));
        ca = TestCertificates.authority(root.resolve("tls"), "cluster-ca");
        agentsCertificate = ca.issue("agents"); // every loopback agent has the same address, so one certificate
        for (int i = 0; i < 3; i++) {
            api[i] = FreePorts.next();
            raft[i] = FreePorts.next();
            pg[i] = FreePorts.next();
            Files.createDirectories(etc(i));
            List<String> command = new ArrayList<>(LoopbackCluster.agentCommand(etc(i).resolve("pgpacer.yaml"), "x"));
            command.subList(command.indexOf("--node"), command.size()).clear();
            command.addAll(List.of("--etc", etc(i).toString(), "--api-port", String.valueOf(api[i]), "--bind",
                    "127.0.0.1"));
            agents.add(new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log(i).toFile())).start());
        }
        for (int i = 0; i < 3; i++) {
            int host = i;
            Eventually.await("host" + (i + 1) + "'s unconfigured agent answers GET /enrol (log " + log(i) + ")",
                    Duration.ofSeconds(60), () -> enrolState(host), "unconfigured"::equals);
        }

        // Given a secret on every host
        for (int i = 0; i < 3; i++) {
            Run secret = run(PASSPHRASE, "host", "secret", "--stdin", "--etc", etc(i).toString());
            assertEquals(0, secret.code(), secret.toString());
            assertEquals("rw-------", mode(etc(i).resolve("host.key")));
            assertFalse(Files.readString(etc(i).resolve("host.key")).contains(PASSPHRASE));
        }
        Map<String, String> before = snapshot();

        // A wrong passphrase: refused by the host, nothing stored anywhere
        Run wrong = run("not the passphrase", "host", "auth", "--stdin", "--etc", etc(0).toString(), target(0),
                target(1), target(2));
        assertRefused(wrong, target(0) + ": wrong passphrase");
        assertEquals(before, snapshot(), "a wrong passphrase changed nothing");

        // An unreachable host: a free port with nothing listening
        String nobody = "127.0.0.1:" + FreePorts.next();
        Run unreachable = run(PASSPHRASE, "host", "auth", "--stdin", "--etc", etc(0).toString(), target(0), nobody);
        assertRefused(unreachable, nobody + " is unreachable");
        assertEquals(before, snapshot(), "an unreachable host changed nothing");

        // Authorize two hosts; setup naming the third, unauthorized one delivers to none
        Run two = run(PASSPHRASE, "host", "auth", "--stdin", "--etc", etc(0).toString(), target(0), target(1));
        assertEquals(0, two.code(), two.toString());
        assertEquals(target(0) + ": authorized\n" + target(1) + ": authorized\n", two.out());
        Run unauthorized = run("", setup("pgcluster"));
        assertRefused(unauthorized, "n3 (" + target(2) + ") is not authorized");
        assertEquals(0, configs().size(), "no host received a configuration");

        // The refusal's hint, run as printed (with --stdin for the passphrase: a test has no terminal)
        Matcher hint = Pattern.compile("run '(pgpacer host auth [^']+)' first").matcher(unauthorized.err());
        assertTrue(hint.find(), "the refusal names the command that fixes it: " + unauthorized);
        String[] words = hint.group(1).split(" ");
        List<String> hinted = new ArrayList<>(List.of(words).subList(1, words.length));
        hinted.add("--stdin");
        Run fixed = run(PASSPHRASE, hinted.toArray(String[]::new));
        assertEquals(0, fixed.code(), hint.group(1) + ": " + fixed);
        assertEquals(target(2) + ": authorized\n", fixed.out());

        // Authorize all three again: nothing to do; then deliver
        Run three = run(PASSPHRASE, "host", "auth", "--stdin", "--etc", etc(0).toString(), target(0), target(1),
                target(2));
        assertEquals(0, three.code(), three.toString());
        assertEquals(target(0) + ": already authorized\n" + target(1) + ": already authorized\n" + target(2)
                + ": already authorized\n", three.out());
        long started = System.nanoTime();
        Run setup = run("", setup("pgcluster"));
        assertEquals(0, setup.code(), setup.toString());
        assertEquals("n1: received the configuration\nn2: received the configuration\nn3: received the"
                + " configuration\n", setup.out());

        String token = Files.readString(etc(0).resolve("api-token")).strip();
        // The configured agents speak HTTPS: the configuration has TLS.
        ApiClient client = new ApiClient(List.of(URI.create("https://" + target(0)), URI.create("https://"
                + target(1)), URI.create("https://" + target(2))), new ApiCredentials(ApiToken.of(token, "test"),
                NodeTls.trusting(ca.certFile(), "ca").sslContext()));
        ClusterStatus healthy = Eventually.await("one primary and two streaming standbys", Duration.ofSeconds(180),
                () -> {
                    try {
                        return client.status();
                    } catch (ApiClient.ApiException e) {
                        return null;
                    }
                }, s -> s != null && ClusterHarness.healthy(s) && s.nodes().size() == 3);
        System.out.printf("HostEnrolmentTest: from 'cluster setup --deliver' to a healthy cluster in %.1f s%n",
                (System.nanoTime() - started) / 1e9);
        assertEquals(2, healthy.slaves().size(), healthy.toString());

        for (int i = 0; i < 3; i++) {
            assertEquals(token, Files.readString(etc(i).resolve("api-token")).strip(), "host" + (i + 1));
            assertEquals(Files.readString(etc(0).resolve("replication.secret")),
                    Files.readString(etc(i).resolve("replication.secret")));
            assertEquals("rw-------", mode(etc(i).resolve("api-token")));
            assertEquals("rw-------", mode(etc(i).resolve("replication.secret")));
            assertEquals("rw-------", mode(etc(i).resolve("host.key")));
            assertEquals("rw-r-----", mode(etc(i).resolve("pgpacer.yaml")));
            String config = Files.readString(etc(i).resolve("pgpacer.yaml"));
            assertTrue(config.contains("node: " + NAMES[i]), config);
            assertFalse(config.contains(token), "the configuration names the token's file, not the token");
            String agentLog = Files.readString(log(i));
            assertFalse(agentLog.contains(token) || agentLog.contains(PASSPHRASE), "no secret in host"
                    + (i + 1) + "'s log");
        }

        // A host already configured for another cluster: nothing changes on any host
        Map<String, String> configured = configs();
        Run other = run("", setup("othercluster"));
        assertRefused(other, "n1 (" + target(0) + ") runs cluster 'pgcluster', not 'othercluster'; pass --force");
        assertEquals(configured, configs(), "no configuration was overwritten");
        // and another cluster's hosts cannot authorize a configured host
        Files.createDirectories(root.resolve("other-etc"));
        Run stranger = run(PASSPHRASE, "host", "auth", "--stdin", "--etc", root.resolve("other-etc").toString(),
                "--tls-ca-file", ca.certFile().toString(), target(1));
        assertRefused(stranger, target(1) + " already belongs to cluster 'pgcluster'");
        assertEquals(configured, configs());
        assertEquals(token, Files.readString(etc(1).resolve("api-token")).strip());

        // Setup again: the running nodes keep their configuration unless --force, which they take with the token
        Run again = run("", setup("pgcluster"));
        assertEquals(0, again.code(), again.toString());
        assertTrue(again.out().startsWith("n1: already runs cluster 'pgcluster'; its configuration was kept"), again.out());
        assertEquals(configured, configs());
        Run forced = run("", withForce(setup("pgcluster")));
        assertEquals(0, forced.code(), forced.toString());
        assertEquals("n1: received the configuration\nn2: received the configuration\nn3: received the"
                + " configuration\n", forced.out());
        assertTrue(ClusterHarness.healthy(client.status()), "a forced re-delivery leaves the running cluster alone");
        passed = true;
    }

    private String[] setup(String name) {
        List<String> args = new ArrayList<>(List.of("cluster", "setup", "--name", name, "--deliver", "--etc",
                etc(0).toString(), "--data-dir", "{node}/data", "--state-dir", "{node}/agent",
                "--tls-cert-file", agentsCertificate.certFile().toString(), "--tls-key-file",
                agentsCertificate.keyFile().toString(), "--tls-ca-file", ca.certFile().toString()));
        for (int i = 0; i < 3; i++) {
            args.add(NAMES[i] + "=127.0.0.1,api=" + api[i] + ",raft=" + raft[i] + ",pg=" + pg[i]);
        }
        return args.toArray(String[]::new);
    }

    private static String[] withForce(String[] args) {
        List<String> list = new ArrayList<>(List.of(args));
        list.add(2, "--force");
        return list.toArray(String[]::new);
    }

    private static void assertRefused(Run run, String sentence) {
        assertEquals(2, run.code(), run.toString());
        assertTrue(run.err().contains(sentence), "expected '" + sentence + "' in: " + run);
        assertEquals(1, run.err().strip().lines().count(), "one sentence: " + run);
        assertFalse(run.err().contains("Exception") || run.err().contains(PASSPHRASE), run.toString());
    }

    private String enrolState(int host) {
        try {
            return new ApiClient(List.of(URI.create("http://" + target(host)))).call("GET", "/enrol").path("state")
                    .asText();
        } catch (ApiClient.ApiException e) {
            return e.getMessage();
        }
    }

    // Every secret and configuration file of every host, with its content
    private Map<String, String> snapshot() throws IOException {
        Map<String, String> files = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            try (Stream<Path> list = Files.list(etc(i))) {
                for (Path file : list.filter(Files::isRegularFile).toList()) {
                    files.put(file.toString(), Files.readString(file));
                }
            }
        }
        return files;
    }

    private Map<String, String> configs() throws IOException {
        Map<String, String> configs = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            Path config = etc(i).resolve("pgpacer.yaml");
            if (Files.exists(config)) {
                configs.put(config.toString(), Files.readString(config));
            }
        }
        return configs;
    }

    private static String mode(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }
}
