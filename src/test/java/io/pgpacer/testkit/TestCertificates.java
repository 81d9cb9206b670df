package io.pgpacer.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time with the {@code openssl} program, as an operator would make them: a CA, and
 * node certificates it signs for 127.0.0.1 and localhost, usable as TLS server and client. Keys are PEM PKCS#8.
 */
public final class TestCertificates {

    private static final String OPENSSL = Files.isExecutable(Path.of("/usr/bin/openssl")) ? "/usr/bin/openssl" : "openssl";

    /** A certificate and its private key. */
    public record Issued(Path certFile, Path keyFile) {
    }

    /** A certificate authority whose files live in {@code dir}. */
    public record Authority(String name, Path dir, Path certFile, Path keyFile) {

        /** An EC P-256 certificate for {@code subject}, valid for 127.0.0.1 and localhost, signed by this CA. */
        public Issued issue(String subject) {
            return issue(subject, "EC");
        }

        /** The same with an "RSA" or "EC" key. */
        public Issued issue(String subject, String keyType) {
            Path key = dir.resolve(subject + ".key");
            Path csr = dir.resolve(subject + ".csr");
            Path cert = dir.resolve(subject + ".crt");
            Path extensions = dir.resolve(subject + ".ext");
            write(extensions, "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                    + "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n");
            openssl(dir, "req", "-new", "-newkey", keyType.equals("RSA") ? "rsa:2048" : "ec", "-pkeyopt",
                    keyType.equals("RSA") ? "rsa_keygen_bits:2048" : "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + subject);
            openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", certFile.toString(), "-CAkey",
                    keyFile.toString(), "-CAcreateserial", "-days", "2", "-extfile", extensions.toString(), "-out",
                    cert.toString());
            return new Issued(cert, key);
        }
    }

    private TestCertificates() {
    }

    /** A new self-signed CA called {@code name}, its files under {@code dir/name}. */
    public static Authority authority(Path dir, String name) {
        Path home = dir.resolve(name);
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path cert = home.resolve("ca.crt");
        Path key = home.resolve("ca.key");
        openssl(home, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=" + name,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return new Authority(name, home, cert, key);
    }

    /** Runs openssl with {@code args} in {@code dir}; fails with its output when it fails. */
    public static String openssl(Path dir, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(OPENSSL));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("openssl did not finish: " + command);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("openssl failed (" + process.exitValue() + "): " + command + "\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run openssl (bin/ensure-deps --tests installs it)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running openssl", e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
