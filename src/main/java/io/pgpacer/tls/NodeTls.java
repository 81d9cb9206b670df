package io.pgpacer.tls;

import io.pgpacer.config.ConfigException;
import io.pgpacer.config.TlsConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * One node's TLS identity (certificate chain and private key) and the CA it trusts, checked when loaded: the key
 * belongs to the certificate, and the CA signed the certificate for both TLS server and client use (every agent
 * is both, on the Raft port). A client that only verifies servers has no identity ({@link #trusting}).
 */
public final class NodeTls {

    // why: the key store lives only in memory; its password protects nothing, but the API requires one.
    private static final char[] IN_MEMORY = "pgpacer".toCharArray();

    private final X509KeyManager keys;
    private final X509TrustManager trust;
    private final String subject;

    private NodeTls(X509KeyManager keys, X509TrustManager trust, String subject) {
        this.keys = keys;
        this.trust = trust;
        this.subject = subject;
    }

    /**
     * Loads and checks the files {@code tls} names.
     *
     * @throws ConfigException naming the key, the file and the fix when a file is unreadable or does not fit
     */
    public static NodeTls load(TlsConfig tls) {
        List<X509Certificate> chain = Pem.certificates(tls.certFile(), tls.label("cert-file"));
        PrivateKey key = Pem.privateKey(tls.keyFile(), tls.label("key-file"));
        X509TrustManager trust = trustManager(Pem.certificates(tls.caFile(), tls.label("ca-file")));
        X509Certificate leaf = chain.get(0);
        if (!belongTogether(key, leaf.getPublicKey())) {
            throw Pem.problem(tls.label("key-file"), tls.keyFile(), "this private key does not belong to the"
                    + " certificate in " + tls.certFile() + " (" + leaf.getSubjectX500Principal().getName()
                    + "); give the key the certificate was issued for");
        }
        X509Certificate[] certificates = chain.toArray(X509Certificate[]::new);
        try {
            leaf.checkValidity();
            trust.checkServerTrusted(certificates, "UNKNOWN");
            trust.checkClientTrusted(certificates, "UNKNOWN");
        } catch (CertificateException e) {
            throw Pem.problem(tls.label("cert-file"), tls.certFile(), "the certificate "
                    + leaf.getSubjectX500Principal().getName() + " is not valid under " + tls.caFile() + ": "
                    + e.getMessage() + "; issue it from that CA, valid now, with extendedKeyUsage serverAuth and"
                    + " clientAuth");
        }
        return new NodeTls(keyManager(key, certificates), trust, leaf.getSubjectX500Principal().getName());
    }

    /**
     * Trusts the CA in {@code caFile} and presents no certificate: for clients that authenticate otherwise.
     *
     * @param label how the configuration or environment names the file
     */
    public static NodeTls trusting(Path caFile, String label) {
        return new NodeTls(null, trustManager(Pem.certificates(caFile, label)), null);
    }

    /** This node's certificate and key; null for a client that only trusts. */
    public X509KeyManager keyManager() {
        return keys;
    }

    public X509TrustManager trustManager() {
        return trust;
    }

    /** A TLS context that presents this identity (if any) and trusts only the CA. */
    public SSLContext sslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : new KeyManager[] {keys}, new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot set up TLS: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "NodeTls[" + (subject == null ? "trust only" : subject) + "]";
    }

    private static X509TrustManager trustManager(List<X509Certificate> authorities) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < authorities.size(); i++) {
                store.setCertificateEntry("ca-" + i, authorities.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            return first(factory.getTrustManagers(), X509TrustManager.class);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("this JVM cannot build a trust store: " + e.getMessage(), e);
        }
    }

    private static X509KeyManager keyManager(PrivateKey key, X509Certificate[] chain) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("node", key, IN_MEMORY, chain);
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, IN_MEMORY);
            return first(factory.getKeyManagers(), X509KeyManager.class);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("this JVM cannot hold the node's key: " + e.getMessage(), e);
        }
    }

    private static <T> T first(Object[] managers, Class<T> type) {
        for (Object manager : managers) {
            if (type.isInstance(manager)) {
                return type.cast(manager);
            }
        }
        throw new IllegalStateException("the JVM's TLS factory made no " + type.getSimpleName());
    }

    /** Whether a signature by {@code key} verifies with {@code certified}: the key is the certificate's. */
    private static boolean belongTogether(PrivateKey key, PublicKey certified) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
        byte[] probe = "pgpacer key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
