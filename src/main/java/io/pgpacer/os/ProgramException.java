package io.pgpacer.os;

/**
 * A program could not be run to its end: it could not be started, it ran past its timeout, or the caller was
 * interrupted (in the last two cases it was killed). The message names the operation and the command line.
 * A program that ran and exited with a non-zero status is not an exception: see {@link ProgramRunner.Result}.
 */
public class ProgramException extends RuntimeException {
    public ProgramException(String message) {
        super(message);
    }

    public ProgramException(String message, Throwable cause) {
        super(message, cause);
    }
}
