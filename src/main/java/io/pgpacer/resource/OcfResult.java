package io.pgpacer.resource;

/**
 * What one operation of a resource agent returned, in OCF's terms.
 *
 * @param rc the OCF return code: {@link #SUCCESS}, {@link #NOT_RUNNING} (a monitor's "cleanly stopped") or a
 *     failure ({@link #ERR_GENERIC}, {@link #ERR_ARGS}, {@link #ERR_UNIMPLEMENTED}, {@link #ERR_INSTALLED},
 *     {@link #ERR_CONFIGURED} or any other code a command exited with)
 * @param exitReason a short text for the failed actions: the last line of the command's output, or why the agent
 *     could not run it; empty on success
 */
public record OcfResult(int rc, String exitReason) {

    public static final int SUCCESS = 0;
    public static final int ERR_GENERIC = 1;
    public static final int ERR_ARGS = 2;
    public static final int ERR_UNIMPLEMENTED = 3;
    public static final int ERR_INSTALLED = 5;
    public static final int ERR_CONFIGURED = 6;
    public static final int NOT_RUNNING = 7;

    public OcfResult {
        exitReason = exitReason == null ? "" : exitReason;
    }

    public static OcfResult success() {
        return new OcfResult(SUCCESS, "");
    }

    public static OcfResult notRunning(String reason) {
        return new OcfResult(NOT_RUNNING, reason);
    }

    public static OcfResult failed(int rc, String reason) {
        return new OcfResult(rc, reason);
    }

    public boolean succeeded() {
        return rc == SUCCESS;
    }

    /** OCF's name for the code, as {@code crm_mon} prints it ("not running", "unknown error"). */
    public static String describe(int rc) {
        return switch (rc) {
            case SUCCESS -> "ok";
            case ERR_GENERIC -> "error";
            case ERR_ARGS -> "invalid parameter";
            case ERR_UNIMPLEMENTED -> "unimplemented feature";
            case 4 -> "insufficient privileges";
            case ERR_INSTALLED -> "not installed";
            case ERR_CONFIGURED -> "not configured";
            case NOT_RUNNING -> "not running";
            default -> "error " + rc;
        };
    }
}
