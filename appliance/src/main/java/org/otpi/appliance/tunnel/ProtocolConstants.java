package org.otpi.appliance.tunnel;

/**
 * Every number the tunnel depends on, in two groups.
 *
 * <p><b>Specification constants</b> come from the PSK-only tunnel note: changing one breaks
 * interoperability with a peer that follows the note byte for byte. <b>Implementation
 * constants</b> are our own choices and may be tuned without touching the wire.
 */
public final class ProtocolConstants {

    private ProtocolConstants() {
    }

    // ---- Specification (the note; visible on the wire or in the key file) ----

    /** Bytes per key slot: {@code [tag_A 16][nonce_A 12][key_A 32][tag_B 16][nonce_B 12][key_B 32]}. */
    public static final int SLOT_SIZE = 120;
    /** Bytes of one direction's half of a slot. */
    public static final int HALF_SIZE = 60;
    /** The per-direction "slot auth tag" cookie carried in the header. */
    public static final int AUTH_TAG_SIZE = 16;
    /** Slot nonce length; only the first {@link #NONCE_PREFIX_SIZE} bytes are used. */
    public static final int SLOT_NONCE_SIZE = 12;
    public static final int NONCE_PREFIX_SIZE = 8;
    public static final int KEY_SIZE = 32;
    /** Offsets inside a half. */
    static final int HALF_TAG_OFFSET = 0;
    static final int HALF_NONCE_OFFSET = 16;
    static final int HALF_KEY_OFFSET = 28;

    /** Header length; the whole header is the AEAD's associated data. */
    public static final int HEADER_SIZE = 32;
    /** "PSK2" in ASCII, big-endian. */
    public static final int MAGIC = 0x50534B32;
    public static final int VERSION = 2;
    public static final int FLAGS = 0;
    public static final int RESERVED = 0;
    /** ChaCha20-Poly1305 (RFC 8439) tag length. */
    public static final int AEAD_TAG_SIZE = 16;
    /** slot = sequence / PACKETS_PER_SLOT, independently per direction. */
    public static final int PACKETS_PER_SLOT = 1000;
    /** Sliding replay window, in packets. */
    public static final int REPLAY_WINDOW = 4096;

    // ---- Implementation (ours) ----

    /** Sequence numbers reserved ahead with one fsync, per direction (sender and receiver). */
    public static final int SEQUENCE_RESERVATION = 10_000;
    /** TUN MTU that avoids fragmenting the outer packet: 1500 - 20 (IPv4) - 8 (UDP) - 32 - 16 - slack. */
    public static final int DEFAULT_MTU = 1420;
    /** Largest IP packet we read from the TUN. */
    public static final int MAX_PACKET = 65535;
    /** Requested UDP socket buffer sizes (the kernel caps them at net.core.[rw]mem_max). */
    public static final int SOCKET_BUFFER_BYTES = 8 * 1024 * 1024;
    public static final long STATS_INTERVAL_MILLIS = 10_000;
    public static final long KEEPALIVE_INTERVAL_MILLIS = 10_000;
    public static final long HANDSHAKE_RETRY_MILLIS = 1_000;
    /** Warn when fewer days of key material than this remain at the current rate. */
    public static final double EXHAUSTION_WARNING_DAYS = 14.0;
    /** ... or when fewer slots than this remain, whatever the rate. */
    public static final long EXHAUSTION_WARNING_SLOTS = 10_000;
}
