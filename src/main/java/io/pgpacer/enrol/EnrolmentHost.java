package io.pgpacer.enrol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpacer.config.StrictYaml;
import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigException;
import io.pgpacer.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongSupplier;

/**
 * A host's side of enrolment, free of HTTP: what it answers to {@code GET /enrol}, to the challenge, the proof and
 * the sealed secrets of {@code pgpacer host auth}, and to the configuration {@code pgpacer cluster setup} delivers.
 * Every refusal is one sentence that names neither the passphrase nor a secret.
 */
public final class EnrolmentHost {

    /** What to answer: an HTTP status and a JSON body. */
    public record Answer(int status, Map<String, Object> body) {
        static Answer ok(Map<String, Object> body) {
            return new Answer(200, body);
        }

        static Answer refused(int status, String sentence) {
            return new Answer(status, Map.of("error", sentence));
        }
    }

    /** A challenge that was not answered within this is forgotten. */
    static final long CHALLENGE_MILLIS = 60_000;
    private static final int MAX_CHALLENGES = 64;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HostFiles files;
    private final Path configFile;
    private final String version;
    private final LongSupplier clockMillis;
    private final SecureRandom random;
    private final FailedAttempts failures = new FailedAttempts();
    private final Map<String, Challenge> challenges = new LinkedHashMap<>();
    private final CountDownLatch delivered = new CountDownLatch(1);
    private String cluster;

    private static final class Challenge {
        final byte[] hostNonce;
        final long expiresAt;
        byte[] clientNonce;

        Challenge(byte[] hostNonce, long expiresAt) {
            this.hostNonce = hostNonce;
            this.expiresAt = expiresAt;
        }
    }

    /**
     * @param configuredCluster the cluster this host's agent runs, or null for an unconfigured host
     */
    public EnrolmentHost(HostFiles files, Path configFile, String configuredCluster, String version,
            LongSupplier clockMillis, SecureRandom random) {
        this.files = files;
        this.configFile = configFile;
        this.cluster = configuredCluster;
        this.version = version;
        this.clockMillis = clockMillis;
        this.random = random;
    }

    /**
     * {@code GET /enrol}: configured or not, the cluster, the version, and whether this host holds the token whose
     * SHA-256 (hex) the client sent (so that the token itself never crosses the network for this question).
     */
    public synchronized Answer status(String tokenDigest) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", cluster == null ? "unconfigured" : "configured");
        body.put("cluster", cluster);
        body.put("version", version);
        body.put("secret", Files.exists(files.hostKey()));
        Optional<SharedSecrets> secrets = secretsOrEmpty();
        body.put("cluster-secrets", secrets.isPresent());
        body.put("authorized", tokenDigest != null && secrets.isPresent() && MessageDigest.isEqual(
                HostKey.utf8(EnrolmentCrypto.tokenDigest(secrets.get().apiToken())),
                HostKey.utf8(tokenDigest.toLowerCase(java.util.Locale.ROOT))));
        return Answer.ok(body);
    }

    /**
     * Whether {@code mac} authenticates this delivery: made with the token this host holds over one of its
     * challenges, which it uses up.
     */
    public synchronized boolean deliveryAuthenticated(String hostNonce, String mac, String node, boolean force,
            byte[] body) {
        Challenge challenge = hostNonce == null ? null : pending(hostNonce, clockMillis.getAsLong());
        Optional<SharedSecrets> secrets = secretsOrEmpty();
        if (challenge == null || secrets.isEmpty() || mac == null || node == null) {
            return false;
        }
        challenges.remove(hostNonce);
        byte[] received;
        try {
            received = Base64.getDecoder().decode(mac);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return EnrolmentCrypto.sameProof(EnrolmentCrypto.configurationMac(secrets.get().apiToken(),
                challenge.hostNonce, node, force, body), received);
    }

    /** {@code POST /enrol/challenge}: the salt and count to derive the host key with, and the host's nonce. */
    public synchronized Answer challenge() {
        Optional<HostKey> key;
        try {
            key = files.readHostKey();
        } catch (IllegalStateException e) {
            return Answer.refused(500, e.getMessage());
        }
        if (key.isEmpty()) {
            return Answer.refused(409, "this host has no secret yet; run 'pgpacer host secret' on it first");
        }
        long now = clockMillis.getAsLong();
        challenges.values().removeIf(c -> c.expiresAt <= now);
        if (challenges.size() >= MAX_CHALLENGES) {
            Iterator<String> oldest = challenges.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        byte[] hostNonce = EnrolmentCrypto.nonce(random);
        challenges.put(b64(hostNonce), new Challenge(hostNonce, now + CHALLENGE_MILLIS));
        return Answer.ok(Map.of("host-nonce", b64(hostNonce), "salt", b64(key.get().salt()),
                "iterations", key.get().iterations()));
    }

    /**
     * {@code POST /enrol/prove}: checks the client's proof; if it holds, answers the host's own and lets this
     * challenge carry the secrets. A source that failed {@link FailedAttempts#ALLOWED} times in a minute waits.
     */
    public synchronized Answer prove(String source, byte[] request) {
        long now = clockMillis.getAsLong();
        long wait = failures.waitSeconds(source, now);
        if (wait > 0) {
            return Answer.refused(429, "too many failed attempts from " + source + " (" + FailedAttempts.ALLOWED
                    + " a minute); try again in " + wait + " s");
        }
        JsonNode body = parse(request);
        Challenge challenge = body == null ? null : pending(body.path("host-nonce").asText(""), now);
        byte[] clientNonce = body == null ? null : bytes(body, "client-nonce", EnrolmentCrypto.NONCE_BYTES);
        byte[] proof = body == null ? null : bytes(body, "client-proof", -1);
        if (body == null || clientNonce == null || proof == null) {
            return Answer.refused(400, "expected JSON with host-nonce, client-nonce (" + EnrolmentCrypto.NONCE_BYTES
                    + " bytes) and client-proof, in base64");
        }
        if (challenge == null) {
            return noChallenge();
        }
        HostKey key = files.readHostKey().orElse(null);
        if (key == null) {
            return Answer.refused(409, "this host has no secret yet; run 'pgpacer host secret' on it first");
        }
        if (!EnrolmentCrypto.sameProof(EnrolmentCrypto.clientProof(key.key(), challenge.hostNonce, clientNonce),
                proof)) {
            challenges.remove(b64(challenge.hostNonce));
            failures.record(source, now);
            return Answer.refused(401, "wrong passphrase: it is not the one given to 'pgpacer host secret' on this"
                    + " host; run 'pgpacer host auth' again with that passphrase");
        }
        challenge.clientNonce = clientNonce;
        return Answer.ok(Map.of("host-proof", b64(EnrolmentCrypto.hostProof(key.key(), challenge.hostNonce,
                clientNonce))));
    }

    /**
     * {@code POST /enrol/secrets}: opens the sealed secrets of a proven challenge and stores them, unless this host
     * holds another cluster's and the request does not say force.
     */
    public synchronized Answer storeSecrets(byte[] request) {
        long now = clockMillis.getAsLong();
        JsonNode body = parse(request);
        byte[] sealed = body == null ? null : bytes(body, "sealed", -1);
        if (sealed == null) {
            return Answer.refused(400, "expected JSON with host-nonce, sealed (base64) and optionally force");
        }
        Challenge challenge = pending(body.path("host-nonce").asText(""), now);
        if (challenge == null || challenge.clientNonce == null) {
            return noChallenge();
        }
        challenges.remove(b64(challenge.hostNonce));
        HostKey key = files.readHostKey().orElse(null);
        if (key == null) {
            return Answer.refused(409, "this host has no secret yet; run 'pgpacer host secret' on it first");
        }
        SharedSecrets secrets;
        try {
            JsonNode opened = JSON.readTree(EnrolmentCrypto.open(key.key(), challenge.hostNonce, challenge.clientNonce,
                    sealed));
            secrets = new SharedSecrets(opened.path("api-token").asText(""),
                    opened.path("replication-password").asText(""));
        } catch (EnrolmentCrypto.SealBrokenException e) {
            return Answer.refused(400, e.getMessage() + "; run 'pgpacer host auth' again");
        } catch (IOException | IllegalArgumentException e) {
            return Answer.refused(400, "the sealed secrets are not an API token and a replication password");
        }
        Optional<SharedSecrets> held = secretsOrEmpty();
        if (held.isPresent() && !same(held.get(), secrets) && !body.path("force").asBoolean(false)) {
            return Answer.refused(409, "this host already holds another cluster's secrets"
                    + (cluster == null ? "" : " and runs cluster '" + cluster + "'")
                    + "; pass --force to replace them");
        }
        files.writeSecrets(secrets);
        return Answer.ok(Map.of("message", "authorized"));
    }

    /**
     * {@code POST /enrol/config?node=NAME}: validates the configuration with the agents' own loader, as node
     * {@code node} with this host's secret files, and writes it atomically (0640). A configured host takes it only
     * with {@code force}.
     */
    public synchronized Answer configure(String node, byte[] yaml, boolean force) {
        if (cluster != null && !force) {
            return Answer.refused(409, "this host already runs cluster '" + cluster + "'; its configuration is"
                    + " overwritten only with --force");
        }
        if (secretsOrEmpty().isEmpty()) {
            return Answer.refused(409, "this host holds no cluster secrets; run 'pgpacer host auth' for it first");
        }
        if (node == null || node.isBlank()) {
            return Answer.refused(400, "query parameter 'node' is missing: name the node this host is");
        }
        String text;
        try {
            text = localCopy(node, yaml);
        } catch (IllegalArgumentException e) {
            return Answer.refused(400, e.getMessage());
        }
        AgentConfig config;
        try {
            config = ConfigLoader.parse(configFile, text, null);
        } catch (ConfigException e) {
            return Answer.refused(400, "the configuration is refused: " + e.getMessage());
        }
        try {
            HostFiles.writeAtomically(configFile, text, HostFiles.CONFIG_MODE);
        } catch (UncheckedIOException e) {
            return Answer.refused(500, e.getMessage());
        }
        boolean replaced = cluster != null;
        cluster = config.clusterName();
        delivered.countDown();
        return Answer.ok(Map.of("message", replaced ? "replaced " + configFile + "; the running agent applies it at"
                + " its next start: pgpacer node restart-agent " + node : "wrote " + configFile, "cluster", cluster,
                "node", node));
    }

    /** Waits until a configuration was delivered. */
    public void awaitConfiguration() throws InterruptedException {
        delivered.await();
    }

    // The delivered configuration with what only this host knows: which node it is and where its secrets are.
    private String localCopy(String node, byte[] yaml) {
        JsonNode root;
        try {
            root = StrictYaml.read(new String(yaml, StandardCharsets.UTF_8));
        } catch (StrictYaml.InvalidYamlException e) {
            throw new IllegalArgumentException("the configuration " + e.getMessage());
        }
        if (!(root instanceof ObjectNode doc)) {
            throw new IllegalArgumentException("the configuration is not a YAML mapping of pgpacer's keys");
        }
        doc.put("node", node);
        (doc.get("api") instanceof ObjectNode api ? api : doc.putObject("api"))
                .put("token-file", files.apiToken().toAbsolutePath().toString());
        (doc.get("postgresql") instanceof ObjectNode pg ? pg : doc.putObject("postgresql"))
                .put("replication-password-file", files.replicationSecret().toAbsolutePath().toString());
        return "# Delivered by 'pgpacer cluster setup'; node, api.token-file and"
                + " postgresql.replication-password-file set by this host.\n" + StrictYaml.write(doc);
    }

    private Optional<SharedSecrets> secretsOrEmpty() {
        try {
            return files.readSecrets();
        } catch (IllegalStateException e) {
            return Optional.empty();
        }
    }

    private static boolean same(SharedSecrets a, SharedSecrets b) {
        return MessageDigest.isEqual(HostKey.utf8(a.apiToken()), HostKey.utf8(b.apiToken()))
                && MessageDigest.isEqual(HostKey.utf8(a.replicationPassword()), HostKey.utf8(b.replicationPassword()));
    }

    private Challenge pending(String hostNonce, long now) {
        Challenge challenge = challenges.get(hostNonce);
        if (challenge == null || challenge.expiresAt <= now) {
            challenges.remove(hostNonce);
            return null;
        }
        return challenge;
    }

    private static Answer noChallenge() {
        return Answer.refused(400, "no such challenge: it was used, or it expired after " + CHALLENGE_MILLIS / 1000
                + " s; run 'pgpacer host auth' again");
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] bytes(JsonNode body, String field, int length) {
        try {
            byte[] value = Base64.getDecoder().decode(body.path(field).asText(""));
            return value.length == 0 || (length > 0 && value.length != length) ? null : value;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }
}
