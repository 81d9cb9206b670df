package io.pgpacer.cli;

/**
 * An expected reason a command cannot do its work, printed as one line {@code pgpacer COMMAND: MESSAGE} with
 * its exit code: {@link Main#BAD_INPUT} when the operator can fix the input, {@link Main#FAILED} when the OS,
 * PostgreSQL or the cluster refused (the message then carries their words).
 */
final class CommandFailure extends RuntimeException {
    private final int exitCode;

    private CommandFailure(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    static CommandFailure badInput(String message) {
        return new CommandFailure(Main.BAD_INPUT, message, null);
    }

    static CommandFailure failed(String message, Throwable cause) {
        return new CommandFailure(Main.FAILED, message, cause);
    }

    int exitCode() {
        return exitCode;
    }
}
