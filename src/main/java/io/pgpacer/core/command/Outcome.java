package io.pgpacer.core.command;

import io.pgpacer.core.cib.Cib;

/**
 * The CIB after a command, and what the command's sender is told. Its own type, not nested in {@link CibReducer},
 * so that the reducers of each command family build it without importing the reducer that dispatches to them.
 */
public record Outcome(Cib cib, CommandResult result) {

    /** The command changed the CIB: {@code next}, stamped with the following epoch. */
    static Outcome accept(Cib next, String message) {
        Cib stamped = next.withEpoch(next.epoch() + 1);
        return new Outcome(stamped, CommandResult.applied(stamped.epoch(), message));
    }

    /** The command changed the CIB and released the sender's lease, which the sender must stop counting on. */
    static Outcome acceptReleasingLease(Cib next, String message) {
        Cib stamped = next.withEpoch(next.epoch() + 1);
        return new Outcome(stamped, new CommandResult(true, message, stamped.epoch(), 0,
                CommandResult.LeaseEffect.RELEASED));
    }

    /** The command was refused: the CIB as it was, and why. */
    static Outcome refuse(Cib cib, String message) {
        return new Outcome(cib, CommandResult.rejected(cib.epoch(), message));
    }
}
