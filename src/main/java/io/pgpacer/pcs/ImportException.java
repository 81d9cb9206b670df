package io.pgpacer.pcs;

/** Input that cannot be imported: the message is one sentence naming what is wrong and how to fix it. */
public final class ImportException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ImportException(String message) {
        super(message);
    }
}
