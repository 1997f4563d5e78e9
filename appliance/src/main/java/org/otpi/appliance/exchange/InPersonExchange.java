package org.otpi.appliance.exchange;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import org.otpi.appliance.entropy.PadOrigin;
import org.otpi.appliance.entropy.PadSink;
import org.otpi.appliance.securitylog.Redact;
import org.tinylog.Logger;

/**
 * The in-person exchange (the CDOTP pad pair, without radio): the sender writes its pad as
 * a sealed package onto a transfer medium; the receiver types the code shown on the sender's
 * screen, imports it, and the medium is wiped; both screens show the same fingerprint.
 *
 * <pre>
 * package file "OTPI-PAD.XFR" on the medium
 *  header, 48 bytes, plain, the AAD of every chunk:
 *   0  magic "OTPIXFR1"        8
 *   8  version = 1             1
 *   9  kdf = 1 (Argon2id 1.3)  1
 *  10  memory KiB    u32 BE
 *  14  iterations    u8
 *  15  parallelism   u8
 *  16  salt                   16
 *  32  chunk size    u32 BE    pad bytes per full chunk
 *  36  meta length   u32 BE    plaintext bytes of chunk 0
 *  40  reserved, zero          8
 *  chunk 0        sealed metadata ({@link TransferInfo}), meta length + 16
 *  chunk 1..n     sealed pad bytes, chunk size + 16 each, the last 1..chunk size + 16,
 *                 sealed with the final flag (see {@link TransferCipher})
 * </pre>
 * The package is written under a temporary name, fsync'd and renamed, so a half-written
 * package is never taken for a whole one.
 */
public final class InPersonExchange {
    static final String FILE_PREFIX = "OTPI-PAD";
    static final String FILE_NAME = FILE_PREFIX + ".XFR";
    static final byte[] MAGIC = "OTPIXFR1".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = 48;
    static final int CHUNK = 64 * 1024;
    private static final int MAX_META = 4096;
    private static final int MIN_CHUNK = 1024;
    private static final int MAX_CHUNK = 4 << 20;

    private final SecureRandom random;
    private final Argon2Settings argon2;

    public InPersonExchange(SecureRandom random, Argon2Settings argon2) {
        this.random = random;
        this.argon2 = argon2;
    }

    /** A fresh code for the sender's screen. */
    public TransferCode newCode() {
        return TransferCode.generate(random);
    }

    /** Sender: seals {@code pad} under {@code code} onto {@code medium}. */
    public TransferReceipt send(PadExport pad, TransferInfo info, TransferCode code, Path medium) throws IOException {
        if (pad.size() != info.size()) {
            throw new IllegalArgumentException("info does not describe this pad");
        }
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        byte[] meta = encodeMeta(info);
        byte[] header = header(argon2, salt, CHUNK, meta.length);
        Path tmp = medium.resolve(FILE_PREFIX + ".partial");
        Path file = medium.resolve(FILE_NAME);
        TransferCipher cipher = TransferCipher.derive(code, salt, argon2);
        MessageDigest sha = PadFingerprint.sha256();
        byte[] padId = new byte[16];
        byte[] buf = new byte[CHUNK];
        boolean done = false;
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
             InputStream in = pad.openForTransfer()) {
            writeFully(out, header);
            writeFully(out, cipher.seal(0, false, header, meta, 0, meta.length));
            long left = pad.size();
            long index = 1;
            while (left > 0) {
                int n = (int) Math.min(CHUNK, left);
                if (in.readNBytes(buf, 0, n) != n) {
                    throw new IOException("pad ended early");
                }
                if (index == 1) {
                    System.arraycopy(buf, 0, padId, 0, 16);
                }
                sha.update(buf, 0, n);
                left -= n;
                writeFully(out, cipher.seal(index++, left == 0, header, buf, 0, n));
            }
            out.force(true);
            done = true;
        } finally {
            Arrays.fill(buf, (byte) 0);
            cipher.wipe();
            if (!done) {
                MediumWiper.overwrite(tmp);
                Files.deleteIfExists(tmp);
            }
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(medium, StandardOpenOption.READ)) {
            d.force(true);
        }
        PadFingerprint fp = PadFingerprint.of(padId, pad.size(), sha.digest());
        Logger.tag("security").info("pad {} ({} bytes, {}) sealed for {} onto the transfer medium",
                HexFormat.of().formatHex(padId), pad.size(), info.origin().label(), Redact.contact(info.receiverId()));
        return new TransferReceipt(fp, info, HexFormat.of().formatHex(padId), file);
    }

    /**
     * Receiver: opens the package with the typed code, writes the pad into {@code target},
     * commits, then wipes the medium.
     *
     * @throws WrongTransferCodeException before anything is imported; the package stays
     * @throws TransferPackageException if the package is damaged (the sink was aborted)
     */
    public TransferReceipt receive(Path medium, TransferCode typed, PadImport target) throws IOException {
        Path file = medium.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new TransferPackageException("No transfer package on this medium.");
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = in.size();
            byte[] header = new byte[HEADER];
            if (fileSize < HEADER || readFully(in, header, HEADER) != HEADER) {
                throw new TransferPackageException("The package is too short.");
            }
            ByteBuffer h = ByteBuffer.wrap(header);
            byte[] magic = new byte[8];
            h.get(magic);
            if (!Arrays.equals(magic, MAGIC) || h.get() != 1 || h.get() != 1) {
                throw new TransferPackageException("Not an OTPi transfer package, or a newer version.");
            }
            int mem = h.getInt();
            int iter = h.get() & 0xff;
            int par = h.get() & 0xff;
            byte[] salt = new byte[16];
            h.get(salt);
            int chunk = h.getInt();
            int metaLen = h.getInt();
            Argon2Settings settings;
            try {
                settings = new Argon2Settings(mem, iter, par);
            } catch (IllegalArgumentException e) {
                throw new TransferPackageException("The package asks for an unsupported key cost.");
            }
            if (chunk < MIN_CHUNK || chunk > MAX_CHUNK || metaLen < 1 || metaLen > MAX_META) {
                throw new TransferPackageException("The package header is out of range.");
            }
            TransferCipher cipher = TransferCipher.derive(typed, salt, settings);
            byte[] sealed = new byte[Math.max(chunk, metaLen) + TransferCipher.TAG];
            byte[] plain = new byte[Math.max(chunk, metaLen)];
            PadSink sink = null;
            boolean committed = false;
            try {
                if (readFully(in, sealed, metaLen + TransferCipher.TAG) != metaLen + TransferCipher.TAG) {
                    throw new TransferPackageException("The package is truncated.");
                }
                if (!cipher.open(0, false, header, sealed, metaLen + TransferCipher.TAG, plain)) {
                    Logger.tag("security").warn("transfer package {}: wrong code typed", file);
                    throw new WrongTransferCodeException();
                }
                TransferInfo info = decodeMeta(Arrays.copyOf(plain, metaLen));
                long dataBytes = fileSize - HEADER - metaLen - TransferCipher.TAG;
                long chunks = (info.size() + chunk - 1) / chunk;
                if (dataBytes != info.size() + chunks * TransferCipher.TAG) {
                    throw new TransferPackageException("The package is truncated or has extra data.");
                }
                sink = target.begin(info);
                MessageDigest sha = PadFingerprint.sha256();
                byte[] padId = new byte[16];
                long left = info.size();
                for (long index = 1; left > 0; index++) {
                    int n = (int) Math.min(chunk, left);
                    if (readFully(in, sealed, n + TransferCipher.TAG) != n + TransferCipher.TAG) {
                        throw new TransferPackageException("The package is truncated.");
                    }
                    left -= n;
                    if (!cipher.open(index, left == 0, header, sealed, n + TransferCipher.TAG, plain)) {
                        Logger.tag("security").error("transfer package {}: chunk {} failed authentication", file, index);
                        throw new TransferPackageException("The package is damaged or was tampered with.");
                    }
                    if (index == 1) {
                        System.arraycopy(plain, 0, padId, 0, 16);
                    }
                    sha.update(plain, 0, n);
                    sink.write(plain, 0, n);
                }
                sink.commit();
                committed = true;
                PadFingerprint fp = PadFingerprint.of(padId, info.size(), sha.digest());
                String id = HexFormat.of().formatHex(padId);
                Logger.tag("security").info("pad {} ({} bytes, made as {}) imported from {}", id, info.size(),
                        info.origin().label(), Redact.contact(info.senderId()));
                in.close();
                int wiped = MediumWiper.wipe(medium);
                Logger.tag("security").info("transfer medium wiped ({} file(s))", wiped);
                return new TransferReceipt(fp, info, id, file);
            } finally {
                Arrays.fill(plain, (byte) 0);
                cipher.wipe();
                if (sink != null && !committed) {
                    sink.abort();
                }
            }
        }
    }

    static byte[] header(Argon2Settings a, byte[] salt, int chunk, int metaLen) {
        ByteBuffer h = ByteBuffer.allocate(HEADER);
        h.put(MAGIC).put((byte) 1).put((byte) 1).putInt(a.memoryKiB()).put((byte) a.iterations())
                .put((byte) a.parallelism()).put(salt).putInt(chunk).putInt(metaLen);
        return h.array();
    }

    static byte[] encodeMeta(TransferInfo info) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(bytes)) {
            d.writeByte(1);
            d.writeLong(info.size());
            d.writeUTF(info.origin().label());
            d.writeUTF(info.senderId());
            d.writeUTF(info.receiverId());
            d.writeLong(info.createdAt().getEpochSecond());
            d.writeLong(info.expiresAt() == null ? 0 : info.expiresAt().getEpochSecond());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    static TransferInfo decodeMeta(byte[] meta) throws TransferPackageException {
        try (DataInputStream d = new DataInputStream(new java.io.ByteArrayInputStream(meta))) {
            if (d.readByte() != 1) {
                throw new TransferPackageException("Unknown metadata version.");
            }
            long size = d.readLong();
            PadOrigin origin = PadOrigin.ofLabel(d.readUTF());
            String from = d.readUTF();
            String to = d.readUTF();
            Instant created = Instant.ofEpochSecond(d.readLong());
            long exp = d.readLong();
            if (d.available() != 0) {
                throw new TransferPackageException("Metadata has trailing bytes.");
            }
            return new TransferInfo(size, origin, from, to, created, exp == 0 ? null : Instant.ofEpochSecond(exp));
        } catch (IOException | IllegalArgumentException e) {
            if (e instanceof TransferPackageException t) {
                throw t;
            }
            throw new TransferPackageException("Metadata is malformed.");
        }
    }

    private static void writeFully(FileChannel out, byte[] b) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }

    private static int readFully(FileChannel in, byte[] b, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, 0, len);
        while (buf.hasRemaining()) {
            if (in.read(buf) < 0) {
                break;
            }
        }
        return buf.position();
    }
}
