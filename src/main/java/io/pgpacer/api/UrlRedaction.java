package io.pgpacer.api;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * The one place that makes a URL printable: a user name and password in it ({@code http://admin:secret@host})
 * become {@code ***}, in every error, log line and status that shows a URL.
 */
public final class UrlRedaction {

    // why on text and not only on java.net.URI: a URL that failed to parse is printed too, and may hold a password.
    private static final Pattern USER_INFO = Pattern.compile("(?<=://)[^/?#\\s]*@");

    private UrlRedaction() {
    }

    /** {@code text} with the credentials of every URL in it replaced by {@code ***}. */
    public static String redact(String text) {
        return text == null ? null : USER_INFO.matcher(text).replaceAll("***@");
    }

    public static String redact(URI uri) {
        return redact(uri.toString());
    }
}
