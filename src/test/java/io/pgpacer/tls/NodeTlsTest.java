package io.pgpacer.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.config.ConfigException;
import io.pgpacer.config.TlsConfig;
import io.pgpacer.testkit.TestCertificates;
import io.pgpacer.testkit.TestCertificates.Authority;
import io.pgpacer.testkit.TestCertificates.Issued;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PEM files as operators make them with openssl load; each way of getting them wrong gets one clear message. */
class NodeTlsTest {

    private static final Path CONFIG = Path.of("/etc/pgpacer/pgpacer.yaml");

    @TempDir
    static Path dir;
    private static Authority ca;
    private static Authority otherCa;
    private static Issued node;
    private static Issued rsaNode;
    private static Issued stranger;

    @BeforeAll
    static void makeCertificates() {
        ca = TestCertificates.authority(dir, "cluster-ca");
        otherCa = TestCertificates.authority(dir, "other-ca");
        node = ca.issue("node1");
        rsaNode = ca.issue("node2", "RSA");
        stranger = otherCa.issue("stranger");
    }

    private static TlsConfig tls(Issued issued) {
        return new TlsConfig(CONFIG, issued.certFile(), issued.keyFile(), ca.certFile());
    }

    @Test
    void ecAndRsaKeysInPkcs8LoadWithTheirCertificates() {
        for (Issued issued : new Issued[] {node, rsaNode}) {
            NodeTls tls = NodeTls.load(tls(issued));
            assertNotNull(tls.keyManager());
            assertNotNull(tls.sslContext());
            assertTrue(tls.toString().contains("CN="), tls.toString());
        }
    }

    @Test
    void aClientThatOnlyVerifiesServersNeedsOnlyTheCa() {
        NodeTls tls = NodeTls.trusting(ca.certFile(), "PGPACER_API_CA_FILE");
        assertEquals(null, tls.keyManager());
        assertEquals(1, tls.trustManager().getAcceptedIssuers().length);
    }

    /** Each case writes a broken file in place of one of the three and expects the message to say so. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "missing key file      | key-file  | MISSING     | no such file",
        "empty certificate     | cert-file | EMPTY       | holds no PEM certificate (expected a '-----BEGIN CERTIFICATE-----' block; for a binary DER file",
        "key given as cert     | cert-file | KEY         | holds a private key, not a certificate; did you swap cert-file and key-file?",
        "cert given as key     | key-file  | CERT        | holds a certificate, not a private key; did you swap",
        "PKCS#1 RSA key        | key-file  | PKCS1       | holds a PKCS#1 RSA key ('BEGIN RSA PRIVATE KEY'); pgpacer reads PKCS#8",
        "SEC1 EC key           | key-file  | SEC1        | holds an SEC1 EC key ('BEGIN EC PRIVATE KEY'); pgpacer reads PKCS#8",
        "encrypted key         | key-file  | ENCRYPTED   | the private key is encrypted, and the agent starts unattended; decrypt it",
        "damaged key           | key-file  | GARBLED_KEY | the private key is not an RSA, EC or Ed25519 key in PKCS#8 form",
        "damaged certificate   | cert-file | GARBLED_CERT| certificate 1 is not a valid X.509 certificate",
        "key of another cert   | key-file  | OTHER_KEY   | this private key does not belong to the certificate in",
        "cert of another CA    | cert-file | OTHER_CA    | is not valid under",
        "unreadable CA         | ca-file   | UNREADABLE  | permission denied",
    })
    void brokenFilesAreNamedWithTheirFix(String title, String key, String breakage, String expected) throws IOException {
        Path scratch = Files.createTempDirectory(dir, "case");
        Path cert = copy(node.certFile(), scratch.resolve("node.crt"));
        Path keyFile = copy(node.keyFile(), scratch.resolve("node.key"));
        Path caFile = copy(ca.certFile(), scratch.resolve("ca.crt"));
        Path target = switch (key) {
            case "cert-file" -> cert;
            case "key-file" -> keyFile;
            default -> caFile;
        };
        switch (breakage) {
            case "MISSING" -> Files.delete(target);
            case "EMPTY" -> Files.writeString(target, "");
            case "KEY" -> Files.copy(node.keyFile(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            case "CERT" -> Files.copy(node.certFile(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            case "PKCS1" -> convert(target, "pkey", "-in", rsaNode.keyFile().toString(), "-traditional");
            case "SEC1" -> convert(target, "ec", "-in", node.keyFile().toString());
            case "ENCRYPTED" -> convert(target, "pkcs8", "-topk8", "-in", node.keyFile().toString(), "-passout",
                    "pass:secret-passphrase");
            case "GARBLED_KEY" -> rewrite(target, t -> t.replaceFirst("(PRIVATE KEY-----\\s*)\\S{8}", "$1AAAAAAAA"));
            case "GARBLED_CERT" -> rewrite(target, t -> t.replaceFirst("(CERTIFICATE-----\\s*)\\S{12}", "$1AAAAAAAAAAAA"));
            case "OTHER_KEY" -> Files.copy(stranger.keyFile(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            case "OTHER_CA" -> {
                Files.copy(stranger.certFile(), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.copy(stranger.keyFile(), keyFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            case "UNREADABLE" -> Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("---------"));
            default -> throw new IllegalArgumentException(breakage);
        }
        if (breakage.equals("UNREADABLE") && Files.isReadable(target)) {
            return; // root reads any file; the case means nothing then
        }
        TlsConfig config = new TlsConfig(CONFIG, cert, keyFile, caFile);
        ConfigException e = assertThrows(ConfigException.class, () -> NodeTls.load(config));
        assertTrue(e.getMessage().startsWith(CONFIG + ": key 'tls." + key + "': " + target + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected.strip()), "expected '" + expected.strip() + "' in: " + e.getMessage());
        assertFalse(e.getMessage().contains("secret-passphrase"), e.getMessage());
        assertFalse(e.getMessage().contains(Files.exists(node.keyFile()) ? keyBody() : "\0"), "no key material");
    }

    private static String keyBody() throws IOException {
        return Files.readString(node.keyFile()).lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    }

    private static Path copy(Path from, Path to) throws IOException {
        return Files.copy(from, to);
    }

    private static void convert(Path target, String... args) {
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                java.util.stream.Stream.of("-out", target.toString())).toArray(String[]::new);
        TestCertificates.openssl(target.getParent(), all);
    }

    private static void rewrite(Path file, UnaryOperator<String> change) throws IOException {
        String before = Files.readString(file);
        String after = change.apply(before);
        assertFalse(before.equals(after), "the case must change " + file);
        Files.writeString(file, after);
    }
}
