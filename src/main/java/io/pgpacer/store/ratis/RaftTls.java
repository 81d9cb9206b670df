package io.pgpacer.store.ratis;

import java.util.Objects;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * Mutual TLS for the store's gRPC transport: every member presents {@code keys} and accepts only peers (and
 * clients) whose certificate {@code trust} verifies, so a host without a certificate from the cluster's CA can
 * neither join the group nor read or write the CIB.
 */
public record RaftTls(X509KeyManager keys, X509TrustManager trust) {

    public RaftTls {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(trust, "trust");
    }

    /** Ratis's parameters for a server or client: one TLS configuration for its server, client and admin ports. */
    Parameters parameters() {
        Parameters parameters = new Parameters();
        GrpcConfigKeys.TLS.setConf(parameters, new GrpcTlsConfig(keys, trust, true));
        return parameters;
    }
}
