package io.pgpacer.postgres.conf;

import io.pgpacer.core.model.Lsn;
import java.util.LinkedHashMap;
import java.util.Map;

/** Parses the English ({@code LC_ALL=C}) output of {@code pg_controldata}. */
public final class ControlDataParser {
    static final String SYSTEM_IDENTIFIER = "Database system identifier";
    static final String CLUSTER_STATE = "Database cluster state";
    static final String CHECKPOINT_LOCATION = "Latest checkpoint location";
    static final String CHECKPOINT_TIMELINE = "Latest checkpoint's TimeLineID";
    static final String MIN_RECOVERY_END = "Minimum recovery ending location";
    static final String MIN_RECOVERY_END_TIMELINE = "Min recovery ending loc's timeline";

    private ControlDataParser() {
    }

    /**
     * @throws IllegalArgumentException if a field pgpacer needs is missing or malformed (for example
     *         when pg_controldata printed translated field names)
     */
    public static ControlData parse(String output) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : output.split("\\R")) {
            // Values may contain colons ("NextXID: 0:724"); keys never do.
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        String timeline = required(fields, CHECKPOINT_TIMELINE);
        try {
            return new ControlData(required(fields, SYSTEM_IDENTIFIER), required(fields, CLUSTER_STATE),
                    Lsn.parse(required(fields, CHECKPOINT_LOCATION)), Long.parseLong(timeline),
                    Lsn.parse(required(fields, MIN_RECOVERY_END)), fields);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pg_controldata printed a non-numeric " + CHECKPOINT_TIMELINE
                    + ": " + timeline, e);
        }
    }

    private static String required(Map<String, String> fields, String key) {
        String value = fields.get(key);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("pg_controldata output has no '" + key
                    + "' line (was it run with LC_ALL=C?)");
        }
        return value;
    }
}
