package org.otpi.appliance.exchange;

import java.io.IOException;

/** The typed code does not open the package. Nothing was imported; the package stays for another try. */
public final class WrongTransferCodeException extends IOException {
    public WrongTransferCodeException() {
        super("The transfer code does not match this package. Nothing was imported. "
                + "Check the code on the other device's screen and type it again.");
    }
}
