package io.pgpacer.core.cib;

import io.pgpacer.core.model.Durations;
import io.pgpacer.core.resource.Score;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The cluster properties an operator may set at run time ({@code pgpacer property set}, Pacemaker's
 * {@code pcs property set}), each with its default, the values it accepts and where the CIB keeps it. The one
 * place their values are validated: the configuration file, {@code property set} and {@code cib replace} all
 * parse through {@link #parse}.
 */
public enum ClusterProperty {

    NO_QUORUM_POLICY("no-quorum-policy", "stop", "stop or demote",
            "what a primary cut off from the majority does: stop PostgreSQL, or keep serving reads only") {
        @Override
        String normalize(String value) {
            return switch (value) {
                case "stop", "demote" -> value;
                case "ignore", "freeze" -> throw new IllegalArgumentException("'" + value + "' is unsafe here: a"
                        + " primary cut off from the majority would keep accepting writes after the majority promoted"
                        + " another node (two primaries). Use 'stop' (the default) or 'demote' (the cut-off primary"
                        + " serves reads only)");
                default -> throw expected(value);
            };
        }

        @Override
        String valueIn(Cib cib) {
            return cib.settings().recovery().noQuorum().propertyValue();
        }

        @Override
        Cib apply(Cib cib, String value) {
            NoQuorumPolicy policy = NoQuorumPolicy.valueOf(value.toUpperCase(Locale.ROOT));
            return recovery(cib, r -> new RecoveryPolicy(policy, r.failsafe(), r.autoRewind(), r.commitsHang()));
        }
    },

    MIGRATION_THRESHOLD("migration-threshold", "1", "a whole number from 1 to 1000000",
            "failures after which a node may no longer hold the primary role, until cleanup or failure-timeout") {
        @Override
        String normalize(String value) {
            try {
                int n = Integer.parseInt(value);
                if (n >= 1 && n <= 1_000_000) {
                    return Integer.toString(n);
                }
            } catch (NumberFormatException e) {
                // refused below, with the accepted values
            }
            throw expected(value);
        }

        @Override
        String valueIn(Cib cib) {
            return Integer.toString(cib.settings().migrationThreshold());
        }

        @Override
        Cib apply(Cib cib, String value) {
            return cib.withSettings(cib.settings().withMigrationThreshold(Integer.parseInt(value)));
        }
    },

    // why 1m by default: a node that rejoined and streams for a minute after its last failure may take over again, so
    // a cluster left alone survives a crash every minute or so; one that keeps failing, or never runs healthy again,
    // keeps its count (the count expires only on a healthy node) and stays out (migration-threshold)
    FAILURE_TIMEOUT("failure-timeout", "1m", "a duration from 0 (never) to 720h, like 90s, 10m or 1h",
            "a fail-count with no new failure for this long expires once its node runs healthy (0: never)") {
        @Override
        String normalize(String value) {
            return boundedDuration(this, value, FAILURE_TIMEOUT_RANGE, "0 for never, or up to "
                    + renderDuration(FAILURE_TIMEOUT_RANGE.maxMillis()));
        }

        @Override
        String valueIn(Cib cib) {
            return renderDuration(cib.settings().failureTimeoutMillis());
        }

        @Override
        Cib apply(Cib cib, String value) {
            return cib.withSettings(cib.settings().withFailureTimeoutMillis(parseDuration(value).orElseThrow()));
        }
    },

    // why 5s by default: one row committed locally takes milliseconds; 5 s is far beyond a slow disk and still fails
    // a wedged primary over within a few monitor intervals
    WRITE_PROBE_TIMEOUT("write-probe-timeout", "5s", "a duration from 1s to 10m, like 5s or 30s",
            "how long the primary's commit of one row, or a standby's received WAL standing still while the primary's"
                    + " advances, may take before the node counts a monitor failure (a gray failure)") {
        @Override
        String normalize(String value) {
            return boundedDuration(this, value, WRITE_PROBE_TIMEOUT_RANGE, WRITE_PROBE_TIMEOUT_RANGE.text());
        }

        @Override
        String valueIn(Cib cib) {
            return renderDuration(cib.settings().writeProbeTimeoutMillis());
        }

        @Override
        Cib apply(Cib cib, String value) {
            return cib.withSettings(cib.settings().withWriteProbeTimeoutMillis(parseDuration(value).orElseThrow()));
        }
    },

    WRITE_PROBE_FAILURE("write-probe-failure", "failover", "failover or restart",
            "what a primary whose write probe finds its commits hanging does: fail over at once when a streaming"
                    + " standby may take over, or restart in place first and fail over if they hang again") {
        @Override
        String normalize(String value) {
            return switch (value) {
                case "failover", "restart" -> value;
                default -> throw expected(value);
            };
        }

        @Override
        String valueIn(Cib cib) {
            return cib.settings().recovery().commitsHang().propertyValue();
        }

        @Override
        Cib apply(Cib cib, String value) {
            CommitsHangPolicy policy = CommitsHangPolicy.valueOf(value.toUpperCase(Locale.ROOT));
            return recovery(cib, r -> new RecoveryPolicy(r.noQuorum(), r.failsafe(), r.autoRewind(), policy));
        }
    },

    MAINTENANCE_MODE("maintenance-mode", "false", "true or false",
            "pause the whole cluster: observe and report, never start, stop or promote (pgpacer cluster pause)") {
        @Override
        String normalize(String value) {
            return bool(this, value);
        }

        @Override
        String valueIn(Cib cib) {
            return Boolean.toString(cib.maintenance().cluster());
        }

        @Override
        Cib apply(Cib cib, String value) {
            return cib.withMaintenance(cib.maintenance().withCluster(Boolean.parseBoolean(value)));
        }
    },

    FAILSAFE("failsafe", "false", "true or false",
            "a primary that lost the store keeps serving while every other member confirms it is cut off too") {
        @Override
        String normalize(String value) {
            return bool(this, value);
        }

        @Override
        String valueIn(Cib cib) {
            return Boolean.toString(cib.settings().recovery().failsafe());
        }

        @Override
        Cib apply(Cib cib, String value) {
            return recovery(cib, r -> new RecoveryPolicy(r.noQuorum(), Boolean.parseBoolean(value), r.autoRewind(),
                    r.commitsHang()));
        }
    },

    AUTO_REWIND("auto-rewind", "true", "true or false",
            "rewind a node whose WAL diverged from the new primary's timeline with pg_rewind, without an operator") {
        @Override
        String normalize(String value) {
            return bool(this, value);
        }

        @Override
        String valueIn(Cib cib) {
            return Boolean.toString(cib.settings().recovery().autoRewind());
        }

        @Override
        Cib apply(Cib cib, String value) {
            return recovery(cib, r -> new RecoveryPolicy(r.noQuorum(), r.failsafe(), Boolean.parseBoolean(value),
                    r.commitsHang()));
        }
    },

    RESOURCE_STICKINESS("resource-stickiness", "INFINITY", "a whole number >= 0 or INFINITY",
            "how strongly a resource (a VIP, an exec resource, a group) stays on its node: it moves only to a node"
                    + " scoring more than this above its own, or preferred with INFINITY (resource move); the"
                    + " PostgreSQL primary never moves by score, use 'pgpacer switchover'") {
        @Override
        String normalize(String value) {
            int score;
            try {
                score = Score.parse(value);
            } catch (IllegalArgumentException e) {
                throw expected(value);
            }
            // why: a negative stickiness would push a resource off a node it is allowed on, on every pass
            if (score < 0) {
                throw expected(value);
            }
            return Score.render(score);
        }

        @Override
        String valueIn(Cib cib) {
            return Score.render(cib.settings().resourceStickiness());
        }

        @Override
        Cib apply(Cib cib, String value) {
            return cib.withSettings(cib.settings().withResourceStickiness(Score.parse(value)));
        }
    };

    // why a month at most: a fail-count kept longer is forgotten by operators, not by the cluster
    private static final Durations.Range FAILURE_TIMEOUT_RANGE = new Durations.Range(0, 720 * 3_600_000L);
    private static final Durations.Range WRITE_PROBE_TIMEOUT_RANGE = new Durations.Range(1_000, 600_000);

    private final String propertyName;
    private final String defaultValue;
    private final String accepted;
    private final String description;

    ClusterProperty(String propertyName, String defaultValue, String accepted, String description) {
        this.propertyName = propertyName;
        this.defaultValue = defaultValue;
        this.accepted = accepted;
        this.description = description;
    }

    /** The value in canonical form; throws naming the bad value and the accepted ones. */
    abstract String normalize(String value);

    abstract String valueIn(Cib cib);

    /** {@code cib} with this property set to a value {@link #normalize} accepted. */
    abstract Cib apply(Cib cib, String value);

    public String propertyName() {
        return propertyName;
    }

    public String defaultValue() {
        return defaultValue;
    }

    /** The values accepted, in words: {@code stop or demote}. */
    public String accepted() {
        return accepted;
    }

    public String description() {
        return description;
    }

    /** The property's current value in {@code cib}, in canonical form. */
    public String value(Cib cib) {
        return valueIn(cib);
    }

    /**
     * The value in canonical form ({@code 10m}, {@code true}).
     *
     * @throws IllegalArgumentException naming the bad value and the accepted values, without the property name,
     *     so that each caller can say where it came from ({@code key 'x'} or {@code property 'x'})
     */
    public String parse(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("expected " + accepted + ", got an empty value");
        }
        return normalize(value.trim().toLowerCase(Locale.ROOT));
    }

    /** {@code cib} with this property set to {@code value}, which {@link #parse} must have accepted. */
    public Cib set(Cib cib, String value) {
        return apply(cib, parse(value));
    }

    /**
     * The property named {@code name}.
     *
     * @throws IllegalArgumentException naming the known properties when there is none
     */
    public static ClusterProperty named(String name) {
        if ("stonith-enabled".equals(name)) {
            throw new IllegalArgumentException("'stonith-enabled' is not a property here: pgpacer needs no STONITH"
                    + " device, a primary fences itself by stopping writes before its lease can expire");
        }
        return Arrays.stream(values()).filter(p -> p.propertyName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown property '" + name + "'; properties are "
                        + names()));
    }

    public static String names() {
        return Arrays.stream(values()).map(ClusterProperty::propertyName).collect(Collectors.joining(", "));
    }

    IllegalArgumentException expected(String value) {
        return new IllegalArgumentException("expected " + accepted + ", got '" + value + "'");
    }

    private static Cib recovery(Cib cib, java.util.function.UnaryOperator<RecoveryPolicy> change) {
        return cib.withSettings(cib.settings().withRecovery(change.apply(cib.settings().recovery())));
    }

    private static String bool(ClusterProperty property, String value) {
        if (!value.equals("true") && !value.equals("false")) {
            throw property.expected(value);
        }
        return value;
    }

    // A duration within its range, rendered the one way the CIB keeps it; outside it, the range said as rangeText.
    private static String boundedDuration(ClusterProperty property, String value, Durations.Range range,
            String rangeText) {
        long millis = parseDuration(value).orElseThrow(() -> property.expected(value));
        range.problem(millis).ifPresent(problem -> {
            throw new IllegalArgumentException(problem + " (" + rangeText + ")");
        });
        return renderDuration(millis);
    }

    private static Optional<Long> parseDuration(String value) {
        return Durations.parse(value);
    }

    static String renderDuration(long millis) {
        return Durations.render(millis);
    }
}
