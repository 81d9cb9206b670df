package io.pgpacer.store;

/** No majority of the store's members answered in time: no decision can be taken now. */
public class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
