package io.pgpacer.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** A URL is printed without its credentials, whether it parsed or not. */
class UrlRedactionTest {

    @Test
    void credentialsInAUrlAreRedacted() {
        assertEquals("http://***@db1:8008", UrlRedaction.redact(URI.create("http://admin:secret@db1:8008")));
        assertEquals("no agent answered: https://***@[::1]:8008/x: refused; http://db2:8008: refused",
                UrlRedaction.redact("no agent answered: https://a:b@[::1]:8008/x: refused; http://db2:8008: refused"));
        assertEquals("http://***@h", UrlRedaction.redact("http://user@h"));
        assertEquals("http://db1:8008/a@b", UrlRedaction.redact("http://db1:8008/a@b"), "an @ in the path is kept");
    }

    @Test
    void anAgentUrlWithCredentialsIsRefusedWithoutEchoingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ApiClient.agentUrl("http://admin:s3cret@127.0.0.1:8008"));
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        assertTrue(e.getMessage().startsWith("'http://***@127.0.0.1:8008' holds credentials"), e.getMessage());
        assertEquals(URI.create("https://[::1]:8008"), ApiClient.agentUrl(" https://[::1]:8008 "));
    }
}
