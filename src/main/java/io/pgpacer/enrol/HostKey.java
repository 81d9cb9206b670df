package io.pgpacer.enrol;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The key a host derives from the passphrase given to {@code pgpacer host secret}: PBKDF2-HMAC-SHA256 over the
 * passphrase with a random salt. The host stores the key, its salt and iteration count, never the passphrase; a
 * client that knows the passphrase derives the same key from the salt and count the host hands out.
 */
public final class HostKey {

    /** OWASP's 2023 figure for PBKDF2-HMAC-SHA256: slow enough to make guessing a passphrase offline costly. */
    public static final int ITERATIONS = 600_000;
    /** The shortest passphrase accepted. */
    public static final int MIN_PASSPHRASE = 8;

    static final int SALT_BYTES = 16;
    static final int KEY_BYTES = 32;
    private static final String FORMAT = "pgpacer-host-key-v1 pbkdf2-hmac-sha256";

    private final byte[] salt;
    private final int iterations;
    private final byte[] key;

    private HostKey(byte[] salt, int iterations, byte[] key) {
        this.salt = salt.clone();
        this.iterations = iterations;
        this.key = key.clone();
    }

    /** A new key for {@code passphrase} with a fresh random salt. */
    public static HostKey create(char[] passphrase, int iterations, SecureRandom random) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        return new HostKey(salt, iterations, derive(passphrase, salt, iterations));
    }

    /** The key a client derives from the passphrase it was told and the host's salt and iteration count. */
    public static byte[] derive(char[] passphrase, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(passphrase, salt, iterations, KEY_BYTES * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java 17 runtime has PBKDF2WithHmacSHA256", e);
        } finally {
            spec.clearPassword();
        }
    }

    /**
     * Why {@code passphrase} cannot be a host secret, or null when it can.
     */
    public static String refusal(char[] passphrase) {
        if (passphrase.length < MIN_PASSPHRASE) {
            return "the passphrase has " + passphrase.length + " characters, fewer than " + MIN_PASSPHRASE
                    + "; choose a longer one";
        }
        for (char c : passphrase) {
            if (Character.isISOControl(c)) {
                return "the passphrase holds a control character; type it on one line";
            }
        }
        return null;
    }

    byte[] salt() {
        return salt.clone();
    }

    int iterations() {
        return iterations;
    }

    byte[] key() {
        return key.clone();
    }

    /** The one line stored in {@code host.key}. */
    String render() {
        Base64.Encoder b64 = Base64.getEncoder();
        return FORMAT + " " + iterations + " " + b64.encodeToString(salt) + " " + b64.encodeToString(key) + "\n";
    }

    /**
     * The key stored as {@link #render()} wrote it.
     *
     * @throws IllegalArgumentException when the text is not such a line
     */
    static HostKey parse(String text) {
        String[] parts = text.strip().split(" ");
        String format = parts.length == 5 ? parts[0] + " " + parts[1] : "";
        if (!format.equals(FORMAT)) {
            throw new IllegalArgumentException("it is not a pgpacer host key");
        }
        try {
            int iterations = Integer.parseInt(parts[2]);
            byte[] salt = Base64.getDecoder().decode(parts[3]);
            byte[] key = Base64.getDecoder().decode(parts[4]);
            if (iterations < 1 || salt.length != SALT_BYTES || key.length != KEY_BYTES) {
                throw new IllegalArgumentException("its iteration count, salt or key has the wrong size");
            }
            return new HostKey(salt, iterations, key);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("its iteration count is not a number");
        }
    }

    @Override
    public String toString() {
        return "HostKey[" + FORMAT + ", iterations=" + iterations + ", salt and key not shown]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostKey other && iterations == other.iterations && Arrays.equals(salt, other.salt)
                && Arrays.equals(key, other.key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(salt) * 31 + iterations;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
