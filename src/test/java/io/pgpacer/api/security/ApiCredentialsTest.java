package io.pgpacer.api.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.config.AgentConfig;
import io.pgpacer.config.ConfigException;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the CLI finds its token and CA: the environment first, then the cluster configuration. */
class ApiCredentialsTest {

    @TempDir
    Path dir;

    private AgentConfig config(String extra) throws Exception {
        Path file = dir.resolve("cluster.yaml");
        Files.writeString(file, "cluster: c\nnodes: [{name: n1, address: 127.0.0.1}]\npostgresql: {data-dir: /d}\n"
                + extra);
        return ConfigLoader.loadCluster(file);
    }

    @Test
    void theEnvironmentWinsOverTheConfigurationAndAnEmptyValueIsAnError() throws Exception {
        Files.writeString(dir.resolve("config-token"), "from-config\n");
        Files.writeString(dir.resolve("env-token"), "from-env-file\n");
        AgentConfig config = config("api: {token-file: config-token}\n");

        assertTrue(ApiCredentials.forCli(config, Map.of()).token().matches("from-config"));
        assertTrue(ApiCredentials.forCli(config, Map.of(ApiCredentials.TOKEN_FILE_ENV,
                dir.resolve("env-token").toString())).token().matches("from-env-file"));
        assertTrue(ApiCredentials.forCli(config, Map.of(ApiCredentials.TOKEN_ENV, "from-env",
                ApiCredentials.TOKEN_FILE_ENV, dir.resolve("env-token").toString())).token().matches("from-env"));
        assertNull(ApiCredentials.forCli(null, Map.of()).token(), "no configuration, no environment: no token");

        ConfigException empty = assertThrows(ConfigException.class,
                () -> ApiCredentials.forCli(config, Map.of(ApiCredentials.TOKEN_ENV, " ")));
        assertEquals("environment variable PGPACER_API_TOKEN: the token is empty; generate one with"
                + " 'openssl rand -base64 32' (the same on every node)", empty.getMessage());
    }

    @Test
    void withTlsTheCliSpeaksHttpsAndTrustsTheConfiguredCa() throws Exception {
        TestCertificates.Authority ca = TestCertificates.authority(dir, "ca");
        TestCertificates.Issued node = ca.issue("n1");
        AgentConfig config = config("tls: {cert-file: " + node.certFile() + ", key-file: /nonexistent, ca-file: "
                + ca.certFile() + "}\n");
        assertEquals("https", ApiCredentials.scheme(config));
        assertNotNull(ApiCredentials.forCli(config, Map.of()).tls(), "only the CA is read: the key is not needed");

        AgentConfig mutual = config("tls: {cert-file: " + node.certFile() + ", key-file: /nonexistent, ca-file: "
                + ca.certFile() + "}\napi: {client-auth: required}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ApiCredentials.forCli(mutual, Map.of()));
        assertTrue(e.getMessage().endsWith("key 'tls.key-file': /nonexistent: no such file; check the path"),
                "with client-auth required the CLI presents the node's certificate: " + e.getMessage());
        assertEquals("http", ApiCredentials.scheme(config("")));
    }
}
