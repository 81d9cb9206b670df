package io.pgpacer.enrol;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * The secrets every host of one cluster shares: the API token and the replication user's password. Never printed
 * ({@link #toString()} masks both).
 */
public record SharedSecrets(String apiToken, String replicationPassword) {

    private static final int RANDOM_BYTES = 32;

    public SharedSecrets {
        if (!printable(apiToken) || !printable(replicationPassword)) {
            throw new IllegalArgumentException("a shared secret is empty or holds spaces or characters outside"
                    + " printable ASCII");
        }
    }

    /** New random secrets for a new cluster: 256 bits each, base64url so that headers and conninfo carry them. */
    public static SharedSecrets generate(SecureRandom random) {
        return new SharedSecrets(randomText(random), randomText(random));
    }

    private static String randomText(SecureRandom random) {
        byte[] bytes = new byte[RANDOM_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static boolean printable(String value) {
        return value != null && !value.isEmpty() && value.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }

    @Override
    public String toString() {
        return "SharedSecrets[********]";
    }
}
