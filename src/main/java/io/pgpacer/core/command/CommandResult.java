package io.pgpacer.core.command;

/**
 * The outcome of applying one command: whether it changed the CIB, why not when it did not, and the epoch
 * of the CIB it produced.
 *
 * @param value a command-specific number (the lease generation after {@code AcquireLease}), else 0
 * @param lease what the command did to the primary lease that its submitter must act on
 */
public record CommandResult(boolean applied, String message, long epoch, long value, LeaseEffect lease) {

    /** What a command did to the primary lease, beyond its message. */
    public enum LeaseEffect {
        NONE,
        /** {@code AcquireLease} refused because the submitter holds the lease already: it may go on holding it. */
        ALREADY_HELD,
        /** The command released the submitter's lease (a hand-over, a failure that reached migration-threshold). */
        RELEASED
    }

    public CommandResult {
        if (lease == null) {
            throw new IllegalArgumentException("a command result needs its lease effect (NONE when none)");
        }
    }

    public CommandResult(boolean applied, String message, long epoch, long value) {
        this(applied, message, epoch, value, LeaseEffect.NONE);
    }

    public static CommandResult applied(long epoch, String message) {
        return new CommandResult(true, message, epoch, 0);
    }

    public static CommandResult rejected(long epoch, String message) {
        return new CommandResult(false, message, epoch, 0);
    }
}
