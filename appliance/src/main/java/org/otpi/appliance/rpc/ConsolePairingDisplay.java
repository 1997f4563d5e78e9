package org.otpi.appliance.rpc;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Objects;

/**
 * Pairing on the appliance's own terminal. {@link #ConsolePairingDisplay(PrintStream)} prints the
 * code (emulation, where a person reads the terminal); {@link #noticeOnly} prints only that a
 * pairing is waiting and where to look, for a device whose standard output goes to the journal:
 * a code in the journal would be a secret in a log.
 */
public final class ConsolePairingDisplay implements PairingDisplay {
    private final PrintStream out;
    private final boolean showCode;

    /** Prints the code itself: emulation only. */
    public ConsolePairingDisplay(PrintStream out) {
        this(out, true);
    }

    private ConsolePairingDisplay(PrintStream out, boolean showCode) {
        this.out = Objects.requireNonNull(out, "out");
        this.showCode = showCode;
    }

    /** Says a pairing is waiting and that its code is on the kiosk; never prints the code. */
    public static ConsolePairingDisplay noticeOnly(PrintStream out) {
        return new ConsolePairingDisplay(out, false);
    }

    @Override
    public void show(String clientName, String code, Duration validFor) {
        synchronized (out) {
            out.println();
            out.println("=== OTPi pairing request from client '" + clientName + "' ===");
            if (showCode) {
                out.println("    code: " + grouped(code) + "   (valid " + validFor.toSeconds() + " s)");
                out.println("    Type this code into the client only if you started this pairing.");
            } else {
                out.println("    the code is on the kiosk screen (valid " + validFor.toSeconds() + " s)");
            }
            out.flush();
        }
    }

    /** "76382081" as "7638 2081", the way the kiosk shows it: easier to read and type. */
    static String grouped(String code) {
        return code.length() == 8 ? code.substring(0, 4) + " " + code.substring(4) : code;
    }

    @Override
    public void clear(String clientName) {
        synchronized (out) {
            out.println("=== pairing for '" + clientName + "' ended ===");
            out.flush();
        }
    }
}
