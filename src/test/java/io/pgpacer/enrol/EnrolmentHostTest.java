package io.pgpacer.enrol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host's side of the exchange, as a client that knows (or does not know) the passphrase drives it. */
class EnrolmentHostTest {

    private static final String PASSPHRASE = "correct horse";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong now = new AtomicLong(1_000_000);

    @TempDir
    Path etc;

    private EnrolmentHost host() {
        HostFiles files = new HostFiles(etc);
        files.writeHostKey(HostKey.create(PASSPHRASE.toCharArray(), 1000, random));
        return new EnrolmentHost(files, etc.resolve("pgpacer.yaml"), null, "test", now::get, random);
    }

    /** What a client sends in one exchange, and what it would seal. */
    private final class Client {
        final byte[] key;
        final byte[] hostNonce;
        final byte[] clientNonce = EnrolmentCrypto.nonce(random);

        Client(EnrolmentHost host, String passphrase) throws Exception {
            EnrolmentHost.Answer challenge = host.challenge();
            assertEquals(200, challenge.status(), challenge.body().toString());
            hostNonce = Base64.getDecoder().decode((String) challenge.body().get("host-nonce"));
            key = HostKey.derive(passphrase.toCharArray(),
                    Base64.getDecoder().decode((String) challenge.body().get("salt")),
                    (Integer) challenge.body().get("iterations"));
        }

        EnrolmentHost.Answer prove(EnrolmentHost host) throws Exception {
            return host.prove("192.0.2.7", json(Map.of("host-nonce", b64(hostNonce), "client-nonce", b64(clientNonce),
                    "client-proof", b64(EnrolmentCrypto.clientProof(key, hostNonce, clientNonce)))));
        }

        byte[] sealed(String token, String password) throws Exception {
            return EnrolmentCrypto.seal(key, hostNonce, clientNonce,
                    json(Map.of("api-token", token, "replication-password", password)), random);
        }

        EnrolmentHost.Answer send(EnrolmentHost host, byte[] sealed, boolean force) throws Exception {
            return host.storeSecrets(json(Map.of("host-nonce", b64(hostNonce), "sealed", b64(sealed),
                    "force", force)));
        }
    }

    @Test
    void theRightPassphraseStoresTheSecretsWithMode0600() throws Exception {
        EnrolmentHost host = host();
        Client client = new Client(host, PASSPHRASE);
        EnrolmentHost.Answer proof = client.prove(host);
        assertEquals(200, proof.status(), proof.body().toString());
        assertTrue(EnrolmentCrypto.sameProof(EnrolmentCrypto.hostProof(client.key, client.hostNonce,
                client.clientNonce), Base64.getDecoder().decode((String) proof.body().get("host-proof"))));
        assertEquals(200, client.send(host, client.sealed("token-1", "password-1"), false).status());

        HostFiles files = new HostFiles(etc);
        assertEquals(new SharedSecrets("token-1", "password-1"), files.readSecrets().orElseThrow());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(files.apiToken())));
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(files.replicationSecret())));
        assertEquals(true, host.status(EnrolmentCrypto.tokenDigest("token-1")).body().get("authorized"));
        assertEquals(false, host.status(EnrolmentCrypto.tokenDigest("token-2")).body().get("authorized"));
        assertEquals(false, host.status("token-1").body().get("authorized"), "the digest, never the token");
        assertEquals(400, client.send(host, client.sealed("token-1", "password-1"), false).status(),
                "a challenge carries secrets once");
    }

    @Test
    void aWrongPassphraseIsRefusedWith401AndNothingIsStored() throws Exception {
        EnrolmentHost host = host();
        Client client = new Client(host, "battery staple");
        EnrolmentHost.Answer proof = client.prove(host);
        assertEquals(401, proof.status());
        assertTrue(((String) proof.body().get("error")).startsWith("wrong passphrase"), proof.body().toString());
        assertFalse(proof.body().toString().contains("battery"));
        assertEquals(400, client.send(host, client.sealed("token-1", "password-1"), false).status(),
                "an unproven challenge carries nothing");
        assertFalse(Files.exists(new HostFiles(etc).apiToken()));
    }

    @Test
    void tamperedSecretsAreRefusedAndNothingIsStored() throws Exception {
        EnrolmentHost host = host();
        Client client = new Client(host, PASSPHRASE);
        assertEquals(200, client.prove(host).status());
        byte[] sealed = client.sealed("token-1", "password-1");
        sealed[sealed.length - 1] ^= 0x40;
        EnrolmentHost.Answer answer = client.send(host, sealed, false);
        assertEquals(400, answer.status());
        assertTrue(answer.body().get("error").toString().contains("changed in transit"), answer.body().toString());
        assertFalse(Files.exists(new HostFiles(etc).apiToken()));
    }

    @Test
    void failedAttemptsFromOneSourceAreLimitedForAMinute() throws Exception {
        EnrolmentHost host = host();
        for (int i = 0; i < FailedAttempts.ALLOWED; i++) {
            assertEquals(401, new Client(host, "battery staple").prove(host).status());
        }
        EnrolmentHost.Answer limited = new Client(host, PASSPHRASE).prove(host);
        assertEquals(429, limited.status(), "even the right passphrase waits");
        assertTrue(limited.body().get("error").toString().contains("try again in"), limited.body().toString());
        now.addAndGet(FailedAttempts.WINDOW_MILLIS);
        assertEquals(200, new Client(host, PASSPHRASE).prove(host).status());
    }

    @Test
    void anotherClustersSecretsAreReplacedOnlyWithForce() throws Exception {
        EnrolmentHost host = host();
        Client first = new Client(host, PASSPHRASE);
        first.prove(host);
        first.send(host, first.sealed("token-1", "password-1"), false);

        Client second = new Client(host, PASSPHRASE);
        second.prove(host);
        EnrolmentHost.Answer refused = second.send(host, second.sealed("token-2", "password-2"), false);
        assertEquals(409, refused.status());
        assertTrue(refused.body().get("error").toString().contains("--force"), refused.body().toString());
        assertEquals("token-1", new HostFiles(etc).readSecrets().orElseThrow().apiToken());

        Client forced = new Client(host, PASSPHRASE);
        forced.prove(host);
        assertEquals(200, forced.send(host, forced.sealed("token-2", "password-2"), true).status());
        assertEquals("token-2", new HostFiles(etc).readSecrets().orElseThrow().apiToken());
    }

    @Test
    void aDeliveredConfigurationIsValidatedAndWrittenAsThisNode() throws Exception {
        EnrolmentHost host = host();
        assertEquals(409, host.configure("n1", "cluster: c\n".getBytes(StandardCharsets.UTF_8), false).status(),
                "no configuration before the secrets");
        Client client = new Client(host, PASSPHRASE);
        client.prove(host);
        client.send(host, client.sealed("token-1", "password-1"), false);

        EnrolmentHost.Answer bad = host.configure("n1", "cluster: c\nnodes: 3\n".getBytes(StandardCharsets.UTF_8),
                false);
        assertEquals(400, bad.status());
        assertFalse(Files.exists(etc.resolve("pgpacer.yaml")), "a refused configuration is not written");

        String yaml = "cluster: c\nnodes:\n  - {name: n1, address: 127.0.0.1, api-port: 8008, raft-port: 7400,"
                + " pg-port: 5432}\npostgresql:\n  data-dir: /tmp/{node}/data\n";
        EnrolmentHost.Answer ok = host.configure("n1", yaml.getBytes(StandardCharsets.UTF_8), false);
        assertEquals(200, ok.status(), ok.body().toString());
        Path written = etc.resolve("pgpacer.yaml");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(written)));
        String text = Files.readString(written);
        assertTrue(text.contains("node: n1") && text.contains(new HostFiles(etc).apiToken().toString()), text);
        assertEquals("configured", host.status(null).body().get("state"));
        assertEquals(409, host.configure("n1", yaml.getBytes(StandardCharsets.UTF_8), false).status(),
                "a configured host is overwritten only with force");
        assertEquals(200, host.configure("n1", yaml.getBytes(StandardCharsets.UTF_8), true).status());
    }

    @Test
    void aDeliveryIsAuthenticatedByAMacOverAFreshChallengeNeverByTheTokenItself() throws Exception {
        EnrolmentHost host = host();
        Client client = new Client(host, PASSPHRASE);
        client.prove(host);
        client.send(host, client.sealed("token-1", "password-1"), false);
        byte[] body = "cluster: c\n".getBytes(StandardCharsets.UTF_8);

        String nonce = (String) host.challenge().body().get("host-nonce");
        byte[] hostNonce = Base64.getDecoder().decode(nonce);
        String mac = b64(EnrolmentCrypto.configurationMac("token-1", hostNonce, "n1", false, body));
        assertFalse(host.deliveryAuthenticated(nonce, mac, "n1", false, "cluster: d\n".getBytes(StandardCharsets.UTF_8)),
                "another body");
        String fresh = (String) host.challenge().body().get("host-nonce");
        byte[] freshNonce = Base64.getDecoder().decode(fresh);
        assertFalse(host.deliveryAuthenticated(fresh, b64(EnrolmentCrypto.configurationMac("token-2", freshNonce, "n1",
                false, body)), "n1", false, body), "another cluster's token");
        String third = (String) host.challenge().body().get("host-nonce");
        String good = b64(EnrolmentCrypto.configurationMac("token-1", Base64.getDecoder().decode(third), "n1", false,
                body));
        assertFalse(host.deliveryAuthenticated(third, good, "n2", false, body), "another node");
        String fourth = (String) host.challenge().body().get("host-nonce");
        String right = b64(EnrolmentCrypto.configurationMac("token-1", Base64.getDecoder().decode(fourth), "n1",
                false, body));
        assertTrue(host.deliveryAuthenticated(fourth, right, "n1", false, body));
        assertFalse(host.deliveryAuthenticated(fourth, right, "n1", false, body), "a replay");
    }

    private static byte[] json(Map<String, ?> body) throws Exception {
        return JSON.writeValueAsBytes(body);
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }
}
