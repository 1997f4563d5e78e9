package org.otpi.appliance.exchange;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.entropy.PadOrigin;
import org.otpi.appliance.entropy.PadSink;

/**
 * A hostile or damaged medium: seeded random flips, truncations and extensions of a valid
 * package. The reader may only fail with {@link TransferPackageException} or
 * {@link WrongTransferCodeException}, never commits a mutated package, and aborts every sink
 * it opened. (Cheap Argon2 settings keep each attempt short.)
 */
@Timeout(120)
class TransferPackageMutationTest {
    private static final Argon2Settings CHEAP = new Argon2Settings(8 * 1024, 1, 1);
    @TempDir
    Path medium;

    @Test
    void mutatedPackages_failCleanly_neverCommit() throws Exception {
        InPersonExchange ex = new InPersonExchange(new SecureRandom(), CHEAP);
        byte[] pad = new byte[150_000];
        new SplittableRandom(1).nextBytes(pad);
        PadExport export = new PadExport() {
            @Override
            public long size() {
                return pad.length;
            }

            @Override
            public PadOrigin origin() {
                return PadOrigin.HRNG_KERNEL;
            }

            @Override
            public InputStream openForTransfer() {
                return new ByteArrayInputStream(pad);
            }
        };
        TransferCode code = ex.newCode();
        char[] shown = code.display();
        TransferInfo info = new TransferInfo(pad.length, PadOrigin.HRNG_KERNEL, "a", "b", Instant.EPOCH, null);
        Path file = ex.send(export, info, code, medium).file();
        byte[] original = Files.readAllBytes(file);

        SplittableRandom r = new SplittableRandom(20261123);
        int wrongCode = 0;
        int damaged = 0;
        for (int trial = 0; trial < 60; trial++) {
            byte[] m = mutate(original, r);
            Files.write(file, m);
            int[] calls = new int[3]; // writes, commits, aborts
            PadImport target = i -> new PadSink() {
                @Override
                public void write(byte[] b, int off, int len) {
                    calls[0]++;
                }

                @Override
                public void commit() {
                    calls[1]++;
                }

                @Override
                public void abort() {
                    calls[2]++;
                }
            };
            try {
                ex.receive(medium, TransferCode.parse(shown), target);
                fail("trial " + trial + ": a mutated package was accepted");
            } catch (WrongTransferCodeException e) {
                wrongCode++;
                assertEquals(0, calls[0] + calls[1] + calls[2], "no sink before the code is verified");
            } catch (TransferPackageException e) {
                damaged++;
                assertEquals(0, calls[1], "trial " + trial + ": committed");
                assertTrue(calls[0] == 0 || calls[2] == 1, "an opened sink must be aborted");
            } catch (IOException | RuntimeException e) {
                fail("trial " + trial + ": unexpected " + e);
            }
            assertTrue(Files.exists(file), "a failed import must not wipe the medium");
        }
        assertTrue(wrongCode > 0 && damaged > 0, "both failure kinds exercised: " + wrongCode + "/" + damaged);

        // the untouched package still imports, byte for byte
        Files.write(file, original);
        byte[] got = new byte[pad.length];
        int[] at = {0};
        ex.receive(medium, TransferCode.parse(shown), i -> new PadSink() {
            @Override
            public void write(byte[] b, int off, int len) {
                System.arraycopy(b, off, got, at[0], len);
                at[0] += len;
            }

            @Override
            public void commit() {
            }

            @Override
            public void abort() {
            }
        });
        assertArrayEquals(pad, got);
    }

    private static byte[] mutate(byte[] p, SplittableRandom r) {
        switch (r.nextInt(5)) {
            case 0: { // flip a byte in the header
                byte[] m = p.clone();
                m[r.nextInt(InPersonExchange.HEADER)] ^= (byte) (1 + r.nextInt(255));
                return m;
            }
            case 1: { // flip a byte anywhere
                byte[] m = p.clone();
                m[r.nextInt(m.length)] ^= (byte) (1 + r.nextInt(255));
                return m;
            }
            case 2: // truncate
                return Arrays.copyOf(p, r.nextInt(p.length));
            case 3: { // extend
                byte[] m = Arrays.copyOf(p, p.length + 1 + r.nextInt(100));
                return m;
            }
            default: { // swap two data chunks' worth of bytes
                byte[] m = p.clone();
                int a = InPersonExchange.HEADER + 100 + r.nextInt(m.length - 2000);
                int len = 16 + r.nextInt(64);
                if (a + 2 * len < m.length) {
                    byte[] tmp = Arrays.copyOfRange(m, a, a + len);
                    System.arraycopy(m, a + len, m, a, len);
                    System.arraycopy(tmp, 0, m, a + len, len);
                } else {
                    m[a] ^= 1;
                }
                return m;
            }
        }
    }
}
