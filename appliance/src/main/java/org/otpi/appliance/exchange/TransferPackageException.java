package org.otpi.appliance.exchange;

import java.io.IOException;

/** The package is damaged, truncated, tampered with or not a transfer package. Nothing was imported. */
public final class TransferPackageException extends IOException {
    public TransferPackageException(String message) {
        super(message + " Nothing was imported.");
    }
}
