package io.pgpacer.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where this node's TLS material lives (the {@code tls} section): its certificate chain and PKCS#8 private key,
 * and the cluster's CA, all PEM. The API serves HTTPS with them and the Raft transport uses mutual TLS.
 *
 * @param source the configuration file that named these files, for error messages
 */
public record TlsConfig(Path source, Path certFile, Path keyFile, Path caFile) {

    public TlsConfig {
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(caFile, "caFile");
    }

    /** How an error message names one of these files' keys: {@code /etc/pgpacer.yaml: key 'tls.ca-file'}. */
    public String label(String key) {
        return (source == null ? "" : source + ": ") + "key 'tls." + key + "'";
    }
}
