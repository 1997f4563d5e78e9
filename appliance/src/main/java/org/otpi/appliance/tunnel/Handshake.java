package org.otpi.appliance.tunnel;

import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Set;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.tinylog.Logger;

/**
 * The HELLO/WELCOME handshake of the note ("Minimal design (PSK-only)"), extended so both ends
 * agree where to resume after a restart, and used for authenticated endpoint updates. Optional:
 * with it off, the data path is the note's, byte for byte.
 *
 * <pre>
 *  0        4     5      6      7     8             24              40        48            56        64         96
 *  +--------+-----+------+------+-----+-------------+---------------+---------+-------------+---------+----------+
 *  | "PSKH" | ver | type | role | rsv | hello nonce | welcome nonce | id (8)  | resume from | tx next | HMAC-256 |
 *  +--------+-----+------+------+-----+-------------+---------------+---------+-------------+---------+----------+
 *  ver = 1; type 1 = HELLO, 2 = WELCOME; role of the sender (0 initiator, 1 responder);
 *  welcome nonce is zero in a HELLO; a WELCOME echoes the HELLO's nonce.
 *  resume from = lowest sequence the sender will accept next (its replay floor): the receiver
 *  of the message moves its own sender at least there.
 *  HMAC-SHA256 over bytes 0..63, key = HKDF-SHA256(ikm = the reserved handshake slot, 120 bytes,
 *  salt = "otpi-tunnel/v1", info = "hello").
 * </pre>
 *
 * <p>Freshness: a WELCOME counts only if it echoes one of our own recent HELLO nonces; only then
 * may the peer's address change (a replayed message cannot move the endpoint). A replayed HELLO
 * can only make us answer its source address and move our sequence forward to a value already
 * passed: harmless. HELLOs are rate-limited.
 *
 * <p>Thread-safe (synchronized).
 */
final class Handshake {

    static final int MAGIC = 0x50534B48; // "PSKH"
    static final int VERSION = 1;
    static final int HELLO = 1;
    static final int WELCOME = 2;
    static final int SIZE = 96;
    private static final int MAC_OFFSET = 64;
    private static final long NONCE_LIFETIME_MILLIS = 30_000;
    private static final int MAX_OUTSTANDING = 8;
    private static final int MAX_HELLOS_PER_SECOND = 20;

    /** What the peer should do after a message. Fields may be null/false. */
    record Outcome(byte[] reply, boolean completed, InetSocketAddress verifiedEndpoint, boolean probe) {
        static final Outcome NOTHING = new Outcome(null, false, null, false);
    }

    private record Outstanding(byte[] nonce, long sentAt) {
    }

    private final SecretKeySpec macKey;
    private final Role role;
    private final byte[] identity;
    private final Set<String> allowlist;
    private final TunnelSession session;
    private final TunnelStats stats;
    private final SecureRandom random;
    private final LongSupplier clock;
    private final ArrayDeque<Outstanding> outstanding = new ArrayDeque<>();
    private long rateWindowStart;
    private int rateCount;

    Handshake(byte[] helloKey, Role role, byte[] identity, Set<String> allowlist, TunnelSession session,
            TunnelStats stats, SecureRandom random, LongSupplier clock) {
        if (identity.length != 8) {
            throw new IllegalArgumentException("identity id is 8 bytes");
        }
        this.macKey = new SecretKeySpec(helloKey, "HmacSHA256");
        this.role = role;
        this.identity = identity.clone();
        this.allowlist = Set.copyOf(allowlist);
        this.session = session;
        this.stats = stats;
        this.random = random;
        this.clock = clock;
    }

    /** HKDF-SHA256 of the whole reserved slot; the caller zeroes the result when done. */
    static byte[] deriveKey(SlotSecret slot) {
        byte[] ikm = slot.copyAll();
        try {
            HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
            hkdf.init(new HKDFParameters(ikm, "otpi-tunnel/v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            byte[] key = new byte[32];
            hkdf.generateBytes(key, 0, key.length);
            return key;
        } finally {
            Arrays.fill(ikm, (byte) 0);
        }
    }

    static boolean isHandshake(byte[] d, int off, int len) {
        return len >= 4 && WireFormat.getInt(d, off) == MAGIC;
    }

    /** A new HELLO; remembers its nonce for the WELCOME. */
    synchronized byte[] newHello() {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        outstanding.addLast(new Outstanding(nonce, clock.getAsLong()));
        while (outstanding.size() > MAX_OUTSTANDING) {
            outstanding.removeFirst();
        }
        return build(HELLO, nonce, new byte[16]);
    }

    private byte[] build(int type, byte[] helloNonce, byte[] welcomeNonce) {
        byte[] m = new byte[SIZE];
        WireFormat.putInt(m, 0, MAGIC);
        m[4] = (byte) VERSION;
        m[5] = (byte) type;
        m[6] = (byte) (role == Role.INITIATOR ? 0 : 1);
        System.arraycopy(helloNonce, 0, m, 8, 16);
        System.arraycopy(welcomeNonce, 0, m, 24, 16);
        System.arraycopy(identity, 0, m, 40, 8);
        WireFormat.putLong(m, 48, session.rxResumeFrom());
        WireFormat.putLong(m, 56, session.txNext());
        byte[] mac = mac(m);
        System.arraycopy(mac, 0, m, MAC_OFFSET, 32);
        return m;
    }

    private byte[] mac(byte[] m) {
        try {
            Mac h = Mac.getInstance("HmacSHA256");
            h.init(macKey);
            h.update(m, 0, MAC_OFFSET);
            return h.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Handles a handshake datagram from {@code from}; counts and logs every rejection. */
    synchronized Outcome onMessage(InetSocketAddress from, byte[] d, int off, int len, InetSocketAddress endpoint) {
        if (len != SIZE) {
            stats.malformed.increment();
            return Outcome.NOTHING;
        }
        byte[] m = Arrays.copyOfRange(d, off, off + SIZE);
        int type = m[5];
        int peerRole = role == Role.INITIATOR ? 1 : 0;
        if (m[4] != VERSION || (type != HELLO && type != WELCOME) || m[6] != peerRole) {
            stats.malformed.increment();
            return Outcome.NOTHING;
        }
        if (type == HELLO && !rateOk()) {
            return Outcome.NOTHING;
        }
        if (!MessageDigest.isEqual(mac(m), Arrays.copyOfRange(m, MAC_OFFSET, SIZE))) {
            stats.authFailures.increment();
            Logger.tag("security").warn("tunnel handshake with a bad HMAC from {}", from);
            return Outcome.NOTHING;
        }
        String id = HexFormat.of().formatHex(m, 40, 48);
        if (!allowlist.isEmpty() && !allowlist.contains(id)) {
            stats.authFailures.increment();
            Logger.tag("security").warn("tunnel handshake from identity {} not in the allowlist ({})", id, from);
            return Outcome.NOTHING;
        }
        session.skipTxTo(WireFormat.getLong(m, 48));
        if (type == HELLO) {
            byte[] welcomeNonce = new byte[16];
            random.nextBytes(welcomeNonce);
            byte[] reply = build(WELCOME, Arrays.copyOfRange(m, 8, 24), welcomeNonce);
            boolean probe = endpoint == null || !endpoint.equals(from);
            return new Outcome(reply, false, null, probe);
        }
        byte[] echoed = Arrays.copyOfRange(m, 8, 24);
        long now = clock.getAsLong();
        for (Iterator<Outstanding> it = outstanding.iterator(); it.hasNext(); ) {
            Outstanding o = it.next();
            if (now - o.sentAt() > NONCE_LIFETIME_MILLIS) {
                it.remove();
            } else if (MessageDigest.isEqual(o.nonce(), echoed)) {
                it.remove();
                stats.handshakes.increment();
                return new Outcome(null, true, from, false);
            }
        }
        stats.replays.increment(); // a WELCOME we did not ask for (or asked too long ago)
        return Outcome.NOTHING;
    }

    private boolean rateOk() {
        long now = clock.getAsLong();
        if (now - rateWindowStart >= 1000) {
            rateWindowStart = now;
            rateCount = 0;
        }
        return ++rateCount <= MAX_HELLOS_PER_SECOND;
    }

    @Override
    public String toString() {
        return "Handshake[" + role + ", redacted]";
    }
}
