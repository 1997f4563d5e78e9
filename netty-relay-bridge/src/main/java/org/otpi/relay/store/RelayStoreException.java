package org.otpi.relay.store;

/** A storage failure. The message is for logs; clients only ever see a generic error. */
public final class RelayStoreException extends RuntimeException {
    public RelayStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public RelayStoreException(String message) {
        super(message);
    }
}
