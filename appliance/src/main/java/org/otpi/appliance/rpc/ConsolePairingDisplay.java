package org.otpi.appliance.rpc;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Objects;

/** Prints pairing codes on the appliance's own terminal (emulation only). */
public final class ConsolePairingDisplay implements PairingDisplay {
    private final PrintStream out;

    public ConsolePairingDisplay(PrintStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    @Override
    public void show(String clientName, String code, Duration validFor) {
        synchronized (out) {
            out.println();
            out.println("=== OTPi pairing request from client '" + clientName + "' ===");
            out.println("    code: " + code + "   (valid " + validFor.toSeconds() + " s)");
            out.println("    Type this code into the client only if you started this pairing.");
            out.flush();
        }
    }

    @Override
    public void clear(String clientName) {
        synchronized (out) {
            out.println("=== pairing for '" + clientName + "' ended ===");
            out.flush();
        }
    }
}
