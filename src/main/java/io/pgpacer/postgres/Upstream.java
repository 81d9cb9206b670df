package io.pgpacer.postgres;

import java.util.Objects;

/** The primary a standby streams from (or a rewind or base backup copies from). */
public record Upstream(String nodeName, String host, int port) {
    public Upstream {
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("upstream host of " + nodeName + " is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("upstream port of " + nodeName + " (" + port + ") must be 1-65535");
        }
    }
}
