package io.pgpacer.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Times as the reference's {@code pcs status} prints them, in the reader's local time to the second
 * ({@code Mon Dec  7 03:12:45 2026}); the JSON documents keep ISO-8601.
 */
final class Timestamps {

    // crm_mon's ctime(3) layout: the day of the month padded to two characters with a space.
    private static final DateTimeFormatter CTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy",
            Locale.ENGLISH);

    private Timestamps() {
    }

    /** {@code iso} in {@code zone}, to the second; a text that is not an ISO-8601 instant is shown as it is. */
    static String local(String iso, ZoneId zone) {
        if (iso == null) {
            return "unknown";
        }
        try {
            return CTIME.format(Instant.parse(iso).atZone(zone));
        } catch (DateTimeParseException e) {
            return iso;
        }
    }
}
