package io.pgpacer.api.security;

import io.pgpacer.config.ConfigException;
import io.pgpacer.config.InputFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The shared secret that authenticates API commands ({@code Authorization: Bearer TOKEN}). Compared in constant
 * time; never printed ({@link #toString()} is {@code ********}).
 */
public final class ApiToken {

    /** What pgpacer shows wherever a secret would be. */
    public static final String MASK = "********";

    private final String token;

    private ApiToken(String token) {
        this.token = token;
    }

    /**
     * The token given directly (e.g. from {@code PGPACER_API_TOKEN}).
     *
     * @throws ConfigException if it is empty or has inner white space or control characters
     */
    public static ApiToken of(String token, String label) {
        String value = Objects.requireNonNull(token, "token").strip();
        if (value.isEmpty()) {
            throw new ConfigException(label + ": the token is empty; generate one with"
                    + " 'openssl rand -base64 32' (the same on every node)");
        }
        if (!value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new ConfigException(label + ": the token has spaces or characters outside printable ASCII, which"
                    + " an HTTP header cannot carry; generate one with 'openssl rand -base64 32'");
        }
        return new ApiToken(value);
    }

    /**
     * The token in the first line of {@code file} (surrounding white space ignored).
     *
     * @param label how the configuration or environment names the file, e.g. {@code /etc/pgpacer.yaml: key 'api.token-file'}
     * @throws ConfigException naming the file and the fix when it cannot be read or holds no token
     */
    public static ApiToken read(Path file, String label) {
        String text;
        try {
            // why InputFiles: a FIFO or /dev/zero given as the token file is refused, never hangs or fills memory
            text = InputFiles.read(file, InputFiles.SECRET_LIMIT).strip();
        } catch (InputFiles.UnusableFileException e) {
            throw new ConfigException(label + ": " + e.getMessage() + (e.missing() ? "; create it with"
                    + " 'openssl rand -base64 32 > " + file + "; chmod 600 " + file + "' (the same token on every node)"
                    : "; give a readable file that holds the token (or set PGPACER_API_TOKEN_FILE to a copy you can"
                    + " read)"));
        }
        String firstLine = text.lines().findFirst().orElse("");
        return of(firstLine, label + ": " + file);
    }

    /** Whether {@code presented} is this token, in time independent of where they differ. */
    public boolean matches(String presented) {
        // why both digested here, not this token once when it is made: every CLI command makes a token and never
        // compares one, and the first digest loads the JDK's security providers, 15-30 ms of the command's start.
        return presented != null && MessageDigest.isEqual(sha256(token), sha256(presented));
    }

    /** The value of the {@code Authorization} header a client sends. */
    public String authorizationHeader() {
        return "Bearer " + token;
    }

    @Override
    public String toString() {
        return MASK;
    }

    // why: comparing fixed-length digests keeps even the token's length out of the comparison's timing.
    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
