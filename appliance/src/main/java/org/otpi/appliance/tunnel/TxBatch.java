package org.otpi.appliance.tunnel;

import java.nio.ByteBuffer;

/**
 * Datagrams being built back to back in one buffer, so that runs of equal-sized ones can leave
 * in one {@code sendmsg} with UDP GSO. Each slot is {@code [header 32][plaintext n][tag 16]}: the
 * packet is placed at {@link #add}'s answer, then {@link TunnelSession#sealBatch} writes the
 * header and seals in place. Not thread-safe.
 */
final class TxBatch {

    static final int OVERHEAD = ProtocolConstants.HEADER_SIZE + ProtocolConstants.AEAD_TAG_SIZE;

    ByteBuffer buf;
    final int[] offsets;
    final int[] lengths;
    int count;
    private int pos;

    TxBatch(ByteBuffer buf, int maxDatagrams) {
        this.buf = buf;
        this.offsets = new int[maxDatagrams];
        this.lengths = new int[maxDatagrams];
    }

    /** Starts over on {@code newBuf} (big-endian, absolute indexes from 0). */
    void reset(ByteBuffer newBuf) {
        this.buf = newBuf;
        count = 0;
        pos = 0;
    }

    /** Room for {@code datagrams} more datagrams holding {@code plainBytes} in all? */
    boolean hasRoom(int datagrams, int plainBytes) {
        return count + datagrams <= offsets.length && pos + plainBytes + datagrams * OVERHEAD <= buf.capacity();
    }

    /** Reserves a slot for a {@code plainLen}-byte packet; returns where the packet goes. */
    int add(int plainLen) {
        if (!hasRoom(1, plainLen)) {
            throw new IllegalStateException("batch full");
        }
        offsets[count] = pos;
        lengths[count] = plainLen;
        count++;
        int at = pos + ProtocolConstants.HEADER_SIZE;
        pos += plainLen + OVERHEAD;
        return at;
    }

    /** Forgets the last slot (its packet turned out to be unusable). */
    void dropLast() {
        count--;
        pos = offsets[count];
    }

    /** Bytes used: the end of the last datagram. */
    int size() {
        return pos;
    }

    /** Length of sealed datagram {@code i}. */
    int datagramLength(int i) {
        return lengths[i] + OVERHEAD;
    }
}
