package org.otpi.appliance.tunnel;

import java.io.DataInputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child JVM for the crash tests. {@code send KEYFILE STATEDIR}: seals packets forever and prints
 * "sent SEQ" after each seal returns (i.e. once the datagram could have left). {@code receive
 * KEYFILE STATEDIR DATAGRAMS}: opens length-prefixed datagrams from a file, slowly, and prints
 * "accepted SEQ" for each one delivered. Killed with SIGKILL by the test.
 */
public final class SessionCrashChild {

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true);
        try (KeyFileSlotStore store = KeyFileSlotStore.open(Path.of(args[1]));
             SequenceState state = SequenceState.open(Path.of(args[2]))) {
            if (args[0].equals("send")) {
                TunnelSession s = new TunnelSession(Role.INITIATOR, store, state, AeadEngine.best(), new TunnelStats(),
                        store.slotCount());
                byte[] p = new byte[100];
                while (true) {
                    byte[] d = s.seal(p, 0, p.length);
                    out.println("sent " + WireFormat.sequence(d, 0));
                }
            } else {
                TunnelSession s = new TunnelSession(Role.RESPONDER, store, state, AeadEngine.best(), new TunnelStats(),
                        store.slotCount());
                try (DataInputStream in = new DataInputStream(Files.newInputStream(Path.of(args[3])))) {
                    while (true) {
                        byte[] d = new byte[in.readInt()];
                        in.readFully(d);
                        if (s.open(d, 0, d.length).verdict() == TunnelSession.Verdict.OK) {
                            out.println("accepted " + WireFormat.sequence(d, 0));
                        }
                        Thread.sleep(0, 200_000);
                    }
                }
            }
        }
    }
}
