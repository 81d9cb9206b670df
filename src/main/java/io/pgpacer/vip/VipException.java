package io.pgpacer.vip;

/**
 * Adding, removing or checking a virtual IP failed. The message names the address, the command that ran and
 * its output verbatim, and the next step when there is one (missing privileges, a missing program).
 */
public class VipException extends RuntimeException {
    public VipException(String message) {
        super(message);
    }

    public VipException(String message, Throwable cause) {
        super(message, cause);
    }
}
