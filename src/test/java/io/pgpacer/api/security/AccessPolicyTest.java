package io.pgpacer.api.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.api.security.AccessPolicy.Caller;
import io.pgpacer.api.security.AccessPolicy.Verdict;
import io.pgpacer.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Who may do what: every combination of request kind, configuration and credentials. */
class AccessPolicyTest {

    private static final String TOKEN = "Zm9vYmFyLXRva2VuLTEyMw==";
    private static final ApiToken CONFIGURED = ApiToken.of(TOKEN, "test");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        // title                                  | token | reads | health | kind         | header                   | local | cert  | status
        "read open by default                     | yes   | false | false  | READ         | -                        | false | false | 0",
        "health check open by default             | yes   | true  | false  | HEALTH_CHECK | -                        | false | false | 0",
        "command without token                    | yes   | false | false  | COMMAND      | -                        | false | false | 401",
        "command without token, even locally      | yes   | false | false  | COMMAND      | -                        | true  | false | 401",
        "command with wrong token                 | yes   | false | false  | COMMAND      | Bearer wrong             | false | false | 401",
        "command with token as Basic              | yes   | false | false  | COMMAND      | Basic " + "x             | false | false | 401",
        "command with the token                   | yes   | false | false  | COMMAND      | Bearer " + TOKEN + "     | false | false | 0",
        "scheme is case-insensitive               | yes   | false | false  | COMMAND      | bearer " + TOKEN + "     | false | false | 0",
        "command with a client certificate        | yes   | false | false  | COMMAND      | -                        | false | true  | 0",
        "read when reads need auth                | yes   | true  | false  | READ         | -                        | false | false | 401",
        "read with token when reads need auth     | yes   | true  | false  | READ         | Bearer " + TOKEN + "     | false | false | 0",
        "health check when it needs auth          | yes   | true  | true   | HEALTH_CHECK | -                        | false | false | 401",
        "no token: command from this host         | no    | false | false  | COMMAND      | -                        | true  | false | 0",
        "no token: command from elsewhere         | no    | false | false  | COMMAND      | -                        | false | false | 403",
        "no token: any token from elsewhere       | no    | false | false  | COMMAND      | Bearer " + TOKEN + "     | false | false | 403",
        "no token: certificate from elsewhere     | no    | false | false  | COMMAND      | -                        | false | true  | 0",
        "no token: read from elsewhere            | no    | false | false  | READ         | -                        | false | false | 0",
    })
    void decides(String title, String token, boolean reads, boolean health, EndpointKind kind, String header,
            boolean local, boolean cert, int status) {
        AccessPolicy policy = new AccessPolicy(token.equals("yes") ? CONFIGURED : null, reads, health);
        Verdict verdict = policy.decide(kind, new Caller(header, local, cert));
        assertEquals(status, verdict.status(), title + ": " + verdict);
        assertFalse(verdict.message().contains(TOKEN), "a refusal never echoes a token: " + verdict.message());
        assertFalse(verdict.message().contains("wrong"), "nor what the caller sent: " + verdict.message());
        if (status == 401) {
            assertTrue(verdict.challenge().startsWith("Bearer realm=\"pgpacer\""), verdict.toString());
        }
    }

    @Test
    void commandsFromAPageOfAnotherSiteAreRefusedWhateverTheyCarry() {
        for (AccessPolicy policy : new AccessPolicy[] {new AccessPolicy(null, false, false),
                new AccessPolicy(CONFIGURED, false, false)}) {
            Verdict command = policy.decide(EndpointKind.COMMAND, new Caller("Bearer " + TOKEN, true, true, true));
            assertEquals(403, command.status(), command.toString());
            assertTrue(command.message().startsWith("a command sent by a web page of another site is refused"),
                    command.message());
            assertTrue(policy.decide(EndpointKind.READ, new Caller(null, true, false, true)).admitted(),
                    "another site's page cannot read an answer without CORS, so reads are not its concern");
        }
    }

    @Test
    void withoutATokenTheAgentWarnsAtStart() {
        assertTrue(ApiSecurity.defaults().warning().orElseThrow().contains("accepts commands only from this host"));
        assertTrue(new ApiSecurity(new AccessPolicy(CONFIGURED, false, false), null,
                io.pgpacer.config.ApiConfig.ClientAuth.NONE).warning().isEmpty());
    }

    @Test
    void tokensCompareByValueAndNeverPrint() {
        assertTrue(CONFIGURED.matches(TOKEN));
        assertFalse(CONFIGURED.matches(TOKEN + "x"));
        assertFalse(CONFIGURED.matches(TOKEN.substring(1)));
        assertFalse(CONFIGURED.matches(""));
        assertFalse(CONFIGURED.matches(null));
        assertEquals("********", CONFIGURED.toString());
        assertEquals("ApiCredentials[token=********, tls=false]", new ApiCredentials(CONFIGURED, null).toString());
    }

    @Test
    void aTokenFileNeedsOneUsableLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "  " + TOKEN + "\n# comment\n");
        assertTrue(ApiToken.read(file, "label").matches(TOKEN));

        Files.writeString(file, "\n \n");
        ConfigException empty = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ApiToken.read(file, "cfg: key 'api.token-file'"));
        assertEquals("cfg: key 'api.token-file': " + file + ": the token is empty; generate one with"
                + " 'openssl rand -base64 32' (the same on every node)", empty.getMessage());

        Files.writeString(file, "two words\n");
        ConfigException spaces = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ApiToken.read(file, "label"));
        assertTrue(spaces.getMessage().contains("spaces or characters outside printable ASCII"), spaces.getMessage());
        assertFalse(spaces.getMessage().contains("two words"), spaces.getMessage());

        ConfigException missing = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ApiToken.read(dir.resolve("nope"), "label"));
        assertTrue(missing.getMessage().contains("nope: no such file; create it with 'openssl rand -base64 32 >"),
                missing.getMessage());
    }
}
