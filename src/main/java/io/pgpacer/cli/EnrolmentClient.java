package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpacer.api.ApiClient;
import io.pgpacer.api.security.ApiCredentials;
import io.pgpacer.api.security.ApiToken;
import io.pgpacer.enrol.EnrolmentCrypto;
import io.pgpacer.enrol.HostKey;
import io.pgpacer.enrol.SharedSecrets;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * The client's side of enrolment, over one host's API: its {@code GET /enrol}, the challenge-response that proves
 * both sides know the host secret, the sealed secrets, and the configuration.
 */
final class EnrolmentClient {

    /** A host that proved it holds the key of the passphrase, and the exchange that may now carry the secrets. */
    record Proven(Target target, byte[] key, String hostNonce, byte[] clientNonce) {
    }

    /**
     * A host as the operator named it, and its enrolment API.
     *
     * @param name what the operator typed, used in every line printed about it
     */
    record Target(String name, URI api) {

        static final int DEFAULT_PORT = 8008;

        /**
         * {@code HOST[:PORT]} ({@code [v6]:PORT} for an IPv6 address with a port).
         *
         * @throws IllegalArgumentException naming the argument and what one looks like
         */
        static Target parse(String text) {
            String host = text.strip();
            int port = DEFAULT_PORT;
            String portText = null;
            if (host.startsWith("[")) {
                int end = host.indexOf(']');
                if (end < 0) {
                    throw bad(text);
                }
                portText = host.length() > end + 1 ? host.substring(end + 1) : null;
                if (portText != null && !portText.startsWith(":")) {
                    throw bad(text);
                }
                portText = portText == null ? null : portText.substring(1);
                host = host.substring(1, end);
            } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
                portText = host.substring(host.indexOf(':') + 1);
                host = host.substring(0, host.indexOf(':'));
            }
            if (portText != null) {
                if (!portText.matches("\\d{1,5}") || Integer.parseInt(portText) < 1
                        || Integer.parseInt(portText) > 65535) {
                    throw bad(text);
                }
                port = Integer.parseInt(portText);
            }
            if (host.isEmpty() || !host.matches("[A-Za-z0-9._:%-]+")) {
                throw bad(text);
            }
            return new Target(text.strip(), URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host)
                    + ":" + port));
        }

        private static IllegalArgumentException bad(String text) {
            return new IllegalArgumentException("'" + text + "' is not HOST[:PORT]; give a host name or address and"
                    + " optionally its agent's API port, e.g. pg-152 or 192.168.28.152:8008 or [fd00::2]:8008");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final SecureRandom random = new SecureRandom();
    private final SSLContext tls;

    /** @param tls the trust for hosts that answer HTTPS (configured nodes of a cluster with TLS), or null for none */
    EnrolmentClient(SSLContext tls) {
        this.tls = tls;
    }

    /** The host's {@code GET /enrol}, with the token's digest (never the token) so that it says whether it holds it. */
    JsonNode status(Target target, SharedSecrets secrets) {
        String path = "/enrol?token-sha256=" + EnrolmentCrypto.tokenDigest(secrets.apiToken());
        if (tls != null) {
            try {
                return new ApiClient(List.of(https(target)), new ApiCredentials(null, tls)).call("GET", path);
            } catch (ApiClient.ApiException e) {
                if (e.status() != 0) {
                    throw e;
                }
                // no HTTPS there: an unconfigured host, which speaks HTTP
            }
        }
        return client(target.api()).call("GET", path);
    }

    private static URI https(Target target) {
        return URI.create("https" + target.api().toString().substring("http".length()));
    }

    /**
     * Proves to the host that this client knows its passphrase, and checks that the host proves it holds the key.
     *
     * @throws ApiClient.ApiException with the host's sentence when it refused
     * @throws HostProofException when the host's proof is not made with the passphrase's key
     */
    Proven prove(Target target, char[] passphrase) {
        ApiClient client = client(target.api());
        JsonNode challenge = client.call("POST", "/enrol/challenge");
        String hostNonce = challenge.path("host-nonce").asText();
        byte[] key = HostKey.derive(passphrase, decode(challenge, "salt"), challenge.path("iterations").asInt());
        byte[] clientNonce = EnrolmentCrypto.nonce(random);
        byte[] hostNonceBytes = decode(challenge, "host-nonce");
        JsonNode answer = client.call("POST", "/enrol/prove", json(Map.of("host-nonce", hostNonce,
                "client-nonce", encode(clientNonce),
                "client-proof", encode(EnrolmentCrypto.clientProof(key, hostNonceBytes, clientNonce)))));
        if (!EnrolmentCrypto.sameProof(EnrolmentCrypto.hostProof(key, hostNonceBytes, clientNonce),
                decode(answer, "host-proof"))) {
            throw new HostProofException();
        }
        return new Proven(target, key, hostNonce, clientNonce);
    }

    /** Sends the secrets sealed for a proven exchange. */
    void deliverSecrets(Proven proven, SharedSecrets secrets, boolean force) {
        byte[] plaintext = json(Map.of("api-token", secrets.apiToken(),
                "replication-password", secrets.replicationPassword())).getBytes(StandardCharsets.UTF_8);
        byte[] sealed = EnrolmentCrypto.seal(proven.key(), Base64.getDecoder().decode(proven.hostNonce()),
                proven.clientNonce(), plaintext, random);
        Arrays.fill(plaintext, (byte) 0);
        client(proven.target().api()).call("POST", "/enrol/secrets", json(Map.of("host-nonce",
                proven.hostNonce(), "sealed", encode(sealed), "force", force)));
    }

    /**
     * Delivers the configuration to the host as node {@code node}: to an unconfigured host authenticated by a MAC
     * made with the token over one of its challenges (its HTTP is plain), to a configured one with the token itself,
     * as every API command is.
     */
    JsonNode deliverConfiguration(Target target, SharedSecrets secrets, boolean configured, String node, String yaml,
            boolean force) {
        String path = "/enrol/config?node=" + URLEncoder.encode(node, StandardCharsets.UTF_8)
                + (force ? "&force=yes" : "");
        if (configured) {
            ApiToken token = ApiToken.of(secrets.apiToken(), "api-token");
            return new ApiClient(List.of(tls == null ? target.api() : https(target)), new ApiCredentials(token, tls))
                    .call("POST", path, yaml);
        }
        ApiClient client = client(target.api());
        String hostNonce = client.call("POST", "/enrol/challenge").path("host-nonce").asText();
        byte[] mac = EnrolmentCrypto.configurationMac(secrets.apiToken(), Base64.getDecoder().decode(hostNonce), node,
                force, yaml.getBytes(StandardCharsets.UTF_8));
        return client.call("POST", path + "&host-nonce=" + URLEncoder.encode(hostNonce, StandardCharsets.UTF_8)
                + "&mac=" + URLEncoder.encode(encode(mac), StandardCharsets.UTF_8), yaml);
    }

    /** The host answered a proof that the passphrase's key did not make: it is not the host that was set up. */
    static final class HostProofException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HostProofException() {
            super("its proof does not match the passphrase: it is not the host whose secret you set");
        }
    }

    // An unconfigured host's enrolment API: plain HTTP, no token (the exchange authenticates itself).
    private static ApiClient client(URI api) {
        return new ApiClient(List.of(api), new ApiCredentials(null, null));
    }

    private static String json(Map<String, ?> body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    private static String encode(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] decode(JsonNode body, String field) {
        try {
            return Base64.getDecoder().decode(body.path(field).asText(""));
        } catch (IllegalArgumentException e) {
            throw new ApiClient.ApiException(502, "its answer's " + field + " is not base64; is it a pgpacer agent?");
        }
    }
}
