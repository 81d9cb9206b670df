package io.pgpacer.core.cib;

/**
 * A resource operation that failed, shown like Pacemaker's "Failed Resource Actions"
 * ({@code pgsql_monitor_3000 on pg-151 'not running' (7)}).
 *
 * @param operation {@code start}, {@code monitor}, {@code promote}, {@code stop}, {@code rewind}, ...
 * @param rc the OCF-style return code: 1 generic error, 7 not running
 * @param resource the primitive resource; null for PostgreSQL ({@code pgsql})
 */
public record FailedAction(String node, String operation, int rc, String exitReason, String at, String resource) {

    /**
     * The operation of the failed action the controller records when every report is in and no node can be promoted;
     * withdrawn once a primary serves again.
     */
    public static final String PROMOTION_REFUSED = "no-promotion";

    /** A failed action of PostgreSQL. */
    public FailedAction(String node, String operation, int rc, String exitReason, String at) {
        this(node, operation, rc, exitReason, at, null);
    }

    /** Whether this is the controller's refusal to promote ({@link #PROMOTION_REFUSED}), not a failure of a node. */
    public boolean refusedPromotion() {
        return resource == null && PROMOTION_REFUSED.equals(operation);
    }

    /** The resource as status output names it: the primitive, or {@code pgsql}. */
    public String resourceName() {
        return resource == null ? "pgsql" : resource;
    }
}
