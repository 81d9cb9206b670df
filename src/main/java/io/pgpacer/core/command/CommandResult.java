package io.pgpacer.core.command;

/**
 * The outcome of applying one command: whether it changed the CIB, why not when it did not, and the epoch
 * of the CIB it produced.
 *
 * @param value a command-specific number (the lease generation after {@code AcquireLease}), else 0
 */
public record CommandResult(boolean applied, String message, long epoch, long value) {

    public static CommandResult applied(long epoch, String message) {
        return new CommandResult(true, message, epoch, 0);
    }

    public static CommandResult rejected(long epoch, String message) {
        return new CommandResult(false, message, epoch, 0);
    }
}
