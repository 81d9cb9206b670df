package io.pgpacer.enrol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The enrolment exchange's cryptography, all from the JDK's JCA. Both sides hold the host key (the host from
 * {@code host.key}, the client from the passphrase); each contributes a random nonce. The client proves it holds
 * the key with an HMAC over both nonces, then the host proves it with another (a different label, so that neither
 * proof can be replayed as the other). The secrets travel sealed with AES-256-GCM under a key derived from the
 * host key and both nonces, with both nonces as associated data, so plain HTTP reveals nothing and a changed
 * byte is refused.
 *
 * <p>Limit, stated: a party that impersonates a host sees a client's proof and can guess passphrases against it
 * offline, which PBKDF2's iteration count slows but does not stop; so choose a strong passphrase and name the
 * hosts by addresses you trust. The host never reveals anything derived from the key before the client proved
 * itself, so an anonymous client cannot do the same.
 */
public final class EnrolmentCrypto {

    /** Every nonce's length in bytes. */
    public static final int NONCE_BYTES = 32;

    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String CLIENT_PROOF = "pgpacer enrol client proof";
    private static final String HOST_PROOF = "pgpacer enrol host proof";
    private static final String SEALING_KEY = "pgpacer enrol sealing key";
    private static final String CONFIGURATION_MAC = "pgpacer enrol configuration";

    private EnrolmentCrypto() {
    }

    /** The sealed secrets were changed in transit, or sealed under another key. */
    public static final class SealBrokenException extends Exception {
        private static final long serialVersionUID = 1L;

        SealBrokenException() {
            super("the sealed secrets do not open: they were changed in transit or sealed under another key");
        }
    }

    public static byte[] nonce(SecureRandom random) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        return nonce;
    }

    public static byte[] clientProof(byte[] hostKey, byte[] hostNonce, byte[] clientNonce) {
        return hmac(hostKey, CLIENT_PROOF, hostNonce, clientNonce);
    }

    public static byte[] hostProof(byte[] hostKey, byte[] hostNonce, byte[] clientNonce) {
        return hmac(hostKey, HOST_PROOF, hostNonce, clientNonce);
    }

    /** Whether a proof received is the one expected, in time independent of where they differ. */
    public static boolean sameProof(byte[] expected, byte[] received) {
        return received != null && MessageDigest.isEqual(expected, received);
    }

    /** {@code plaintext} sealed for this exchange: a random IV followed by the AES-GCM ciphertext and tag. */
    public static byte[] seal(byte[] hostKey, byte[] hostNonce, byte[] clientNonce, byte[] plaintext,
            SecureRandom random) {
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, hostKey, hostNonce, clientNonce, iv);
            byte[] sealed = cipher.doFinal(plaintext);
            byte[] out = Arrays.copyOf(iv, IV_BYTES + sealed.length);
            System.arraycopy(sealed, 0, out, IV_BYTES, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java 17 runtime has AES/GCM/NoPadding", e);
        }
    }

    /** What {@link #seal} sealed for this exchange. */
    public static byte[] open(byte[] hostKey, byte[] hostNonce, byte[] clientNonce, byte[] sealed)
            throws SealBrokenException {
        if (sealed == null || sealed.length < IV_BYTES + TAG_BITS / 8) {
            throw new SealBrokenException();
        }
        try {
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, hostKey, hostNonce, clientNonce,
                    Arrays.copyOf(sealed, IV_BYTES));
            return cipher.doFinal(sealed, IV_BYTES, sealed.length - IV_BYTES);
        } catch (AEADBadTagException e) {
            throw new SealBrokenException();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java 17 runtime has AES/GCM/NoPadding", e);
        }
    }

    /**
     * The MAC that authenticates a configuration delivered to an unconfigured host over plain HTTP, in place of the
     * token itself: keyed with the cluster's API token, over a challenge of the host's (so that it is used once),
     * the node, the force flag and the body's digest.
     */
    public static byte[] configurationMac(String apiToken, byte[] hostNonce, String node, boolean force,
            byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(apiToken.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(CONFIGURATION_MAC.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) 0);
            mac.update(hostNonce);
            mac.update(node.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update((byte) (force ? 1 : 0));
            return mac.doFinal(sha256(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java 17 runtime has HmacSHA256", e);
        }
    }

    /** The token's SHA-256 in hex: what a client sends to ask whether a host holds the same token, never the token. */
    public static String tokenDigest(String apiToken) {
        return java.util.HexFormat.of().formatHex(sha256(apiToken.getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java 17 runtime has SHA-256", e);
        }
    }

    private static Cipher cipher(int mode, byte[] hostKey, byte[] hostNonce, byte[] clientNonce, byte[] iv)
            throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, new SecretKeySpec(hmac(hostKey, SEALING_KEY, hostNonce, clientNonce), "AES"),
                new GCMParameterSpec(TAG_BITS, iv));
        cipher.updateAAD(concat(hostNonce, clientNonce));
        return cipher;
    }

    // why fixed-length nonces and a label: the HMAC's input is unambiguous, and each use gets its own value.
    private static byte[] hmac(byte[] key, String label, byte[] hostNonce, byte[] clientNonce) {
        if (hostNonce.length != NONCE_BYTES || clientNonce.length != NONCE_BYTES) {
            throw new IllegalArgumentException("a nonce must have " + NONCE_BYTES + " bytes");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(label.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) 0);
            mac.update(hostNonce);
            return mac.doFinal(clientNonce);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java 17 runtime has HmacSHA256", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
