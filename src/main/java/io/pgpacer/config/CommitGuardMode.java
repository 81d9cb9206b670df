package io.pgpacer.config;

import java.util.Locale;
import java.util.Optional;

/**
 * Key {@code postgresql.commit-guard}: whether PostgreSQL loads the pgpacer_guard extension, which refuses
 * commits once this node's primary lease has run out. {@code auto} loads it when it is installed for the
 * PostgreSQL in use; {@code on} refuses to run a primary without it; {@code off} never loads it.
 */
public enum CommitGuardMode {
    AUTO, ON, OFF;

    /** The mode a configuration value names, if any. */
    public static Optional<CommitGuardMode> parse(String value) {
        // why: YAML 1.1 reads an unquoted on/off as a boolean, which reaches here as true/false.
        if (value.equals("true") || value.equals("false")) {
            return Optional.of(value.equals("true") ? ON : OFF);
        }
        for (CommitGuardMode mode : values()) {
            if (mode.name().toLowerCase(Locale.ROOT).equals(value)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }
}
