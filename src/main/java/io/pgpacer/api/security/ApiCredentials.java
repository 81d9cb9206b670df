package io.pgpacer.api.security;

import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ApiConfig.ClientAuth;
import io.pgpacer.config.ConfigException;
import io.pgpacer.tls.NodeTls;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * What an API client presents and trusts: the bearer token (or none) and the TLS context (or the JVM's
 * default). For the CLI: the environment's {@code PGPACER_API_TOKEN}, {@code PGPACER_API_TOKEN_FILE} and
 * {@code PGPACER_API_CA_FILE} win over the configuration's {@code api.token-file} and {@code tls.ca-file}.
 *
 * @param token null to send no {@code Authorization} header
 * @param tls null for the JVM's default trust
 */
public record ApiCredentials(ApiToken token, SSLContext tls) {

    public static final String TOKEN_ENV = "PGPACER_API_TOKEN";
    public static final String TOKEN_FILE_ENV = "PGPACER_API_TOKEN_FILE";
    public static final String CA_FILE_ENV = "PGPACER_API_CA_FILE";

    public static final ApiCredentials NONE = new ApiCredentials(null, null);

    @Override
    public String toString() {
        return "ApiCredentials[token=" + (token == null ? "none" : ApiToken.MASK) + ", tls=" + (tls != null) + "]";
    }

    /**
     * The CLI's credentials.
     *
     * @param config the cluster configuration, or null when the CLI was given only API addresses
     * @throws ConfigException when a named file cannot be read or holds no token or certificate
     */
    public static ApiCredentials forCli(AgentConfig config, Map<String, String> env) {
        ApiToken token;
        if (env.get(TOKEN_ENV) != null) {
            token = ApiToken.of(env.get(TOKEN_ENV), "environment variable " + TOKEN_ENV);
        } else if (env.get(TOKEN_FILE_ENV) != null) {
            token = ApiToken.read(Path.of(env.get(TOKEN_FILE_ENV)), "environment variable " + TOKEN_FILE_ENV);
        } else if (config != null && config.api().tokenFile() != null) {
            token = ApiToken.read(config.api().tokenFile(), config.file() + ": key 'api.token-file'");
        } else {
            token = null;
        }
        NodeTls tls;
        if (env.get(CA_FILE_ENV) != null) {
            tls = NodeTls.trusting(Path.of(env.get(CA_FILE_ENV)), "environment variable " + CA_FILE_ENV);
        } else if (config != null && config.tls() != null) {
            // An agent that requires client certificates gets this node's; otherwise the CA alone is enough.
            tls = config.api().clientAuth() == ClientAuth.REQUIRED ? NodeTls.load(config.tls())
                    : NodeTls.trusting(config.tls().caFile(), config.tls().label("ca-file"));
        } else {
            tls = null;
        }
        return new ApiCredentials(token, tls == null ? null : tls.sslContext());
    }

    /** {@code https} when the configuration has TLS, else {@code http}. */
    public static String scheme(AgentConfig config) {
        return config != null && config.tls() != null ? "https" : "http";
    }
}
