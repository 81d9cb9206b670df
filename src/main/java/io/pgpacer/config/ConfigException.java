package io.pgpacer.config;

/** A configuration file is unusable; the message names the file, the key and what is expected. */
public class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }
}
