package org.otpi.appliance.exchange;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.entropy.FilePadSink;
import org.otpi.appliance.entropy.KernelSource;
import org.otpi.appliance.entropy.PadGenerator;
import org.otpi.appliance.entropy.PadOrigin;
import org.otpi.appliance.entropy.PadProgressListener;
import org.otpi.appliance.entropy.PadRequest;
import org.otpi.appliance.entropy.PadResult;
import org.otpi.appliance.entropy.PadSink;

/** Two emulated devices exchange a pad through a directory standing in for the transfer medium. */
@Timeout(120)
class InPersonExchangeTest {
    private static final int SIZE = 1_000_003; // not a multiple of the chunk size
    @TempDir
    Path root;
    private Path alice;
    private Path bob;
    private Path medium;
    private Path alicePad;
    private PadResult made;
    private final InPersonExchange exchange = new InPersonExchange(new SecureRandom(), Argon2Settings.DEFAULT);
    private final AtomicInteger begun = new AtomicInteger();

    @BeforeEach
    void setUp() throws IOException {
        alice = Files.createDirectory(root.resolve("alice"));
        bob = Files.createDirectory(root.resolve("bob"));
        medium = Files.createDirectory(root.resolve("usb-stick"));
        Files.writeString(medium.resolve("holiday.txt"), "the person's own file"); // must survive the wipe
        alicePad = alice.resolve("pad-bob");
        try (KernelSource k = KernelSource.open()) {
            made = new PadGenerator(k, null).generate(new PadRequest(SIZE, false), new FilePadSink(alicePad),
                    PadProgressListener.NONE, () -> false);
        }
    }

    private PadExport export(Path file, PadOrigin origin) {
        return new PadExport() {
            @Override
            public long size() {
                try {
                    return Files.size(file);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public PadOrigin origin() {
                return origin;
            }

            @Override
            public InputStream openForTransfer() throws IOException {
                return Files.newInputStream(file);
            }
        };
    }

    private PadImport intoBob() {
        return info -> {
            begun.incrementAndGet();
            return new FilePadSink(bob.resolve("pad-alice"));
        };
    }

    private TransferInfo info() {
        return new TransferInfo(SIZE, made.origin(), "alice@example.org", "bob@example.org",
                Instant.parse("2026-11-23T02:00:00Z"), Instant.parse("2027-11-23T00:00:00Z"));
    }

    private List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    /** Every 32-byte window of the pad starting at a multiple of 97, as keys. */
    private static Set<ByteBuffer> padWindows(byte[] pad) {
        Set<ByteBuffer> w = new HashSet<>();
        for (int i = 0; i + 32 <= pad.length; i += 97) {
            w.add(ByteBuffer.wrap(pad, i, 32).slice());
        }
        return w;
    }

    /** True if any file under {@code dir} contains a 32-byte window of the pad at any offset. */
    private static boolean holdsPadBytes(Path dir, byte[] pad) throws IOException {
        Set<ByteBuffer> windows = padWindows(pad);
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                byte[] b = Files.readAllBytes(p);
                for (int i = 0; i + 32 <= b.length; i++) {
                    if (windows.contains(ByteBuffer.wrap(b, i, 32).slice())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Test
    void exchange_bothSidesGetTheSamePadAndFingerprint_mediumWipedAfterwards() throws Exception {
        byte[] pad = Files.readAllBytes(alicePad);
        TransferCode code = exchange.newCode();
        char[] shown = code.display();
        TransferReceipt sent = exchange.send(export(alicePad, made.origin()), info(), code, medium);
        assertTrue(Files.exists(sent.file()));
        assertTrue(Files.size(sent.file()) > SIZE, "sealed package holds the whole pad");
        assertFalse(holdsPadBytes(medium, pad), "the package must not contain pad bytes in the clear");

        TransferReceipt received = exchange.receive(medium, TransferCode.parse(shown), intoBob());

        assertArrayEquals(pad, Files.readAllBytes(bob.resolve("pad-alice")));
        assertEquals(sent.fingerprint(), received.fingerprint());
        assertEquals(PadFingerprint.WORDS, received.fingerprint().words().size());
        assertEquals(made.padIdHex(), received.padIdHex());
        assertEquals(info(), received.info());
        assertEquals(PadOrigin.KERNEL, received.info().origin());
        assertEquals(List.of(medium.resolve("holiday.txt")), list(medium), "only the person's own file is left");
        assertFalse(holdsPadBytes(medium, pad));
    }

    @Test
    void wrongCode_failsCleanly_nothingImported_packageKeptForARetry() throws Exception {
        TransferCode code = exchange.newCode();
        char[] shown = code.display();
        exchange.send(export(alicePad, made.origin()), info(), code, medium);
        char[] wrong = shown.clone();
        wrong[0] = wrong[0] == '7' ? '8' : '7';

        WrongTransferCodeException e = assertThrows(WrongTransferCodeException.class,
                () -> exchange.receive(medium, TransferCode.parse(wrong), intoBob()));
        assertTrue(e.getMessage().contains("does not match") && e.getMessage().contains("Nothing was imported"));
        assertEquals(0, begun.get(), "the vault was never asked to import");
        assertEquals(List.of(), list(bob));
        assertTrue(Files.exists(medium.resolve(InPersonExchange.FILE_NAME)));

        exchange.receive(medium, TransferCode.parse(shown), intoBob());
        assertArrayEquals(Files.readAllBytes(alicePad), Files.readAllBytes(bob.resolve("pad-alice")));
    }

    @Test
    void tamperedChunk_abortsTheImport_nothingLeft() throws Exception {
        TransferCode code = exchange.newCode();
        char[] shown = code.display();
        TransferReceipt sent = exchange.send(export(alicePad, made.origin()), info(), code, medium);
        byte[] pkg = Files.readAllBytes(sent.file());
        pkg[pkg.length - 200_000] ^= 1; // inside a data chunk well after the metadata
        Files.write(sent.file(), pkg);
        TransferPackageException e = assertThrows(TransferPackageException.class,
                () -> exchange.receive(medium, TransferCode.parse(shown), intoBob()));
        assertTrue(e.getMessage().contains("damaged"));
        assertEquals(1, begun.get());
        assertEquals(List.of(), list(bob), "the aborted sink left no file");
    }

    @Test
    void truncatedAtAChunkBoundary_rejected() throws Exception {
        TransferCode code = exchange.newCode();
        char[] shown = code.display();
        TransferReceipt sent = exchange.send(export(alicePad, made.origin()), info(), code, medium);
        byte[] pkg = Files.readAllBytes(sent.file());
        int lastChunk = SIZE % InPersonExchange.CHUNK + 16;
        Files.write(sent.file(), java.util.Arrays.copyOf(pkg, pkg.length - lastChunk));
        assertThrows(TransferPackageException.class, () -> exchange.receive(medium, TransferCode.parse(shown), intoBob()));
        assertEquals(List.of(), list(bob));
    }

    @Test
    void differentPads_differentFingerprints() throws Exception {
        Path other = alice.resolve("other");
        try (KernelSource k = KernelSource.open()) {
            new PadGenerator(k, null).generate(new PadRequest(SIZE, false), new FilePadSink(other), PadProgressListener.NONE, () -> false);
        }
        TransferReceipt a = exchange.send(export(alicePad, made.origin()), info(), exchange.newCode(), medium);
        TransferReceipt b = exchange.send(export(other, made.origin()), info(), exchange.newCode(), medium);
        assertNotEquals(a.fingerprint(), b.fingerprint());
    }

    @Test
    void fingerprint_isAFixedFunction() {
        byte[] id = new byte[16];
        byte[] hash = new byte[32];
        PadFingerprint f = PadFingerprint.of(id, 1000, hash);
        assertEquals(f, PadFingerprint.of(id, 1000, hash));
        assertNotEquals(f, PadFingerprint.of(id, 1001, hash));
        assertEquals(256, new HashSet<>(FingerprintWords.WORDS).size());
    }

    @Test
    void code_typingIsForgiving_andStrictAboutLength() {
        TransferCode c = TransferCode.parse("ab0de-fgh1k".toCharArray());
        assertEquals("AB0DE-FGH1K", new String(c.display()));
        assertEquals("AB0DE-FGH1K", new String(TransferCode.parse("abode fghlk".toCharArray()).display()), "O->0, L->1");
        assertThrows(IllegalArgumentException.class, () -> TransferCode.parse("ABCDE-FGHJ".toCharArray()));
        assertThrows(IllegalArgumentException.class, () -> TransferCode.parse("ABCDE-FGHJKM".toCharArray()));
        assertThrows(IllegalArgumentException.class, () -> TransferCode.parse("ABCDE-FGHJU".toCharArray()), "U is not Crockford");
        assertEquals("TransferCode[hidden]", c.toString());
    }

    @Test
    void nonces_areDistinctPerChunkAndFinalFlag() {
        assertFalse(java.util.Arrays.equals(TransferCipher.nonce(1, false), TransferCipher.nonce(1, true)));
        assertFalse(java.util.Arrays.equals(TransferCipher.nonce(1, false), TransferCipher.nonce(2, false)));
        assertEquals(12, TransferCipher.nonce(0, false).length);
    }

    @Test
    void hostileHeader_hugeArgon2Memory_refusedBeforeDerivation() throws Exception {
        TransferCode code = exchange.newCode();
        char[] shown = code.display();
        TransferReceipt sent = exchange.send(export(alicePad, made.origin()), info(), code, medium);
        byte[] pkg = Files.readAllBytes(sent.file());
        ByteBuffer.wrap(pkg).putInt(10, 1 << 30); // 1 TiB of KiB
        Files.write(sent.file(), pkg);
        TransferPackageException e = assertThrows(TransferPackageException.class,
                () -> exchange.receive(medium, TransferCode.parse(shown), intoBob()));
        assertTrue(e.getMessage().contains("key cost"));
    }

    @Test
    void retirement_records() {
        assertEquals(PadStatus.EXPIRED, PadStatus.ofHeader("Expired"));
        assertEquals("Normal", PadStatus.NORMAL.headerValue());
        assertThrows(IllegalArgumentException.class, () -> PadStatus.ofHeader("expired"));
        assertTrue(PadRetirement.expired(info(), Instant.parse("2027-11-23T00:00:00Z")));
        assertFalse(PadRetirement.expired(info(), Instant.parse("2027-11-22T23:59:59Z")));
        assertThrows(IllegalArgumentException.class, () -> new PadRetirement("abc", PadRetirement.Reason.EXHAUSTED, Instant.now()));
    }

    @Test
    void abortedSink_seam_isCalledOnFailure() throws Exception {
        // a PadImport whose sink records abort/commit, to pin the seam contract for the vault
        TransferCode code = exchange.newCode();
        char[] shown = code.display();
        TransferReceipt sent = exchange.send(export(alicePad, made.origin()), info(), code, medium);
        byte[] pkg = Files.readAllBytes(sent.file());
        pkg[pkg.length - 10] ^= 1;
        Files.write(sent.file(), pkg);
        int[] calls = new int[3]; // writes, commits, aborts
        PadImport recording = info -> new PadSink() {
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
        assertThrows(TransferPackageException.class, () -> exchange.receive(medium, TransferCode.parse(shown), recording));
        assertTrue(calls[0] > 0);
        assertEquals(0, calls[1]);
        assertEquals(1, calls[2]);
    }
}
