package io.pgpacer.core.resource;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What happens when an operation fails (Pacemaker's {@code on-fail}). */
public enum OnFail {
    /** Stop the resource and start it again, on this node while its fail-count is under migration-threshold. */
    RESTART,
    /** Stop the resource and leave it stopped until an operator cleans it up. */
    STOP,
    /** Leave the resource as it is and do nothing more with it until an operator cleans it up. */
    BLOCK,
    /** Record the failure and carry on as if it had succeeded. */
    IGNORE,
    /** Move every resource off the node: the node is put in standby. */
    STANDBY;

    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static OnFail parse(String text) {
        return Arrays.stream(values()).filter(v -> v.text().equals(text == null ? "" : text.trim().toLowerCase(
                Locale.ROOT))).findFirst().orElseThrow(() -> new IllegalArgumentException("on-fail '" + text
                        + "' is not one of " + names()));
    }

    public static String names() {
        return Arrays.stream(values()).map(OnFail::text).collect(Collectors.joining(", "));
    }
}
