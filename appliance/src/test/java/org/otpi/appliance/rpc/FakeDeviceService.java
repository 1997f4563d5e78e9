package org.otpi.appliance.rpc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TEST-ONLY stand-in for the vault: NOT A CIPHER. "Sealing" XORs the message with a SHA-256
 * keystream derived from the two device ids and a per-contact counter, and appends a truncated
 * SHA-256 checksum keyed the same way, so two fakes (alice, bob) can exchange packages and the
 * server's handling of forgeries, replays and skips can be tested. Counts every call so tests can
 * prove that no "pad" was used without an approval.
 *
 * <p>Like the real device it keeps each opened message (in memory here) until the client
 * confirms it: the same package opened again before that returns the kept copy marked as a
 * repeat; after the confirm it is a replay.
 *
 * <pre>
 *   package = 'F' | senderLen(1) | sender | index(8 BE) | length(4 BE) | body XOR ks | mac(16)
 * </pre>
 */
public final class FakeDeviceService implements DeviceService {
    /** Pad bytes a package costs beyond its message length (like OTPi v2's tag key). */
    public static final int OVERHEAD = 32;

    private final String self;
    private final Map<String, Contact> contacts = new LinkedHashMap<>();
    private final long lowPadThreshold;
    private volatile boolean unlocked = true;
    public final AtomicInteger sealCalls = new AtomicInteger();
    public final AtomicInteger openCalls = new AtomicInteger();
    public final AtomicInteger costCalls = new AtomicInteger();
    public final AtomicInteger confirmCalls = new AtomicInteger();
    /** While true, confirms fail (as when the device went away): kept copies stay. */
    public volatile boolean failConfirms;
    /** Contacts whose messages are read on the device's screen only (the contact setting). */
    public final Set<String> readOnDevice = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Texts kept for the device's screen ("read on the device"), in arrival order. */
    public final List<String> keptOnDevice = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Packages "written on the device's screen" waiting for a laptop. */
    private final Map<String, OutgoingView> outgoing = new LinkedHashMap<>();
    /** While true, outbox acknowledgements fail (the device went away after the relay took it). */
    public volatile boolean failOutboxAcks;

    private static final class Contact {
        final String name;
        final String remoteId;
        long sendCursor;
        long sendRemaining;
        long receiveRemaining;
        long expectedNext;
        final Set<Long> opened = new HashSet<>();
        /** Opened but not yet confirmed by the client: index -> kept copy. */
        final Map<Long, Kept> kept = new LinkedHashMap<>();

        Contact(String name, String remoteId, long pad) {
            this.name = name;
            this.remoteId = remoteId;
            this.sendRemaining = pad;
            this.receiveRemaining = pad;
        }
    }

    private record Kept(byte[] packageHash, byte[] plaintext, Set<Warning> warnings) {
    }

    public FakeDeviceService(String self, long padPerDirection, String... contactIds) {
        this.self = self;
        this.lowPadThreshold = padPerDirection / 10;
        for (String id : contactIds) {
            contacts.put(id, new Contact(id, id, padPerDirection));
        }
    }

    public void setUnlocked(boolean value) {
        unlocked = value;
    }

    @Override
    public String deviceId() {
        return self;
    }

    @Override
    public boolean unlocked() {
        return unlocked;
    }

    @Override
    public synchronized List<ContactView> contacts() throws DeviceException {
        requireUnlocked();
        List<ContactView> out = new ArrayList<>();
        for (Contact c : contacts.values()) {
            out.add(new ContactView(c.name, c.remoteId, c.sendRemaining, c.receiveRemaining,
                    c.sendRemaining < lowPadThreshold, false, readOnDevice.contains(c.name)));
        }
        return out;
    }

    @Override
    public synchronized long sealCost(String contact, long messageLength, Format format) throws DeviceException {
        costCalls.incrementAndGet();
        requireUnlocked();
        Contact c = contact(contact);
        long cost = messageLength + OVERHEAD;
        if (cost > c.sendRemaining) {
            throw new DeviceException(DeviceException.Kind.PAD_EXHAUSTED, "needs " + cost);
        }
        return cost;
    }

    @Override
    public synchronized SealResult seal(String contact, byte[] message, Format format) throws DeviceException {
        sealCalls.incrementAndGet();
        long cost = sealCost(contact, message.length, format);
        Contact c = contact(contact);
        long index = c.sendCursor;
        c.sendCursor += cost;
        c.sendRemaining -= cost;
        byte[] senderBytes = self.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(1 + 1 + senderBytes.length + 8 + 4 + message.length + 16);
        out.put((byte) 'F').put((byte) senderBytes.length).put(senderBytes).putLong(index).putInt(message.length);
        byte[] ks = keystream(self, c.remoteId, index, message.length);
        for (int i = 0; i < message.length; i++) {
            out.put((byte) (message[i] ^ ks[i]));
        }
        out.put(mac(self, c.remoteId, out.array(), out.position()));
        return new SealResult(out.array(), cost, c.sendRemaining, c.sendRemaining < lowPadThreshold, index);
    }

    /** The fake's package: 'F', sender length, sender, index (8), length (4), body, mac (16); cost length + 32. */
    @Override
    public long openCost(byte[] pkg) {
        try {
            ByteBuffer in = ByteBuffer.wrap(pkg);
            in.get();
            in.position(in.position() + (in.get() & 0xff) + 8);
            int length = in.getInt();
            return length < 0 ? pkg.length : length + OVERHEAD;
        } catch (RuntimeException e) {
            return pkg.length;
        }
    }

    /** A fake package of {@code length} bytes costs at most {@code length + 2} (its sender id is at least 1 byte). */
    @Override
    public long openFileCostBound(long length) {
        return length + 2;
    }

    @Override
    public synchronized OpenResult open(String contact, byte[] pkg) throws DeviceException {
        return open(contact, pkg, true);
    }

    /** Opens for the screen: the text stays here ({@link #keptOnDevice}); a retry is a repeat. */
    @Override
    public synchronized OpenResult openOnDevice(String contact, byte[] pkg) throws DeviceException {
        OpenResult o = open(contact, pkg, true); // its kept copy makes a retry a repeat, as on the device
        if (!o.repeat()) {
            keptOnDevice.add(new String(o.plaintext(), StandardCharsets.UTF_8));
        }
        java.util.Arrays.fill(o.plaintext(), (byte) 0);
        return new OpenResult(new byte[0], o.warnings(), o.receiveRemaining(), o.index(), o.repeat(), true);
    }

    /** "Writes" {@code text} on the device's screen for {@code contact}: seals it and keeps the package. */
    public synchronized String writeOnDevice(String contact, String text) throws DeviceException {
        SealResult r = seal(contact, text.getBytes(StandardCharsets.UTF_8), Format.V2);
        String id = "w" + (outgoing.size() + 1) + "x" + r.index();
        outgoing.put(id, new OutgoingView(id, contact, contact(contact).remoteId, r.packageBytes(), r.index(),
                System.currentTimeMillis()));
        return id;
    }

    @Override
    public synchronized List<OutgoingView> outgoing() throws DeviceException {
        requireUnlocked();
        return List.copyOf(outgoing.values());
    }

    @Override
    public synchronized boolean outgoingSent(String id) throws DeviceException {
        requireUnlocked();
        if (failOutboxAcks) {
            throw new DeviceException(DeviceException.Kind.INTERNAL, "ack failed (test)");
        }
        return outgoing.remove(id) != null;
    }

    /** Files are not kept (like the real device: they are too large for the vault). */
    private synchronized OpenResult open(String contact, byte[] pkg, boolean keep) throws DeviceException {
        openCalls.incrementAndGet();
        requireUnlocked();
        Contact c = contact(contact);
        ByteBuffer in = ByteBuffer.wrap(pkg);
        try {
            if (in.get() != 'F') {
                throw new DeviceException(DeviceException.Kind.CORRUPT, "magic");
            }
            byte[] sender = new byte[in.get() & 0xff];
            in.get(sender);
            String senderId = new String(sender, StandardCharsets.UTF_8);
            long index = in.getLong();
            int length = in.getInt();
            if (length < 0 || length != in.remaining() - 16) {
                throw new DeviceException(DeviceException.Kind.CORRUPT, "length");
            }
            if (!senderId.equals(c.remoteId)) {
                throw new DeviceException(DeviceException.Kind.FORGED, "package not from this contact (sender " + senderId + ")");
            }
            int macAt = in.position() + length;
            byte[] expected = mac(senderId, self, pkg, macAt);
            byte[] got = java.util.Arrays.copyOfRange(pkg, macAt, macAt + 16);
            if (!MessageDigest.isEqual(expected, got)) {
                throw new DeviceException(DeviceException.Kind.FORGED, "mac mismatch at index " + index);
            }
            if (c.opened.contains(index)) {
                Kept k = c.kept.get(index);
                if (k != null && MessageDigest.isEqual(k.packageHash(), sha256(pkg))) {
                    return new OpenResult(k.plaintext().clone(), k.warnings(), c.receiveRemaining, index, true);
                }
                throw new DeviceException(DeviceException.Kind.REPLAY, "index " + index + " already opened");
            }
            Set<Warning> warnings = new HashSet<>();
            if (index > c.expectedNext) {
                warnings.add(Warning.SKIP);
            } else if (index < c.expectedNext) {
                warnings.add(Warning.LATE);
            }
            c.opened.add(index);
            c.expectedNext = Math.max(c.expectedNext, index + length + OVERHEAD);
            c.receiveRemaining -= length + OVERHEAD;
            byte[] ks = keystream(senderId, self, index, length);
            byte[] plain = new byte[length];
            for (int i = 0; i < length; i++) {
                plain[i] = (byte) (in.get() ^ ks[i]);
            }
            if (keep) {
                c.kept.put(index, new Kept(sha256(pkg), plain.clone(), Set.copyOf(warnings)));
            }
            return new OpenResult(plain, warnings, c.receiveRemaining, index, false);
        } catch (java.nio.BufferUnderflowException e) {
            throw new DeviceException(DeviceException.Kind.CORRUPT, "truncated");
        }
    }

    @Override
    public synchronized void confirmOpened(String contact, long index) throws DeviceException {
        confirmCalls.incrementAndGet();
        requireUnlocked();
        if (failConfirms) {
            throw new DeviceException(DeviceException.Kind.INTERNAL, "confirm failed (test)");
        }
        Contact c = contact(contact);
        if (!c.opened.contains(index)) {
            throw new DeviceException(DeviceException.Kind.UNKNOWN_MESSAGE, "nothing opened at " + index);
        }
        c.kept.remove(index);
    }

    /** Opened messages the client has not confirmed yet (for tests). */
    public synchronized int keptCount(String contact) {
        return contacts.get(contact).kept.size();
    }

    @Override
    public StreamResult sealFile(String contact, InputStream in, long length, Format format, OutputStream out)
            throws DeviceException, IOException {
        byte[] data = in.readNBytes((int) Math.min(length, Integer.MAX_VALUE - 64));
        if (data.length != length) {
            throw new IOException("short body");
        }
        SealResult r = seal(contact, data, format);
        out.write(r.packageBytes());
        return new StreamResult(r.padUsed(), r.sendRemaining(), Set.of());
    }

    @Override
    public StreamResult openFile(String contact, InputStream in, long maxPadCost, OutputStream out)
            throws DeviceException, IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        if (openCost(all.toByteArray()) > maxPadCost) {
            throw new DeviceException(DeviceException.Kind.CORRUPT, "costs more pad than approved");
        }
        OpenResult r = open(contact, all.toByteArray(), false);
        out.write(r.plaintext());
        return new StreamResult(r.plaintext().length + OVERHEAD, r.receiveRemaining(), r.warnings());
    }

    private Contact contact(String name) throws DeviceException {
        Contact c = contacts.get(name);
        if (c == null) {
            throw new DeviceException(DeviceException.Kind.UNKNOWN_CONTACT, "no contact " + name);
        }
        return c;
    }

    private void requireUnlocked() throws DeviceException {
        if (!unlocked) {
            throw new DeviceException(DeviceException.Kind.LOCKED, "locked");
        }
    }

    private static byte[] keystream(String from, String to, long index, int length) {
        byte[] out = new byte[length];
        for (int block = 0; block * 32 < length; block++) {
            byte[] h = sha256(("ks|" + from + "|" + to + "|" + index + "|" + block).getBytes(StandardCharsets.UTF_8));
            System.arraycopy(h, 0, out, block * 32, Math.min(32, length - block * 32));
        }
        return out;
    }

    private static byte[] mac(String from, String to, byte[] data, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(("mac|" + from + "|" + to + "|").getBytes(StandardCharsets.UTF_8));
            md.update(data, 0, length);
            return java.util.Arrays.copyOf(md.digest(), 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
