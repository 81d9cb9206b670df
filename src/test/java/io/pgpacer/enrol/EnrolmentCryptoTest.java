package io.pgpacer.enrol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EnrolmentCryptoTest {

    // why few iterations: the test checks the exchange, not PBKDF2's cost; the count travels with the salt
    private static final int ITERATIONS = 1000;
    private final SecureRandom random = new SecureRandom();

    @Test
    void theRightPassphraseProvesBothSidesAndOpensTheSeal() throws Exception {
        HostKey host = HostKey.create("correct horse".toCharArray(), ITERATIONS, random);
        byte[] clientKey = HostKey.derive("correct horse".toCharArray(), host.salt(), host.iterations());
        byte[] hostNonce = EnrolmentCrypto.nonce(random);
        byte[] clientNonce = EnrolmentCrypto.nonce(random);

        assertTrue(EnrolmentCrypto.sameProof(EnrolmentCrypto.clientProof(host.key(), hostNonce, clientNonce),
                EnrolmentCrypto.clientProof(clientKey, hostNonce, clientNonce)), "the host accepts the client");
        assertTrue(EnrolmentCrypto.sameProof(EnrolmentCrypto.hostProof(clientKey, hostNonce, clientNonce),
                EnrolmentCrypto.hostProof(host.key(), hostNonce, clientNonce)), "the client accepts the host");
        byte[] secret = "token and password".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = EnrolmentCrypto.seal(clientKey, hostNonce, clientNonce, secret, random);
        assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains("token"), "the seal hides the secret");
        assertArrayEquals(secret, EnrolmentCrypto.open(host.key(), hostNonce, clientNonce, sealed));
    }

    @Test
    void aWrongPassphraseFailsOnBothSides() {
        HostKey host = HostKey.create("correct horse".toCharArray(), ITERATIONS, random);
        byte[] wrongKey = HostKey.derive("battery staple".toCharArray(), host.salt(), host.iterations());
        byte[] hostNonce = EnrolmentCrypto.nonce(random);
        byte[] clientNonce = EnrolmentCrypto.nonce(random);

        assertFalse(EnrolmentCrypto.sameProof(EnrolmentCrypto.clientProof(host.key(), hostNonce, clientNonce),
                EnrolmentCrypto.clientProof(wrongKey, hostNonce, clientNonce)), "the host refuses the client");
        assertFalse(EnrolmentCrypto.sameProof(EnrolmentCrypto.hostProof(wrongKey, hostNonce, clientNonce),
                EnrolmentCrypto.hostProof(host.key(), hostNonce, clientNonce)), "the client refuses the host");
        byte[] sealed = EnrolmentCrypto.seal(wrongKey, hostNonce, clientNonce, new byte[] {1, 2, 3}, random);
        assertThrows(EnrolmentCrypto.SealBrokenException.class,
                () -> EnrolmentCrypto.open(host.key(), hostNonce, clientNonce, sealed), "the host cannot open it");
    }

    @Test
    void aProofIsNeitherTheOtherSidesNorValidForAnotherExchange() {
        byte[] key = HostKey.create("correct horse".toCharArray(), ITERATIONS, random).key();
        byte[] hostNonce = EnrolmentCrypto.nonce(random);
        byte[] clientNonce = EnrolmentCrypto.nonce(random);
        byte[] clientProof = EnrolmentCrypto.clientProof(key, hostNonce, clientNonce);

        assertFalse(Arrays.equals(clientProof, EnrolmentCrypto.hostProof(key, hostNonce, clientNonce)));
        assertFalse(EnrolmentCrypto.sameProof(EnrolmentCrypto.clientProof(key, EnrolmentCrypto.nonce(random),
                clientNonce), clientProof), "a replayed proof does not answer a new challenge");
    }

    @Test
    void everyChangedByteOfTheSealIsRefused() throws Exception {
        byte[] key = HostKey.create("correct horse".toCharArray(), ITERATIONS, random).key();
        byte[] hostNonce = EnrolmentCrypto.nonce(random);
        byte[] clientNonce = EnrolmentCrypto.nonce(random);
        byte[] sealed = EnrolmentCrypto.seal(key, hostNonce, clientNonce, "secret".getBytes(StandardCharsets.UTF_8),
                random);
        for (int i = 0; i < sealed.length; i++) {
            byte[] tampered = sealed.clone();
            tampered[i] ^= 0x01;
            assertThrows(EnrolmentCrypto.SealBrokenException.class,
                    () -> EnrolmentCrypto.open(key, hostNonce, clientNonce, tampered), "byte " + i + " changed");
        }
        assertThrows(EnrolmentCrypto.SealBrokenException.class, () -> EnrolmentCrypto.open(key, clientNonce,
                hostNonce, sealed), "the seal is bound to this exchange's nonces");
        assertEquals("secret", new String(EnrolmentCrypto.open(key, hostNonce, clientNonce, sealed),
                StandardCharsets.UTF_8));
    }

    @Test
    void noncesSaltsAndSealsDifferPerExchange() {
        assertNotEquals(Arrays.toString(EnrolmentCrypto.nonce(random)), Arrays.toString(EnrolmentCrypto.nonce(random)));
        HostKey a = HostKey.create("correct horse".toCharArray(), ITERATIONS, random);
        HostKey b = HostKey.create("correct horse".toCharArray(), ITERATIONS, random);
        assertFalse(Arrays.equals(a.salt(), b.salt()), "a random salt per host");
        assertFalse(Arrays.equals(a.key(), b.key()), "so the same passphrase gives each host its own key");
        byte[] hostNonce = EnrolmentCrypto.nonce(random);
        byte[] clientNonce = EnrolmentCrypto.nonce(random);
        byte[] plain = {1, 2, 3};
        assertFalse(Arrays.equals(EnrolmentCrypto.seal(a.key(), hostNonce, clientNonce, plain, random),
                EnrolmentCrypto.seal(a.key(), hostNonce, clientNonce, plain, random)), "a random IV per seal");
    }

    @Test
    void theStoredKeyReadsBackAndNeverShowsItself() {
        HostKey key = HostKey.create("correct horse".toCharArray(), ITERATIONS, random);
        assertEquals(key, HostKey.parse(key.render()));
        assertFalse(key.toString().contains(java.util.Base64.getEncoder().encodeToString(key.key())));
        assertThrows(IllegalArgumentException.class, () -> HostKey.parse("correct horse"));
        assertEquals(null, HostKey.refusal("long enough".toCharArray()));
        assertTrue(HostKey.refusal("short".toCharArray()).contains("fewer than 8"));
    }
}
