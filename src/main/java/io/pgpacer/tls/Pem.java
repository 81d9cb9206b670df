package io.pgpacer.tls;

import io.pgpacer.config.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM files: X.509 certificates, and unencrypted PKCS#8 private keys (RSA, EC, Ed25519). Every problem is
 * one {@link ConfigException} that names the configuration key, the file, and how to fix it; key material never
 * appears in a message.
 */
public final class Pem {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    private static final Pattern BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----");
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");
    private static final String TO_PKCS8 = "convert it with 'openssl pkcs8 -topk8 -nocrypt -in FILE -out NEWFILE'";

    private Pem() {
    }

    /**
     * The certificates in {@code file}, in file order (a chain starts with the leaf).
     *
     * @param label how the configuration names the file, e.g. {@code /etc/pgpacer.yaml: key 'tls.cert-file'}
     */
    public static List<X509Certificate> certificates(Path file, String label) {
        String text = read(file, label);
        List<X509Certificate> certificates = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("this JVM cannot read X.509 certificates", e);
        }
        for (Block block : blocks(text)) {
            if (!block.type().equals("CERTIFICATE")) {
                continue;
            }
            try {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
            } catch (CertificateException e) {
                throw problem(label, file, "certificate " + (certificates.size() + 1) + " is not a valid X.509"
                        + " certificate (" + e.getMessage() + "); replace the file with the PEM certificate");
            }
        }
        if (certificates.isEmpty()) {
            Set<String> types = types(text);
            throw problem(label, file, types.stream().anyMatch(t -> t.contains("PRIVATE KEY"))
                    ? "holds a private key, not a certificate; did you swap cert-file and key-file?"
                    : "holds no PEM certificate (expected a '-----BEGIN CERTIFICATE-----' block"
                            + (types.isEmpty() ? "; for a binary DER file, convert it with 'openssl x509 -inform der -in"
                                    + " FILE -out NEWFILE'" : ", found " + types) + ")");
        }
        return certificates;
    }

    /**
     * The one private key in {@code file}.
     *
     * @param label how the configuration names the file, e.g. {@code /etc/pgpacer.yaml: key 'tls.key-file'}
     */
    public static PrivateKey privateKey(Path file, String label) {
        String text = read(file, label);
        Set<String> types = types(text);
        if (types.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED")) {
            throw problem(label, file, "the private key is encrypted, and the agent starts unattended; decrypt it"
                    + " with 'openssl pkcs8 -topk8 -nocrypt -in FILE -out NEWFILE' and protect NEWFILE with chmod 600");
        }
        if (types.contains("RSA PRIVATE KEY")) {
            throw problem(label, file, "holds a PKCS#1 RSA key ('BEGIN RSA PRIVATE KEY'); pgpacer reads PKCS#8 ('BEGIN"
                    + " PRIVATE KEY'): " + TO_PKCS8);
        }
        if (types.contains("EC PRIVATE KEY")) {
            throw problem(label, file, "holds an SEC1 EC key ('BEGIN EC PRIVATE KEY'); pgpacer reads PKCS#8 ('BEGIN"
                    + " PRIVATE KEY'): " + TO_PKCS8);
        }
        List<Block> keys = blocks(text).stream().filter(b -> b.type().equals("PRIVATE KEY")).toList();
        if (keys.isEmpty()) {
            throw problem(label, file, types.contains("CERTIFICATE")
                    ? "holds a certificate, not a private key; did you swap cert-file and key-file?"
                    : "holds no PEM private key (expected a '-----BEGIN PRIVATE KEY-----' block)");
        }
        if (keys.size() > 1) {
            throw problem(label, file, "holds " + keys.size() + " private keys; keep only this node's key");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(keys.get(0).der());
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | RuntimeException e) {
                // try the next algorithm
            }
        }
        throw problem(label, file, "the private key is not an RSA, EC or Ed25519 key in PKCS#8 form (or it is"
                + " damaged); create one with 'openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256'");
    }

    private record Block(String type, byte[] der) {
    }

    private static List<Block> blocks(String text) {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                blocks.add(new Block(m.group(1), new byte[0]));
            }
        }
        return blocks;
    }

    private static Set<String> types(String text) {
        Set<String> types = new LinkedHashSet<>();
        Matcher m = BEGIN.matcher(text);
        while (m.find()) {
            types.add(m.group(1));
        }
        return types;
    }

    private static String read(Path file, String label) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw problem(label, file, "no such file; check the path");
        } catch (AccessDeniedException e) {
            throw problem(label, file, "permission denied; the user running pgpacer (" + System.getProperty("user.name")
                    + ") must be able to read it");
        } catch (IOException e) {
            throw problem(label, file, "cannot read it: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    static ConfigException problem(String label, Path file, String problem) {
        return new ConfigException(label + ": " + file + ": " + problem);
    }
}
