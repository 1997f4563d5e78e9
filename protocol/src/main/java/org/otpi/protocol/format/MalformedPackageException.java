package org.otpi.protocol.format;

/** Bytes or text that are not a well-formed package. Says what is wrong, never anything secret. */
public final class MalformedPackageException extends Exception {
    public MalformedPackageException(String message) {
        super(message);
    }
}
