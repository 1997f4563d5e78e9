package org.otpi.appliance.vault;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;

/**
 * Child process for the crash test: unlocks alice's vault and seals in a loop, appending every
 * issued package (index, cost, bytes) to a log the test owns, fsync'd, as the "ciphertext leaving".
 * The test kills it with SIGKILL at random moments.
 */
public final class SealLoopMain {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Path log = Path.of(args[1]);
        try (Vault alice = TestVaults.unlock(root, "alice");
             FileChannel out = FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.APPEND)) {
            System.out.println("READY");
            System.out.flush();
            for (int i = 0; ; i++) {
                SealOptions o = i % 3 == 0 ? SealOptions.OTC_V1 : SealOptions.V2;
                byte[] m = ("message " + i + " " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8);
                Sealed s;
                try {
                    s = alice.seal("bob", m, o);
                } catch (VaultException e) {
                    if (e.kind() == VaultException.Kind.PAD_EXHAUSTED) {
                        System.out.println("EXHAUSTED");
                        return;
                    }
                    throw e;
                }
                String line = s.index() + " " + s.padCost() + " " + HexFormat.of().formatHex(s.packageBytes()) + "\n";
                ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
                while (b.hasRemaining()) {
                    out.write(b);
                }
                out.force(false);
            }
        }
    }
}
